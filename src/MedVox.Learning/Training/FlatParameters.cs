using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MedVox.Learning.Training;

/// <summary>
/// A network's parameters as views of one contiguous buffer, plus the float32 values the optimiser updates: that
/// buffer itself in float32, or a float32 master copy of it in bf16 (mixed precision without autocast, which TorchSharp
/// has none of: small updates accumulate in float32 instead of vanishing below bf16's 8-bit mantissa, and bf16 shares
/// float32's exponent range, so gradients need no loss scaling).
/// <para>
/// One buffer lets the optimiser update every parameter with a handful of whole-buffer operations instead of several
/// per parameter tensor (an nnU-Net-sized U-Net has about a hundred): on a GPU each of those is a kernel launch, which
/// is what PyTorch's multi-tensor optimisers save. The network must not be moved or cast afterwards: that would give
/// its parameters new storage and break the views.
/// </para>
/// </summary>
public sealed class FlatParameters : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly long[][] _shapes;
    private readonly long[] _offsets;
    private readonly Tensor _model;
    private readonly Tensor? _master;
    private readonly Tensor[] _masterViews;

    /// <param name="network">The network, already on its device; with <paramref name="bfloat16"/> it is cast to bf16 here.</param>
    /// <param name="bfloat16">Compute in bf16 and keep float32 master weights.</param>
    public FlatParameters(Module network, bool bfloat16)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (bfloat16)
        {
            network.to(ScalarType.BFloat16);
        }

        var named = network.named_parameters().ToArray();
        if (named.Length == 0)
        {
            throw new ArgumentException("The network has no parameters.", nameof(network));
        }

        Names = [.. named.Select(p => p.name)];
        _parameters = [.. named.Select(p => p.parameter)];
        _shapes = [.. _parameters.Select(p => p.shape)];
        _offsets = new long[_parameters.Length + 1];
        var dtype = _parameters[0].dtype;
        var device = _parameters[0].device;
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (_parameters[i].dtype != dtype || _parameters[i].device_type != device.type || _parameters[i].device_index != device.index)
            {
                throw new ArgumentException($"Parameter {Names[i]} is {_parameters[i].dtype} on {_parameters[i].device}, the first one {dtype} on {device}.", nameof(network));
            }

            _offsets[i + 1] = _offsets[i] + _parameters[i].numel();
        }

        using var noGrad = no_grad();
        using (var scope = NewDisposeScope())
        {
            _model = empty(_offsets[^1], dtype, device).DetachFromDisposeScope();
            for (int i = 0; i < _parameters.Length; i++)
            {
                var view = View(_model, i);
                view.copy_(_parameters[i]);

                // The parameter keeps its identity (module registration, autograd leaf) and takes the view's storage.
                _parameters[i].set_(view);
            }
        }

        Runtime.TensorAccounting.ReleaseUnreferencedStorage();
        _master = bfloat16 ? _model.to(ScalarType.Float32).DetachFromDisposeScope() : null;
        _masterViews = new Tensor[_parameters.Length];
        using (var scope = NewDisposeScope())
        {
            for (int i = 0; i < _masterViews.Length; i++)
            {
                _masterViews[i] = View(Master, i).DetachFromDisposeScope();
            }
        }
    }

    /// <summary>The parameters' names, in the order of the buffer (the network's <c>named_parameters</c>).</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The float32 values the optimiser updates, all parameters in one buffer (owned here).</summary>
    public Tensor Master => _master ?? _model;

    /// <summary>Each parameter's part of <see cref="Master"/>, in its shape and the order of <see cref="Names"/> (owned here).</summary>
    public IReadOnlyList<Tensor> MasterParameters => _masterViews;

    /// <summary>Number of parameter values.</summary>
    public long Count => _offsets[^1];

    /// <summary>The part of a flat buffer laid out like <see cref="Master"/> that belongs to parameter <paramref name="index"/>, in its shape.</summary>
    public Tensor View(Tensor flat, int index)
    {
        ArgumentNullException.ThrowIfNull(flat);
        return flat.narrow(0, _offsets[index], _offsets[index + 1] - _offsets[index]).view(_shapes[index]);
    }

    /// <summary>
    /// The network's gradients as one float32 buffer laid out like <see cref="Master"/> (zero where a parameter got
    /// none), in the caller's dispose scope.
    /// </summary>
    public Tensor GatherGradients()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var parts = new Tensor[_parameters.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            var gradient = _parameters[i].grad;
            long count = _offsets[i + 1] - _offsets[i];
            parts[i] = gradient is null ? zeros(count, _model.dtype, _model.device) : gradient.reshape(count);
        }

        var flat = cat(parts, 0);
        if (flat.dtype != ScalarType.Float32)
        {
            flat = flat.to(ScalarType.Float32);
        }

        return flat.MoveToOuterDisposeScope();
    }

    /// <summary>Writes the float32 values into the bf16 network (nothing to do in float32, where they are the network's).</summary>
    public void CopyMasterToModel()
    {
        if (_master is not null)
        {
            using var noGrad = no_grad();
            _model.copy_(_master);
        }
    }

    public void Dispose()
    {
        foreach (var view in _masterViews)
        {
            view.Dispose();
        }

        _master?.Dispose();
        _model.Dispose();
    }
}
