using System.Globalization;
using MedVox.Learning.Losses;
using MedVox.Learning.Networks;
using MedVox.Learning.Planning;
using static TorchSharp.torch;

namespace MedVox.Benchmarks;

public sealed class DetailProbe : IComparison
{
    public string Name => "memory-detail";

    public int Run(string[] args)
    {
        int[] patch = [.. BenchArgs.Text(args, "--patch", "64,64,64").Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))];
        int batch = int.Parse(BenchArgs.Text(args, "--batch", "2"), CultureInfo.InvariantCulture);
        int baseFeatures = int.Parse(BenchArgs.Text(args, "--base", "32"), CultureInfo.InvariantCulture);
        int maxFeatures = int.Parse(BenchArgs.Text(args, "--max", "320"), CultureInfo.InvariantCulture);
        int classes = int.Parse(BenchArgs.Text(args, "--classes", "4"), CultureInfo.InvariantCulture);
        string loss = BenchArgs.Text(args, "--loss", "dice");
        bool bf16 = args.Contains("--bf16");
        var config = UNetConfig.ForPatch(patch, [.. patch.Select(_ => 1.0)], 1, classes, baseFeatures, maxFeatures, deepSupervision: args.Contains("--deep"), residual: args.Contains("--residual"));
        MedVox.Learning.Runtime.TorchRuntime.EnsureLoaded();
        long M(long b) => b >> 20;
        using var net = new UNet(config) { ActivationCheckpointing = args.Contains("--checkpointing"), CompactNormalization = args.Contains("--compact-norm") };
        using var objective = new MedVox.Learning.Training.SegmentationObjective();
        if (bf16)
        {
            TorchSharp.ModuleExtensionMethods.to(net, ScalarType.BFloat16);
        }
        long voxels = batch * patch.Aggregate(1L, (a, b) => a * b);
        Console.WriteLine($"full-res map (MiB) {M(voxels * (bf16 ? 2 : 4))}");
        using var dice = new DiceCrossEntropyLoss();
        for (int step = 0; step < 3; step++)
        {
            using var scope = NewDisposeScope();
            var images = randn([batch, 1, .. patch.Select(p => (long)p)]);
            if (bf16)
            {
                images = images.to(ScalarType.BFloat16);
            }
            var labels = randint(0, classes, [batch, .. patch.Select(p => (long)p)], ScalarType.Int64);
            net.zero_grad();
            GC.Collect();
            long r0 = PeakMemory.Resident;
            PeakMemory.Reset();
            var logits = loss == "dice" ? null : net.forward(images);
            long fwdPeak = PeakMemory.Peak, afterFwd = PeakMemory.Resident;
            PeakMemory.Reset();
            Tensor l = loss switch { "sum" => logits!.to(ScalarType.Float32).mean(), "ce" => nn.functional.cross_entropy(logits!.to(ScalarType.Float32), labels), _ => objective.Compute(net, new MedVox.Learning.Training.TrainingBatch(images, labels)) };
            long lossPeak = PeakMemory.Peak, afterLoss = PeakMemory.Resident;
            PeakMemory.Reset();
            l.backward();
            long bwdPeak = PeakMemory.Peak, afterBwd = PeakMemory.Resident;
            Console.WriteLine($"step {step}: start {M(r0)} | fwd peak +{M(fwdPeak - r0)} after +{M(afterFwd - r0)} | loss peak +{M(lossPeak - r0)} after +{M(afterLoss - r0)} | bwd peak +{M(bwdPeak - r0)} after +{M(afterBwd - r0)}");
        }

        var e = MemoryEstimator.Estimate(config, patch, batch, new MedVox.Learning.Training.TrainingOptions { Precision = bf16 ? MedVox.Learning.Training.PrecisionMode.BFloat16 : MedVox.Learning.Training.PrecisionMode.Float32, ActivationCheckpointing = args.Contains("--checkpointing"), CompactNormalization = args.Contains("--compact-norm") });
        Console.WriteLine(e.ToString());
        return 0;
    }
}
