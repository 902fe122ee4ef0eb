using System.Globalization;
using MedVox.Learning.Networks;
using MedVox.Learning.Planning;
using MedVox.Learning.Training;

namespace MedVox.Benchmarks;

/// <summary>
/// One measured training step in this (fresh) process: <c>compare memory-probe --patch 64,64,64 --batch 2 --base 32
/// --max 320 --classes 4 [--bf16] [--checkpointing] [--compact-norm] [--adamw] [--residual] [--deep] [--estimate-only]</c> prints estimate and measurement.
/// </summary>
public sealed class MemoryProbeRun : IComparison
{
    public string Name => "memory-probe";

    public int Run(string[] args)
    {
        int[] patch = [.. BenchArgs.Text(args, "--patch", "64,64,64").Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))];
        int batch = int.Parse(BenchArgs.Text(args, "--batch", "2"), CultureInfo.InvariantCulture);
        int baseFeatures = int.Parse(BenchArgs.Text(args, "--base", "32"), CultureInfo.InvariantCulture);
        int maxFeatures = int.Parse(BenchArgs.Text(args, "--max", "320"), CultureInfo.InvariantCulture);
        int classes = int.Parse(BenchArgs.Text(args, "--classes", "4"), CultureInfo.InvariantCulture);
        int steps = int.Parse(BenchArgs.Text(args, "--steps", "2"), CultureInfo.InvariantCulture);
        int threads = int.Parse(BenchArgs.Text(args, "--threads", "0"), CultureInfo.InvariantCulture);
        if (threads > 0)
        {
            TorchSharp.torch.set_num_threads(threads);
        }

        var config = UNetConfig.ForPatch(patch, [.. patch.Select(_ => 1.0)], 1, classes, baseFeatures, maxFeatures,
            residual: args.Contains("--residual"), deepSupervision: args.Contains("--deep"));
        var options = new TrainingOptions
        {
            Precision = args.Contains("--bf16") ? PrecisionMode.BFloat16 : PrecisionMode.Float32,
            ActivationCheckpointing = args.Contains("--checkpointing"),
            CompactNormalization = args.Contains("--compact-norm"),
            Optimizer = args.Contains("--adamw") ? OptimizerKind.AdamW : OptimizerKind.Sgd,
        };
        var estimate = MemoryEstimator.Estimate(config, patch, batch, options);
        if (args.Contains("--estimate-only"))
        {
            Console.WriteLine(FormattableString.Invariant($"step estimate {estimate.Step}"));
            Console.WriteLine(estimate.ToString());
            return 0;
        }

        var measured = MemoryProbe.Measure(config, patch, batch, options, steps: steps);
        Console.WriteLine(FormattableString.Invariant($"baseline {measured.BaselineBytes} peak {measured.PeakBytes} added {measured.AddedBytes} after {measured.ResidentAfterBytes} estimate {estimate.Total} step estimate {estimate.Step} ratio {estimate.Step / (double)measured.PeakBytes:F3} step {measured.StepTime.TotalSeconds:F2}s"));
        Console.WriteLine(estimate.ToString());
        return 0;
    }
}
