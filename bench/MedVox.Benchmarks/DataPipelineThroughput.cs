using System.Diagnostics;
using System.Globalization;
using MedVox.IO.Datasets;
using MedVox.Learning.Data;
using MedVox.Synthetic;
using MedVox.Synthetic.Abdomen;

namespace MedVox.Benchmarks;

/// <summary>
/// Throughput of the training data pipeline on a generated abdomen CT phantom dataset: fingerprint, preprocessing into
/// the mapped cache, and patch loading (patches/s) with 1 and 2 workers, without and with nnU-Net's augmentation.
/// Usage: <c>compare datapipe [--cases 4] [--size 128] [--slices N] [--patch 64] [--batch 2] [--batches 40] [--ending .nii.gz] [--spacing X,Y,Z] [--dir DIR]</c>.
/// </summary>
public sealed class DataPipelineThroughput : IComparison
{
    private const int Warmup = 40;

    public string Name => "datapipe";

    public int Run(string[] args)
    {
        int cases = BenchArgs.Int(args, "--cases", 4), size = BenchArgs.Int(args, "--size", 128), slices = BenchArgs.Int(args, "--slices", size);
        int patch = BenchArgs.Int(args, "--patch", 64), batchSize = BenchArgs.Int(args, "--batch", 2), batches = BenchArgs.Int(args, "--batches", 40);
        string ending = BenchArgs.Text(args, "--ending", ".nii.gz");
        string root = BenchArgs.Text(args, "--dir", Path.Combine(Path.GetTempPath(), $"medvox-datapipe-{Environment.ProcessId}"));
        bool keep = args.Contains("--dir");
        try
        {
            string datasetDirectory = Path.Combine(root, "dataset");
            if (!DecathlonDataset.IsDataset(datasetDirectory))
            {
                var options = new PhantomOptions { Cases = cases, Seed = 1, FileEnding = ending, Abdomen = new AbdomenOptions { Size = size, Slices = slices } };
                PhantomDatasets.Generate(PhantomKind.Abdomen, datasetDirectory, options);
            }

            var dataset = DecathlonDataset.Read(datasetDirectory);
            long voxels = 0;
            foreach (var c in dataset.TrainingCases)
            {
                var header = MedVox.IO.ImageFile.ReadHeader(c.ImagePaths[0]);
                voxels += header.Geometry.Size.VoxelCount;
            }

            var clock = Stopwatch.StartNew();
            var fingerprint = DatasetFingerprint.Compute(dataset);
            double fingerprintSeconds = clock.Elapsed.TotalSeconds;
            string spacing = BenchArgs.Text(args, "--spacing", string.Empty);
            var plan = spacing.Length == 0
                ? PreprocessingPlan.FromFingerprint(fingerprint)
                : PreprocessingPlan.FromFingerprint(fingerprint, [.. spacing.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture))]);
            string cacheDirectory = Path.Combine(root, "cache");
            if (Directory.Exists(cacheDirectory))
            {
                Directory.Delete(cacheDirectory, recursive: true);
            }

            var report = new Preprocessor(plan).Run(dataset, cacheDirectory);
            report.ThrowIfFailed();
            double seconds = report.Elapsed.TotalSeconds;
            Print("cases", dataset.TrainingCases.Count);
            Console.WriteLine($"target_spacing {string.Join(",", plan.TargetSpacing.Select(v => v.ToString("G4", CultureInfo.InvariantCulture)))}");
            Print("voxels_per_case", voxels / dataset.TrainingCases.Count);
            Print("fingerprint_s", fingerprintSeconds);
            Print("preprocess_s", seconds);
            Print("preprocess_cases_per_s", dataset.TrainingCases.Count / seconds);
            Print("preprocess_mvoxels_per_s", voxels / seconds / 1e6);
            Print("preprocess_input_mb_per_s (int16)", voxels * 2 / seconds / 1e6);
            Print("cache_mb", report.BytesWritten / 1e6);

            using var cache = PreprocessedCache.Open(cacheDirectory);
            var samplerOptions = new PatchSamplerOptions { PatchSize = [patch, patch, patch], BatchSize = batchSize, Seed = 1 };
            var augmentation = new Augmentation(AugmentationOptions.Default3D with { Seed = 1 });
            // Warm up (tiered JIT, first touch of the mapped files), then time sampling on this thread without a loader.
            var direct = new PatchSampler(cache, samplerOptions);
            for (int i = 0; i < Warmup; i++)
            {
                using var batch = direct.Next();
            }

            var directTimer = Stopwatch.StartNew();
            for (int i = 0; i < batches; i++)
            {
                using var batch = direct.Next();
            }

            Print("patches_per_s raw, no loader (consumer thread samples)", batches * batchSize / directTimer.Elapsed.TotalSeconds);
            double threadRate = 0;
            var thread = new Thread(() =>
            {
                for (int i = 0; i < Warmup; i++)
                {
                    using var batch = direct.Next();
                }

                var t = Stopwatch.StartNew();
                for (int i = 0; i < batches; i++)
                {
                    using var batch = direct.Next();
                }

                threadRate = batches * batchSize / t.Elapsed.TotalSeconds;
            });
            thread.Start();
            thread.Join();
            Print("patches_per_s raw, no loader (other thread)", threadRate);

            foreach (bool augment in new[] { false, true })
            {
                foreach (int workers in new[] { 1, 2 })
                {
                    var loaderOptions = new BatchLoaderOptions { Workers = workers, PrefetchDepth = 4, Augmentation = augment ? augmentation : null };
                    using var loader = new BatchLoader(new PatchSampler(cache, samplerOptions), loaderOptions);
                    for (int i = 0; i < Warmup; i++)
                    {
                        using var warm = loader.Next();
                    }

                    var timer = Stopwatch.StartNew();
                    for (int i = 0; i < batches; i++)
                    {
                        using var batch = loader.Next();
                    }

                    double elapsed = timer.Elapsed.TotalSeconds;
                    string name = $"patches_per_s {(augment ? "augmented" : "raw")} workers={workers}";
                    Print(name, batches * batchSize / elapsed);
                }
            }

            Print("resident_bytes_after_loading", cache.ResidentBytes);
            return 0;
        }
        finally
        {
            if (!keep && Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static void Print(string name, double value) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} {value:G5}"));
}
