using System.Diagnostics;
using System.Text.Json;
using MedVox.Learning.Serialization;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MedVox.Learning.Training;

/// <summary>Where a run stands, for progress bars and logs.</summary>
public readonly record struct TrainingProgress(int Iteration, int Iterations, double Loss, double LearningRate, TimeSpan Elapsed);

/// <summary>
/// Optimises a network on batches from an <see cref="IBatchSource"/>: SGD (Nesterov) or AdamW with a poly schedule,
/// gradient accumulation and clipping, bf16 compute with float32 master weights, activation checkpointing, and
/// checkpoints that a killed run resumes from with identical optimiser, schedule and data-sampling state. Every step
/// runs inside a dispose scope, so no tensor outlives it but the optimiser's state.
/// </summary>
public sealed class Trainer : IDisposable
{
    private const string WeightsFile = "weights.safetensors";
    private const string OptimizerFile = "optimizer.safetensors";
    private const string OldOptimizerFile = "optimizer.bin";
    private const string StateFile = "trainer.json";

    private readonly Module _network;
    private readonly Func<Module, TrainingBatch, Tensor> _loss;
    private readonly Device _device;
    private readonly FlatParameters _parameters;
    private readonly FlatOptimizer _optimizer;

    /// <param name="network">The network, already on <paramref name="device"/>.</param>
    /// <param name="loss">Computes the loss of a batch (already on the device) with the network: forward pass and loss.</param>
    /// <param name="options">Optimiser, schedule, precision and checkpointing.</param>
    /// <param name="device">Where batches are moved before the forward pass.</param>
    public Trainer(Module network, Func<Module, TrainingBatch, Tensor> loss, TrainingOptions options, Device device)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _network = network;
        _loss = loss;
        Options = options;
        _device = device;
        if (device.type == TorchSharp.DeviceType.CUDA)
        {
            // Patches keep one shape: cuDNN's autotuner picks the fastest algorithms once (nnU-Net does the same).
            Runtime.CuDnnSettings.TrySetBenchmark(true);
        }
        if (network is Networks.UNet unet)
        {
            unet.ActivationCheckpointing = options.ActivationCheckpointing;
            unet.CompactNormalization = options.CompactNormalization;
        }

        _parameters = new FlatParameters(network, options.Precision == PrecisionMode.BFloat16);
        _optimizer = new FlatOptimizer(_parameters, options);
    }

    public TrainingOptions Options { get; }

    /// <summary>Optimiser steps done so far.</summary>
    public int Iteration { get; private set; }

    public double LastLoss { get; private set; } = double.NaN;

    public double CurrentLearningRate => PolyLearningRate.At(Options.LearningRate, Iteration, Options.Iterations, Options.PolyExponent);

    /// <summary>One optimiser step over <see cref="TrainingOptions.GradientAccumulation"/> batches; returns the mean loss.</summary>
    public double Step(IBatchSource source, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        _network.train();
        _optimizer.LearningRate = CurrentLearningRate;
        // zero_grad reads each parameter's .grad, which makes a new tensor handle per parameter: the scope releases them.
        using (var zeroing = NewDisposeScope())
        {
            _network.zero_grad();
        }

        // Reading a loss makes the host wait for the device. On a GPU the losses are summed there and read once the
        // whole step is queued, as a PyTorch training loop does; on the CPU nothing is queued, so each is read at once
        // and a non-finite one stops before its backward pass.
        bool deferred = DeferLossReadback || _device.type != TorchSharp.DeviceType.CPU;
        using var lossSum = deferred ? zeros(1, ScalarType.Float32, _device) : null;

        // Held for the division below (a number converted at the call can be collected while LibTorch reads it).
        using var accumulation = Options.GradientAccumulation.ToScalar();
        double total = 0;
        for (int micro = 0; micro < Options.GradientAccumulation; micro++)
        {
            using var batch = source.Next(cancellation);
            using var scope = NewDisposeScope();
            var images = batch.Images.to(_device);
            if (Options.Precision == PrecisionMode.BFloat16)
            {
                images = images.to(ScalarType.BFloat16);
            }

            using var onDevice = new TrainingBatch(images, batch.Labels.to(_device));
            var loss = _loss(_network, onDevice).to(ScalarType.Float32);
            if (lossSum is null)
            {
                double value = loss.item<float>();
                CheckFinite(value);
                total += value;
            }
            else
            {
                lossSum.add_(loss.detach().reshape(1));
            }

            loss.div(accumulation).backward();
        }

        using (var scope = NewDisposeScope())
        {
            // All parameters at once: a few whole-buffer operations for the clipping and the update instead of several
            // per parameter tensor.
            var gradient = _parameters.GatherGradients();
            if (Options.GradientClip > 0)
            {
                GradientClipping.ClipByTotalNorm([gradient], Options.GradientClip);
            }

            _optimizer.Step(gradient);
            _parameters.CopyMasterToModel();
        }

        if (lossSum is not null)
        {
            // A non-finite loss has spoilt this step's update; the run stops with the CPU's message, and the spoilt
            // weights are never saved (checkpoints are written only after a step returns).
            total = lossSum.item<float>();
            CheckFinite(total);
        }

        Iteration++;
        LastLoss = total / Options.GradientAccumulation;
        return LastLoss;
    }

    /// <summary>Test hook: read the losses after the update even on the CPU (the GPU's way).</summary>
    internal bool DeferLossReadback { get; set; }

    private void CheckFinite(double loss)
    {
        if (!double.IsFinite(loss))
        {
            throw new MedVoxException($"the loss became {loss} at iteration {Iteration}", hint: "lower the learning rate, check the data for NaN, or use --precision float32");
        }
    }

    /// <summary>
    /// Runs until <see cref="TrainingOptions.Iterations"/>, writing a checkpoint to <paramref name="checkpointFolder"/>
    /// by time and iteration count and at the end; <paramref name="afterStep"/> runs after each step (validation, logs).
    /// </summary>
    public void Run(IBatchSource source, string? checkpointFolder, IProgress<TrainingProgress>? progress = null, Action<Trainer>? afterStep = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var clock = Stopwatch.StartNew();
        var lastCheckpoint = Stopwatch.StartNew();
        while (Iteration < Options.Iterations)
        {
            cancellation.ThrowIfCancellationRequested();
            double lr = CurrentLearningRate;
            Step(source, cancellation);
            progress?.Report(new TrainingProgress(Iteration, Options.Iterations, LastLoss, lr, clock.Elapsed));
            afterStep?.Invoke(this);
            bool due = lastCheckpoint.Elapsed >= Options.CheckpointInterval
                || (Options.CheckpointEveryIterations > 0 && Iteration % Options.CheckpointEveryIterations == 0)
                || Iteration == Options.Iterations;
            if (checkpointFolder is not null && due)
            {
                SaveCheckpoint(checkpointFolder, source);
                lastCheckpoint.Restart();
            }
        }
    }

    /// <summary>
    /// Writes weights (float32, PyTorch names), optimiser state, iteration and data-sampling state into
    /// <paramref name="folder"/>, replacing an earlier checkpoint only once the new one is complete.
    /// </summary>
    public void SaveCheckpoint(string folder, IBatchSource source)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(source);
        string full = Path.GetFullPath(folder);
        string staging = full + ".writing";
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        Directory.CreateDirectory(staging);
        SafeTensors.Save(Float32State(), Path.Combine(staging, WeightsFile));
        _optimizer.Save(Path.Combine(staging, OptimizerFile));

        var state = new CheckpointState(Iteration, LastLoss, Convert.ToBase64String(source.SaveState()), Options.Precision.ToString());
        File.WriteAllText(Path.Combine(staging, StateFile), JsonSerializer.Serialize(state));

        // Swap: the old checkpoint stays until the new one is complete, so a kill at any point leaves one intact.
        string old = full + ".old";
        if (Directory.Exists(old))
        {
            Directory.Delete(old, recursive: true);
        }

        if (Directory.Exists(full))
        {
            Directory.Move(full, old);
        }

        Directory.Move(staging, full);
        if (Directory.Exists(old))
        {
            Directory.Delete(old, recursive: true);
        }
    }

    /// <summary>Restores a checkpoint written by <see cref="SaveCheckpoint"/> (also one left as ".old" by a kill during a swap).</summary>
    public void LoadCheckpoint(string folder, IBatchSource source)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(source);
        string full = Path.GetFullPath(folder);
        if (!File.Exists(Path.Combine(full, StateFile)) && File.Exists(Path.Combine(full + ".old", StateFile)))
        {
            full += ".old";
        }

        string statePath = Path.Combine(full, StateFile);
        if (!File.Exists(statePath))
        {
            throw new MedVoxException("no checkpoint to resume from", folder, hint: "start without --resume");
        }

        var state = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(statePath))
            ?? throw new MedVoxException("the checkpoint state is empty", statePath);
        if (state.Precision != Options.Precision.ToString())
        {
            throw new MedVoxException($"the checkpoint was trained with {state.Precision}, this run uses {Options.Precision}", folder, hint: "resume with the same --precision");
        }

        var weights = SafeTensors.Load(Path.Combine(full, WeightsFile));
        try
        {
            using var noGrad = no_grad();
            for (int i = 0; i < _parameters.Names.Count; i++)
            {
                string name = _parameters.Names[i];
                RequireTensor(weights, name, folder);
                _parameters.MasterParameters[i].copy_(weights[name]);
            }

            _parameters.CopyMasterToModel();
            foreach (var (name, buffer) in _network.named_buffers())
            {
                RequireTensor(weights, name, folder);
                buffer.copy_(weights[name]);
            }
        }
        finally
        {
            foreach (var t in weights.Values)
            {
                t.Dispose();
            }
        }

        string optimizerPath = Path.Combine(full, OptimizerFile);
        if (!File.Exists(optimizerPath))
        {
            throw File.Exists(Path.Combine(full, OldOptimizerFile))
                ? new MedVoxException("the checkpoint was written by an earlier MedVox, whose optimiser state this one cannot read", folder, hint: "start without --resume")
                : new MedVoxException("the checkpoint has no optimiser state", folder, hint: "start without --resume");
        }

        _optimizer.Load(optimizerPath);

        Iteration = state.Iteration;
        LastLoss = state.LastLoss;
        source.RestoreState(Convert.FromBase64String(state.SamplerState));
    }

    /// <summary>The network's state in float32 under its parameter names (master weights when training in bf16).</summary>
    public Dictionary<string, Tensor> Float32State()
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < _parameters.Names.Count; i++)
        {
            state[_parameters.Names[i]] = _parameters.MasterParameters[i];
        }

        foreach (var (name, buffer) in _network.named_buffers())
        {
            state[name] = buffer;
        }

        return state;
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _parameters.Dispose();
    }

    private static void RequireTensor(Dictionary<string, Tensor> weights, string name, string folder)
    {
        if (!weights.ContainsKey(name))
        {
            throw new MedVoxException($"the checkpoint has no tensor {name}", folder, hint: "it belongs to another network");
        }
    }

    private sealed record CheckpointState(int Iteration, double LastLoss, string SamplerState, string Precision);
}
