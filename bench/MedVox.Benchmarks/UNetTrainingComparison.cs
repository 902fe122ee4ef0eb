using System.Diagnostics;
using System.Globalization;
using MedVox.Learning.Networks;
using MedVox.Learning.Planning;
using MedVox.Learning.Runtime;
using MedVox.Learning.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MedVox.Benchmarks;

/// <summary>
/// One training iteration of the 3D U-Net on the CPU through MedVox's <see cref="Trainer"/> (forward, cross-entropy,
/// backward, gradient clipping at 12, SGD with Nesterov momentum 0.99): the MedVox half of
/// bench/unet-train-vs-pytorch.sh, whose PyTorch half runs the same network (tests' unet_oracle.py layout) with the same
/// steps. Usage: <c>compare unet-train [--patch 32] [--batch 2] [--features 16,32,64,128] [--classes 3] [--threads N] [--steps 5] [--warmup 2] [--device cpu|cuda] [--bf16] [--checkpointing] [--compact-norm] [--estimate-only]</c>.
/// On CUDA it also prints the device memory the run added (NVML) and the planner's estimate.
/// Prints medvox_step (best seconds per iteration), medvox_median and the LibTorch version.
/// </summary>
public sealed class UNetTrainingComparison : IComparison
{
    public string Name => "unet-train";

    public int Run(string[] args)
    {
        int patch = BenchArgs.Int(args, "--patch", 32), batch = BenchArgs.Int(args, "--batch", 2), classes = BenchArgs.Int(args, "--classes", 3);
        int steps = BenchArgs.Int(args, "--steps", 5), warmup = BenchArgs.Int(args, "--warmup", 2), threads = BenchArgs.Int(args, "--threads", Environment.ProcessorCount);
        int[] features = [.. BenchArgs.Text(args, "--features", "16,32,64,128").Split(',').Select(f => int.Parse(f, CultureInfo.InvariantCulture))];
        bool cuda = BenchArgs.Text(args, "--device", "cpu") == "cuda";
        var config = Config(features, classes);
        var options = new TrainingOptions
        {
            Iterations = warmup + steps,
            LearningRate = 0.01,
            Momentum = 0.99,
            WeightDecay = 3e-5,
            GradientClip = 12,
            Precision = args.Contains("--bf16") ? PrecisionMode.BFloat16 : PrecisionMode.Float32,
            ActivationCheckpointing = args.Contains("--checkpointing"),
            CompactNormalization = args.Contains("--compact-norm"),
        };
        var estimate = MemoryEstimator.Estimate(config, [patch, patch, patch], batch, options, cuda ? MemoryDevice.Cuda : MemoryDevice.Cpu);
        if (args.Contains("--estimate-only"))
        {
            // The planner's estimate for this network on the chosen device, without running a step (no GPU needed).
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"medvox_estimate_step_gib {estimate.Step / (double)(1L << 30):F2}"));
            Console.WriteLine(estimate.ToString());
            return 0;
        }

        TorchRuntime.EnsureLoaded();
        set_num_threads(threads);
        var device = cuda ? TorchRuntime.Resolve(ComputeDevice.Cuda) : CPU;
        if (cuda)
        {
            zeros(1, device: device).Dispose();
        }

        using var sampler = cuda ? GpuMemorySampler.TryStart() : null;
        manual_seed(0);
        using var network = new UNet(config);
        network.to(device);
        using var trainer = new Trainer(network, (net, b) => nn.functional.cross_entropy(((UNet)net).forward(b.Images), b.Labels), options, device);
        using var images = randn(new long[] { batch, 1, patch, patch, patch }, device: device);
        using var labels = randint(0, classes, new long[] { batch, patch, patch, patch }, device: device);
        var source = new FixedBatch(images, labels);
        for (int i = 0; i < warmup; i++)
        {
            trainer.Step(source);
        }

        Synchronize(cuda);
        var times = new double[steps];
        for (int i = 0; i < steps; i++)
        {
            var clock = Stopwatch.StartNew();
            trainer.Step(source);
            Synchronize(cuda);
            times[i] = clock.Elapsed.TotalSeconds;
        }

        Array.Sort(times);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"medvox_step {times[0]:F4}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"medvox_median {times[steps / 2]:F4}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"medvox_loss {trainer.LastLoss:F4}"));
        Console.WriteLine($"medvox_libtorch {TorchRuntime.LibTorchVersion}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"medvox_threads {get_num_threads()}"));
        if (sampler is not null)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"medvox_gpu_peak_gib {sampler.Added / (double)(1L << 30):F2}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"medvox_estimate_gib {estimate.Total / (double)(1L << 30):F2}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"medvox_estimate_step_gib {estimate.Step / (double)(1L << 30):F2}"));
        }

        return 0;
    }

    private static void Synchronize(bool cuda)
    {
        if (cuda)
        {
            TorchSharp.torch.cuda.synchronize();
        }
    }

    /// <summary>The U-Net of the comparison: 3D, one encoder block per stage pair of convolutions, strides 2 after the first stage.</summary>
    internal static UNetConfig Config(int[] features, int classes) => new()
    {
        Dimensions = 3,
        InputChannels = 1,
        Classes = classes,
        Features = features,
        Kernels = [.. features.Select(_ => new[] { 3, 3, 3 })],
        Strides = [.. features.Select((_, i) => i == 0 ? new[] { 1, 1, 1 } : new[] { 2, 2, 2 })],
        EncoderBlocks = [.. features.Select(_ => 2)],
        DecoderConvolutions = 2,
    };

    /// <summary>The same batch every step (copied, since the trainer disposes what it is given).</summary>
    private sealed class FixedBatch(Tensor images, Tensor labels) : IBatchSource
    {
        public TrainingBatch Next(CancellationToken cancellation) => new(images.clone(), labels.clone());

        public byte[] SaveState() => [];

        public void RestoreState(byte[] state)
        {
        }
    }
}
