using System.Diagnostics;
using System.Globalization;
using MedVox.IO.Datasets;
using MedVox.Learning.Data;
using MedVox.Learning.Planning;
using MedVox.Learning.Training;
using MedVox.Synthetic;
using MedVox.Synthetic.Abdomen;

namespace MedVox.Benchmarks;

/// <summary>
/// Plans and trains a small U-Net on abdomen phantoms on the CPU and reports validation Dice and time:
/// <c>compare train-phantom [--size 64] [--cases 6] [--budget-mb 600] [--iterations 300] [--base 8] [--no-augment] [--bf16] [--lr 0.01] [--threads N] [--dir DIR]</c>.
/// </summary>
public sealed class PhantomTraining : IComparison
{
    public string Name => "train-phantom";

    public int Run(string[] args)
    {
        int size = Int(args, "--size", 64), cases = Int(args, "--cases", 6), iterations = Int(args, "--iterations", 300);
        long budget = Int(args, "--budget-mb", 600) * (1L << 20);
        int baseFeatures = Int(args, "--base", 8);
        string root = BenchArgs.Text(args, "--dir", Path.Combine(Path.GetTempPath(), $"medvox-train-{Environment.ProcessId}"));
        string datasetDirectory = Path.Combine(root, $"dataset-{size}-{cases}");
        var clock = Stopwatch.StartNew();
        if (!DecathlonDataset.IsDataset(datasetDirectory))
        {
            PhantomDatasets.Generate(PhantomKind.Abdomen, datasetDirectory, new PhantomOptions { Cases = cases, Seed = 1, FileEnding = ".nii", Abdomen = new AbdomenOptions { Size = size } });
        }

        if (args.Contains("--organs"))
        {
            datasetDirectory = KeepOrgans(datasetDirectory);
        }

        Console.WriteLine($"phantoms {clock.Elapsed.TotalSeconds:F1}s");
        var dataset = DecathlonDataset.Read(datasetDirectory);
        clock.Restart();
        var fingerprint = DatasetFingerprint.Compute(dataset);
        var training = new TrainingOptions
        {
            Iterations = iterations,
            LearningRate = double.Parse(BenchArgs.Text(args, "--lr", "0.01"), CultureInfo.InvariantCulture),
            Precision = args.Contains("--bf16") ? PrecisionMode.BFloat16 : PrecisionMode.Float32,
            Momentum = double.Parse(BenchArgs.Text(args, "--momentum", "0.99"), CultureInfo.InvariantCulture),
            Optimizer = args.Contains("--adamw") ? OptimizerKind.AdamW : OptimizerKind.Sgd,
        };
        var planner = new SmallPlanner(baseFeatures);
        var plan = planner.Plan(fingerprint, dataset.Description, new PlannerOptions { MemoryBudgetBytes = budget, Training = training, Augmentation = !args.Contains("--no-augment") });
        Console.WriteLine($"plan {clock.Elapsed.TotalSeconds:F1}s");
        foreach (var r in plan.Reasons)
        {
            Console.WriteLine("  " + r);
        }

        string model = Path.Combine(root, "model-" + Environment.TickCount64);
        clock.Restart();
        var outcome = SegmentationTraining.Run(plan, dataset, model, new SegmentationTrainingOptions
        {
            Device = MedVox.Learning.Runtime.ComputeDevice.Cpu,
            Augment = !args.Contains("--no-augment"),
            ValidationInterval = Int(args, "--validate", 100),
            Threads = args.Contains("--threads") ? Int(args, "--threads", 2) : null,
            TensorBoard = false,
        }, new Reporter());
        Console.WriteLine($"train {clock.Elapsed.TotalSeconds:F1}s, {outcome.Iteration} iterations, peak RSS {PeakMemory.Peak >> 20} MiB, estimate {plan.Memory!.EstimatedBytes >> 20} MiB");
        foreach (var (label, dice) in outcome.ValidationDice!)
        {
            Console.WriteLine($"  {label,-20} {dice:F3}");
        }

        return 0;
    }

    /// <summary>A copy of the dataset whose labels keep liver, spleen and kidneys (everything else background).</summary>
    private static string KeepOrgans(string directory)
    {
        string target = directory + "-organs";
        if (DecathlonDataset.IsDataset(target))
        {
            return target;
        }

        var source = DecathlonDataset.Read(directory);
        var description = source.Description with { Labels = [.. source.Description.Labels.Where(l => l.Values[0] <= 4)] };
        var dataset = DecathlonDataset.Create(target, description);
        foreach (var c in source.TrainingCases)
        {
            using var image = MedVox.IO.ImageFile.Read(c.ImagePaths[0]);
            using var label = MedVox.IO.ImageFile.Read(c.LabelPath!);
            for (int z = 0; z < label.Size.Z; z++)
            {
                for (int y = 0; y < label.Size.Y; y++)
                {
                    var row = label.GetRow<byte>(y, z);
                    for (int x = 0; x < row.Length; x++)
                    {
                        row[x] = row[x] <= 4 ? row[x] : (byte)0;
                    }
                }
            }

            dataset.WriteTrainingCase(c.Id, [image], label);
        }

        return target;
    }

    private sealed class SmallPlanner(int width) : SegmentationPlanner
    {
        public override int BaseFeatures => width;
    }

    private sealed class Reporter : IProgress<TrainingStatus>
    {
        private int _last = -1;

        public void Report(TrainingStatus value)
        {
            if (value.Phase == "training" && value.Iteration / 25 != _last)
            {
                _last = value.Iteration / 25;
                Console.WriteLine($"  it {value.Iteration} loss {value.Loss:F3} lr {value.LearningRate:F4} elapsed {value.Elapsed.TotalSeconds:F0}s remaining {value.Remaining?.TotalSeconds:F0}s val {value.ValidationMeanDice:F3}");
            }
        }
    }

    private static int Int(string[] args, string name, int fallback) => int.Parse(BenchArgs.Text(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
}
