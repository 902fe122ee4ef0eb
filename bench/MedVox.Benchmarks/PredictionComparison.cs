using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.IO;
using MedVox.Learning.Data;
using MedVox.Learning.Inference;
using MedVox.Learning.Networks;
using MedVox.Learning.Planning;
using MedVox.Learning.Runtime;
using MedVox.Learning.Training;
using MedVox.Memory;
using TorchSharp;

namespace MedVox.Benchmarks;

/// <summary>
/// MedVox's half of bench/predict-vs-pytorch.sh and the data for bench/predict-memory.sh:
/// <list type="bullet">
/// <item><c>compare predict setup DIR [PATCH] [F0,F1,...]</c>: a model folder DIR (random weights from seed 0; CT
/// normalisation, 1 mm target spacing, no crop) and DIR/config.json for the PyTorch network;</item>
/// <item><c>compare predict volume PATH SIZE int16|float32</c>: a SIZE^3 CT-like volume at 1 mm (written slab by slab
/// through a mapped image, so 4 GB volumes need no 4 GB of RAM);</item>
/// <item><c>compare predict run MODEL INPUT LABELS [OVERLAP] [--device cpu|cuda] [--compute bf16] [--batch B]
/// [--placement auto|device|host|mapped] [--memory BYTES] [--layout L] [--tta] [--repeat N]</c>: reads INPUT into
/// memory (not timed), predicts it (timed) and writes LABELS; prints "medvox_seconds S" and "medvox_voxels N".</item>
/// </list>
/// </summary>
public sealed class PredictionComparison : IComparison
{
    public string Name => "predict";

    public int Run(string[] args)
    {
        switch (args.Length > 0 ? args[0] : string.Empty)
        {
            case "setup" when args.Length >= 2:
                Setup(args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 64, args.Length > 3 ? [.. args[3].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] : [8, 16, 32], args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 2);
                return 0;
            case "volume" when args.Length == 4:
                Volume(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), args[3] == "float32" ? ElementType.Float32 : ElementType.Int16);
                return 0;
            case "run" when args.Length >= 4:
                return Predict(args[1], args[2], args[3], args.Length > 4 && !args[4].StartsWith("--", StringComparison.Ordinal) ? double.Parse(args[4], CultureInfo.InvariantCulture) : 0.5, args);
            default:
                Console.Error.WriteLine("usage: compare predict setup DIR [PATCH] [F0,F1,...] [CLASSES] | volume PATH SIZE int16|float32 | run MODEL INPUT LABELS [OVERLAP] [--device cpu|cuda] [--compute bf16] [--batch B] [--memory BYTES] [--repeat N] [--layout auto|channels-last|standard] [--tta]");
                return 2;
        }
    }

    private static void Setup(string directory, int patch, int[] features, int classes)
    {
        TorchRuntime.EnsureLoaded();
        var config = UNetConfig.ForPatch([patch, patch, patch], [1.0, 1.0, 1.0], 1, classes, baseFeatures: features[0], maxFeatures: features[^1], maxStages: features.Length) with { Features = features };
        var plan = new SegmentationPlan
        {
            DatasetName = "benchmark",
            Labels = Labels(classes),
            Channels = ["CT"],
            Preprocessing = new PreprocessingPlan
            {
                TargetSpacing = [1, 1, 1],
                Normalization = [new ChannelNormalization { Scheme = NormalizationScheme.CT, ClipLow = -1000, ClipHigh = 1000, Mean = 0, StandardDeviation = 300 }],
                LabelValues = [.. Enumerable.Range(0, classes)],
                Crop = CropMode.None,
            },
            PatchSize = [patch, patch, patch],
            BatchSize = 1,
            Network = config,
        };
        torch.manual_seed(0);
        using var net = new UNet(config);
        ModelFolder.Save(directory, plan, net.state_dict());
        File.WriteAllText(Path.Combine(directory, "config.json"), JsonSerializer.Serialize(config));
        Console.WriteLine($"model {directory}: patch {patch}^3, features {string.Join(",", features)}, {MemoryEstimator.ParameterCount(config)} parameters");
    }

    /// <summary>Air around an elliptic body with organs, bone and noise, in HU.</summary>
    private static void Volume(string path, int size, ElementType type)
    {
        var geometry = new ImageGeometry(ImageSize.Of3D(size, size, size), new Vector3D(1, 1, 1), Vector3D.Zero, Matrix3D.Identity);
        using var image = Image.Create(geometry, type, 1, new AllocationOptions { Mode = AllocationMode.Mapped, ScratchDirectory = Path.GetDirectoryName(Path.GetFullPath(path)) });
        double c = size / 2.0;
        Parallel.For(0, size, z =>
        {
            var random = new Random(z);
            var row = new float[size];
            for (int y = 0; y < size; y++)
            {
                for (int x = 0; x < size; x++)
                {
                    double r = Math.Pow((x - c) / (0.42 * size), 2) + Math.Pow((y - c) / (0.32 * size), 2);
                    double v = -1000;
                    if (r < 1)
                    {
                        v = 40 + (20 * Math.Cos(x * 0.05) * Math.Sin(y * 0.07));
                        v = r > 0.85 ? 700 : v;
                        double organ = Math.Pow((x - (c * 0.8)) / (0.12 * size), 2) + Math.Pow((y - c) / (0.09 * size), 2) + Math.Pow((z - c) / (0.2 * size), 2);
                        v = organ < 1 ? 120 : v;
                    }

                    row[x] = (float)(v + ((random.NextDouble() - 0.5) * 30));
                }

                if (type == ElementType.Float32)
                {
                    row.CopyTo(image.GetRow<float>(y, z));
                }
                else
                {
                    var target = image.GetRow<short>(y, z);
                    for (int x = 0; x < size; x++)
                    {
                        target[x] = (short)Math.Round(row[x]);
                    }
                }
            }
        });
        ImageFile.Write(image, path);
        Console.WriteLine($"volume {path}: {size}^3 {type.Name()}");
    }

    private static Dictionary<string, int> Labels(int classes)
    {
        var labels = new Dictionary<string, int> { ["background"] = 0 };
        for (int c = 1; c < classes; c++)
        {
            labels[classes == 2 ? "organ" : $"organ{c}"] = c;
        }

        return labels;
    }

    private static int Predict(string model, string input, string labels, double overlap, string[] args)
    {
        bool cuda = BenchArgs.Text(args, "--device", "cpu") == "cuda";
        int repeat = int.Parse(BenchArgs.Text(args, "--repeat", "1"), CultureInfo.InvariantCulture);
        using var image = ImageFile.Read(input, new ImageReadOptions { Allocation = new AllocationOptions { Mode = AllocationMode.Memory } });
        if (cuda)
        {
            TorchRuntime.EnsureLoaded();
            torch.zeros(1, device: torch.CUDA).Dispose();
        }

        using var sampler = cuda ? GpuMemorySampler.TryStart() : null;
        var options = new PredictionOptions
        {
            Device = cuda ? ComputeDevice.Cuda : ComputeDevice.Cpu,
            Overlap = overlap,
            Compute = BenchArgs.Text(args, "--compute", "float32") == "bf16" ? PrecisionMode.BFloat16 : PrecisionMode.Float32,
            Mirroring = args.Contains("--tta"),
            Layout = PredictionOptions.ParseLayout(BenchArgs.Text(args, "--layout", "auto")),
            BatchSize = int.Parse(BenchArgs.Text(args, "--batch", "0"), CultureInfo.InvariantCulture),
            Placement = Enum.Parse<AccumulatorPlacement>(BenchArgs.Text(args, "--placement", "auto"), ignoreCase: true),
            MemoryBudgetBytes = long.Parse(BenchArgs.Text(args, "--memory", "0"), CultureInfo.InvariantCulture),
            Log = line => Console.Error.WriteLine(line),
        };
        using var predictor = Predictor.Load(model, options);
        for (int round = 0; round < repeat; round++)
        {
            GC.Collect();
            long resident = PeakMemory.Resident;
            PeakMemory.Reset();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            using var result = predictor.Predict([image]);
            double seconds = clock.Elapsed.TotalSeconds;
            double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            if (round == repeat - 1)
            {
                ImageFile.Write(result.Labels, labels);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"medvox_seconds {seconds:F3}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"medvox_cpu_seconds {cpuSeconds:F3}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"medvox_network_seconds {result.Timings.Network.TotalSeconds:F3}"));
            Console.WriteLine($"medvox_timings {result.Timings}");
            Console.WriteLine($"medvox_placement {result.Placement} batch {result.Memory.BatchSize} ring {result.Memory.RingSlices}");
            if (!cuda)
            {
                // The image and the weights were resident before the round: the plan's figure without them.
                var plan = result.Memory;
                long weights = MemoryEstimator.ParameterCount(predictor.Network.Config) * (options.Compute == PrecisionMode.BFloat16 ? 2 : 4);
                long planned = plan.ResidentBytes - plan.InputBytes - weights;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"medvox_host_peak_added_mib {(PeakMemory.Peak - resident) / 1048576.0:F1} planned {planned / 1048576.0:F1} (network {(plan.NetworkBytes - weights) / 1048576.0:F1})"));
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"medvox_voxels {image.Size.VoxelCount}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"medvox_threads {torch.get_num_threads()}"));
        if (sampler is not null)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"medvox_gpu_peak_gib {sampler.Added / (double)(1L << 30):F2}"));
        }

        return 0;
    }
}
