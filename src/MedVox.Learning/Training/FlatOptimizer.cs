using System.Globalization;
using MedVox.Learning.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace MedVox.Learning.Training;

/// <summary>
/// SGD (Nesterov momentum, L2 weight decay) and AdamW (decoupled weight decay) over <see cref="FlatParameters"/>:
/// the same arithmetic, in the same order, as TorchSharp's (and PyTorch's single-tensor) optimisers, but applied to all
/// parameters at once, a few operations per step instead of a few per parameter tensor. Its state is one buffer per
/// moment, saved per parameter name.
/// </summary>
public sealed class FlatOptimizer : IDisposable
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double AdamEpsilon = 1e-8;
    private const string KindKey = "optimizer";
    private const string StepKey = "step";

    // PyTorch's names for the state of each parameter.
    private const string MomentumSuffix = ".momentum_buffer";
    private const string FirstMomentSuffix = ".exp_avg";
    private const string SecondMomentSuffix = ".exp_avg_sq";

    private readonly FlatParameters _parameters;
    private readonly OptimizerKind _kind;
    private readonly double _momentum;
    private readonly double _weightDecay;
    private readonly Tensor? _first;
    private readonly Tensor? _second;

    public FlatOptimizer(FlatParameters parameters, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(options);
        _parameters = parameters;
        _kind = options.Optimizer;
        _momentum = options.Momentum;
        _weightDecay = options.WeightDecay;
        LearningRate = options.LearningRate;
        var master = parameters.Master;
        if (_kind == OptimizerKind.AdamW)
        {
            _first = zeros_like(master).DetachFromDisposeScope();
            _second = zeros_like(master).DetachFromDisposeScope();
        }
        else if (_momentum != 0)
        {
            _first = zeros_like(master).DetachFromDisposeScope();
        }
    }

    public double LearningRate { get; set; }

    /// <summary>Updates done so far (AdamW's bias correction counts them; SGD's momentum starts at the first).</summary>
    public long Steps { get; private set; }

    /// <summary>One update of <see cref="FlatParameters.Master"/> from the float32 flat <paramref name="gradient"/>, which it overwrites.</summary>
    public void Step(Tensor gradient)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        if (gradient.numel() != _parameters.Count || gradient.dtype != ScalarType.Float32)
        {
            throw new ArgumentException($"Expected a float32 gradient of {_parameters.Count} values, got {gradient.dtype} with {gradient.numel()}.", nameof(gradient));
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Steps++;
        if (_kind == OptimizerKind.AdamW)
        {
            AdamWStep(gradient);
        }
        else
        {
            SgdStep(gradient);
        }
    }

    // Numbers go to LibTorch as scalars held until the call returns (TorchSharp's implicit conversions leave them to
    // the garbage collector, which can free one while LibTorch reads it).
    private void SgdStep(Tensor gradient)
    {
        var parameters = _parameters.Master;
        if (_weightDecay != 0)
        {
            using var decay = _weightDecay.ToScalar();
            gradient.add_(parameters, decay);
        }

        if (_first is not null)
        {
            using var momentum = _momentum.ToScalar();
            if (Steps == 1)
            {
                _first.copy_(gradient);
            }
            else
            {
                _first.mul_(momentum).add_(gradient);
            }

            // Nesterov: the gradient plus the momentum applied once more.
            gradient.add_(_first, momentum);
        }

        using var step = (-LearningRate).ToScalar();
        parameters.add_(gradient, step);
    }

    private void AdamWStep(Tensor gradient)
    {
        var parameters = _parameters.Master;
        double correction1 = 1 - Math.Pow(Beta1, Steps);
        double correction2 = 1 - Math.Pow(Beta2, Steps);
        using var decay = (1 - (LearningRate * _weightDecay)).ToScalar();
        using var beta1 = Beta1.ToScalar();
        using var rest1 = (1 - Beta1).ToScalar();
        using var beta2 = Beta2.ToScalar();
        using var rest2 = (1 - Beta2).ToScalar();
        using var root2 = Math.Sqrt(correction2).ToScalar();
        using var epsilon = AdamEpsilon.ToScalar();
        using var step = (-LearningRate / correction1).ToScalar();
        parameters.mul_(decay);
        _first!.mul_(beta1).add_(gradient, rest1);
        _second!.mul_(beta2).addcmul_(gradient, gradient, rest2);
        var denominator = _second.sqrt().div_(root2).add_(epsilon);
        parameters.addcdiv_(_first, denominator, step);
    }

    private string FirstSuffix => _kind == OptimizerKind.AdamW ? FirstMomentSuffix : MomentumSuffix;

    /// <summary>Writes the optimiser's state (moments per parameter name, step count) as safetensors.</summary>
    public void Save(string path)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var scope = NewDisposeScope();
        for (int i = 0; i < _parameters.Names.Count; i++)
        {
            if (_first is not null)
            {
                tensors[_parameters.Names[i] + FirstSuffix] = _parameters.View(_first, i);
            }

            if (_second is not null)
            {
                tensors[_parameters.Names[i] + SecondMomentSuffix] = _parameters.View(_second, i);
            }
        }

        var metadata = new Dictionary<string, string>
        {
            [KindKey] = _kind.ToString(),
            [StepKey] = Steps.ToString(CultureInfo.InvariantCulture),
        };
        SafeTensors.Save(tensors, path, metadata);
    }

    /// <summary>Restores a state written by <see cref="Save"/> for the same network and optimiser.</summary>
    public void Load(string path)
    {
        var tensors = SafeTensors.Load(path, out var metadata);
        try
        {
            if (!metadata.TryGetValue(KindKey, out string? kind) || kind != _kind.ToString())
            {
                throw new MedVoxException($"the checkpoint's optimiser state is for {kind ?? "an unknown optimiser"}, this run uses {_kind}", path, hint: "resume with the same --optimizer");
            }

            if (!metadata.TryGetValue(StepKey, out string? steps) || !long.TryParse(steps, NumberStyles.None, CultureInfo.InvariantCulture, out long count))
            {
                throw new MedVoxException("the checkpoint's optimiser state has no step count", path);
            }

            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            for (int i = 0; i < _parameters.Names.Count; i++)
            {
                Restore(tensors, _first, _parameters.Names[i] + FirstSuffix, i, path);
                Restore(tensors, _second, _parameters.Names[i] + SecondMomentSuffix, i, path);
            }

            Steps = count;
        }
        finally
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }
    }

    private void Restore(Dictionary<string, Tensor> tensors, Tensor? state, string name, int index, string path)
    {
        if (state is null)
        {
            return;
        }

        var target = _parameters.View(state, index);
        if (!tensors.TryGetValue(name, out var saved) || !saved.shape.SequenceEqual(target.shape))
        {
            throw new MedVoxException($"the checkpoint's optimiser state has no tensor {name} of shape [{string.Join(", ", target.shape)}]", path, hint: "it belongs to another network");
        }

        target.copy_(saved);
    }

    public void Dispose()
    {
        _first?.Dispose();
        _second?.Dispose();
    }
}
