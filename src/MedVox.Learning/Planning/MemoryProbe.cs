using MedVox.Learning.Networks;
using MedVox.Learning.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MedVox.Learning.Planning;

/// <summary>What <see cref="MemoryProbe.Measure"/> saw: resident bytes before the network existed, and the peak.</summary>
public sealed record MemoryMeasurement(long BaselineBytes, long PeakBytes, long ResidentAfterBytes, TimeSpan StepTime)
{
    /// <summary>Peak minus the resident bytes the process had before the network was built.</summary>
    public long AddedBytes => PeakBytes - BaselineBytes;
}

/// <summary>
/// Measures the memory of training steps of a U-Net on random data, as the real training runs them (same trainer,
/// loss, precision and checkpointing). On the CPU the peak is the process's resident high-water mark
/// (<see cref="PeakMemory"/>), which counts every thread: measure in a process (or a test collection) that does
/// nothing else meanwhile.
/// </summary>
public static class MemoryProbe
{
    /// <summary>
    /// Builds the network, runs <paramref name="steps"/> optimiser steps on random batches and returns the peak of the
    /// whole run (the first step allocates the optimiser's state; later ones reuse it).
    /// </summary>
    public static MemoryMeasurement Measure(UNetConfig config, int[] patch, int batch, TrainingOptions options, Device? device = null, int steps = 2)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(patch);
        ArgumentNullException.ThrowIfNull(options);
        device ??= CPU;
        Runtime.TorchRuntime.EnsureLoaded();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long baseline = PeakMemory.Resident;
        PeakMemory.Reset();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using (var network = new UNet(config))
        {
            network.to(device);
            using var objective = new SegmentationObjective();
            using var trainer = new Trainer(network, objective.Compute, options with { Iterations = Math.Max(options.Iterations, steps) }, device);
            var source = new RandomBatches(config, patch, batch);
            for (int s = 0; s < steps; s++)
            {
                if (s == steps - 1)
                {
                    clock.Restart();
                }

                trainer.Step(source);
            }
        }

        var elapsed = clock.Elapsed;
        long peak = PeakMemory.Peak;
        return new MemoryMeasurement(baseline, peak, PeakMemory.Resident, elapsed);
    }

    private sealed class RandomBatches(UNetConfig config, int[] patch, int batch) : IBatchSource
    {
        private long _drawn;

        public TrainingBatch Next(CancellationToken cancellation)
        {
            using var generator = new Generator((ulong)(17 + _drawn++));
            long[] spatial = [.. patch.Select(p => (long)p)];
            var images = randn([batch, config.InputChannels, .. spatial], generator: generator).DetachFromDisposeScope();
            var labels = randint(0, config.Classes, [batch, .. spatial], ScalarType.Int64, generator: generator).DetachFromDisposeScope();
            return new TrainingBatch(images, labels);
        }

        public byte[] SaveState() => BitConverter.GetBytes(_drawn);

        public void RestoreState(byte[] state) => _drawn = BitConverter.ToInt64(state);
    }
}
