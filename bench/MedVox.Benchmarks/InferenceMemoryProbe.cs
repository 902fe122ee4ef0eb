using System.Diagnostics;
using System.Globalization;
using MedVox.Learning.Inference;
using MedVox.Learning.Networks;
using MedVox.Learning.Planning;
using static TorchSharp.torch;

namespace MedVox.Benchmarks;

/// <summary>
/// The resident peak one inference forward of a U-Net adds on the CPU (no autograd, random input and weights), beside
/// the prediction planner's estimate of the same (without the weights). The network is <c>UNetConfig.ForPatch</c>'s for a
/// cubic patch, from the first to the last of <c>--features</c>. Usage: <c>compare inference-memory [--patch 64] [--batch 1]
/// [--classes 14] [--inputs 1] [--features 32,...,320] [--bf16] [--channels-last] [--residual] [--threads 2] [--rounds 3]</c>.
/// </summary>
public sealed class InferenceMemoryProbe : IComparison
{
    public string Name => "inference-memory";

    public int Run(string[] args)
    {
        int patch = BenchArgs.Int(args, "--patch", 64);
        int batch = BenchArgs.Int(args, "--batch", 1);
        int classes = BenchArgs.Int(args, "--classes", 14);
        int[] features = [.. BenchArgs.Text(args, "--features", "32,64,128,256,320").Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))];
        bool bf16 = args.Contains("--bf16");
        MedVox.Learning.Runtime.TorchRuntime.EnsureLoaded();
        set_num_threads(BenchArgs.Int(args, "--threads", 2));
        int inputs = BenchArgs.Int(args, "--inputs", 1);
        var config = UNetConfig.ForPatch([patch, patch, patch], [1.0, 1.0, 1.0], inputs, classes, features[0], features[^1], residual: args.Contains("--residual"));
        bool channelsLast = args.Contains("--channels-last");
        long estimate = PredictionMemoryPlan.NetworkEstimate(config, [patch, patch, patch], batch, mirroring: false, bf16 ? 2 : 4, cuda: false, channelsLast) - (MemoryEstimator.ParameterCount(config) * (bf16 ? 2 : 4));
        using var net = new UNet(config);
        if (bf16)
        {
            TorchSharp.ModuleExtensionMethods.to(net, ScalarType.BFloat16);
        }

        if (channelsLast)
        {
            ChannelsLast.Apply(net);
        }

        net.eval();
        using var noGrad = no_grad();
        for (int round = 0; round < BenchArgs.Int(args, "--rounds", 3); round++)
        {
            using var scope = NewDisposeScope();
            var input = randn([batch, inputs, patch, patch, patch], bf16 ? ScalarType.BFloat16 : ScalarType.Float32);
            GC.Collect();
            long baseline = PeakMemory.Resident;
            PeakMemory.Reset();
            var clock = Stopwatch.StartNew();
            var logits = net.forward(input);
            double seconds = clock.Elapsed.TotalSeconds;
            long sum = (long)logits.to(ScalarType.Float32).sum().item<float>();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: {seconds:F2} s, added peak {(PeakMemory.Peak - baseline) / 1048576.0:F1} MiB (planner: {estimate / 1048576.0:F1}), full-res map {(long)batch * patch * patch * patch * features[0] * (bf16 ? 2 : 4) / 1048576.0:F1} MiB, checksum {sum}"));
        }

        return 0;
    }
}
