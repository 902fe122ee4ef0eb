using System.Diagnostics;
using System.Globalization;
using MedVox.Learning.Networks;
using MedVox.Learning.Runtime;
using MedVox.Learning.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MedVox.Benchmarks;

/// <summary>
/// The optimiser's share of a training step, alone: gradient clipping at 12 and an SGD step (Nesterov, momentum 0.99,
/// weight decay 3e-5) over the parameters of the <c>unet-train</c> comparison's 3D U-Net (nnU-Net-sized by default),
/// two ways on the same gradients:
/// <list type="bullet">
/// <item>per parameter tensor, as the trainer did up to 2026-11-27: TorchSharp's SGD and a clipping pass per tensor,
/// with bf16 also a copy per tensor into the float32 master gradients and back into the bf16 weights;</item>
/// <item>flat: the trainer's way since (<see cref="FlatParameters"/>, <see cref="FlatOptimizer"/>): the gradients
/// gathered into one buffer, then a few whole-buffer operations.</item>
/// </list>
/// Usage: <c>compare optimizer-step [--features 32,64,128,256,320,320] [--classes 14] [--device cpu|cuda] [--bf16] [--steps 20] [--threads N]</c>.
/// Prints per_parameter_ms and flat_ms (best step) and the parameter tensor count.
/// </summary>
public sealed class OptimizerStepComparison : IComparison
{
    public string Name => "optimizer-step";

    public int Run(string[] args)
    {
        int classes = BenchArgs.Int(args, "--classes", 14), steps = BenchArgs.Int(args, "--steps", 20);
        int threads = BenchArgs.Int(args, "--threads", Environment.ProcessorCount);
        int[] features = [.. BenchArgs.Text(args, "--features", "32,64,128,256,320,320").Split(',').Select(f => int.Parse(f, CultureInfo.InvariantCulture))];
        bool cuda = BenchArgs.Text(args, "--device", "cpu") == "cuda";
        bool bf16 = args.Contains("--bf16");
        TorchRuntime.EnsureLoaded();
        set_num_threads(threads);
        var device = cuda ? TorchRuntime.Resolve(ComputeDevice.Cuda) : CPU;
        var config = UNetTrainingComparison.Config(features, classes);
        var options = new TrainingOptions { LearningRate = 0.01, Momentum = 0.99, WeightDecay = 3e-5, GradientClip = 12 };

        manual_seed(0);
        double perParameter = PerParameter(config, options, device, bf16, steps, cuda, out int tensors);
        manual_seed(0);
        double flat = Flat(config, options, device, bf16, steps, cuda);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"parameter_tensors {tensors}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"per_parameter_ms {perParameter * 1000:F2}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"flat_ms {flat * 1000:F2}"));
        return 0;
    }

    private static double PerParameter(UNetConfig config, TrainingOptions options, Device device, bool bf16, int steps, bool cuda, out int tensors)
    {
        using var network = new UNet(config);
        network.to(device);
        Parameter[] model;
        Parameter[] optimized;
        if (bf16)
        {
            network.to(ScalarType.BFloat16);
            model = [.. network.parameters()];
            using var noGrad = no_grad();
            optimized = [.. model.Select(p => new Parameter(p.detach().to(ScalarType.Float32).clone()))];
            foreach (var p in optimized)
            {
                p.grad = zeros_like(p).DetachFromDisposeScope();
            }
        }
        else
        {
            model = optimized = [.. network.parameters()];
        }

        tensors = model.Length;
        using var sgd = optim.SGD(optimized, options.LearningRate, momentum: options.Momentum, weight_decay: options.WeightDecay, nesterov: true);
        return Time(steps, cuda, () => SetGradients(model), () =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            if (bf16)
            {
                for (int i = 0; i < model.Length; i++)
                {
                    optimized[i].grad!.copy_(model[i].grad!);
                }
            }

            GradientClipping.ClipByTotalNorm([.. optimized.Select(p => p.grad!)], options.GradientClip);
            sgd.step();
            if (bf16)
            {
                for (int i = 0; i < model.Length; i++)
                {
                    model[i].copy_(optimized[i]);
                }
            }
        });
    }

    private static double Flat(UNetConfig config, TrainingOptions options, Device device, bool bf16, int steps, bool cuda)
    {
        using var network = new UNet(config);
        network.to(device);
        using var parameters = new FlatParameters(network, bf16);
        using var optimizer = new FlatOptimizer(parameters, options);
        var model = network.parameters().ToArray();
        return Time(steps, cuda, () => SetGradients(model), () =>
        {
            using var scope = NewDisposeScope();
            var gradient = parameters.GatherGradients();
            GradientClipping.ClipByTotalNorm([gradient], options.GradientClip);
            optimizer.Step(gradient);
            parameters.CopyMasterToModel();
        });
    }

    /// <summary>Fresh gradients for every parameter, as a backward pass leaves them (not timed).</summary>
    private static void SetGradients(Parameter[] parameters)
    {
        using var scope = NewDisposeScope();
        foreach (var p in parameters)
        {
            p.grad = randn_like(p).DetachFromDisposeScope();
        }
    }

    private static double Time(int steps, bool cuda, Action setup, Action step)
    {
        double best = double.MaxValue;
        for (int i = 0; i < steps + 3; i++)
        {
            setup();
            Synchronize(cuda);
            var clock = Stopwatch.StartNew();
            step();
            Synchronize(cuda);
            if (i >= 3)
            {
                best = Math.Min(best, clock.Elapsed.TotalSeconds);
            }
        }

        return best;
    }

    private static void Synchronize(bool cuda)
    {
        if (cuda)
        {
            torch.cuda.synchronize();
        }
    }
}
