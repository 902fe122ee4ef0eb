using System.Diagnostics;
using System.Text.Json;
using MedVox.IO.Datasets;
using MedVox.Learning.Data;
using MedVox.Learning.Networks;
using MedVox.Learning.Planning;
using MedVox.Learning.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace MedVox.Learning.Training;

/// <summary>How <see cref="SegmentationTraining.Run"/> trains a plan: device, split, length, resumption, validation and logs.</summary>
public sealed record SegmentationTrainingOptions
{
    public ComputeDevice Device { get; init; } = ComputeDevice.Auto;

    /// <summary>Cross-validation fold whose cases are held out for validation (0-4), or <see cref="CrossValidation.AllCases"/>.</summary>
    public int Fold { get; init; }

    /// <summary>Optimiser steps; null: the plan's.</summary>
    public int? Iterations { get; init; }

    /// <summary>Stop (with a checkpoint and the weights so far) after this much training time; resume later to go on.</summary>
    public TimeSpan? MaxDuration { get; init; }

    /// <summary>Continue from the model folder's checkpoint with identical optimiser, schedule and data-sampling state.</summary>
    public bool Resume { get; init; }

    /// <summary>Where preprocessed cases are cached; null: <c>MODEL/preprocessed</c>.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>nnU-Net's augmentation on the loader's workers.</summary>
    public bool Augment { get; init; } = true;

    /// <summary>Validate on the held-out cases every this many steps (and at the end); 0: only at the end.</summary>
    public int ValidationInterval { get; init; } = 50;

    /// <summary>Held-out cases segmented per validation (the first ones of the fold).</summary>
    public int MaxValidationCases { get; init; } = 10;

    /// <summary>Write a checkpoint at least this often (wall clock).</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>... and every this many steps (0: by time and at the end only).</summary>
    public int CheckpointEveryIterations { get; init; }

    /// <summary>Batch loader threads; null: one per 4 cores, 1 to 4.</summary>
    public int? LoaderWorkers { get; init; }

    /// <summary>LibTorch's CPU threads; null: LibTorch's default (the cores).</summary>
    public int? Threads { get; init; }

    public bool TensorBoard { get; init; } = true;
}

/// <summary>Where a training run is, for progress bars.</summary>
/// <param name="Phase">"preprocessing", "training" or "validating".</param>
/// <param name="Fraction">Progress of the phase in [0, 1].</param>
/// <param name="Iteration">Optimiser steps done.</param>
/// <param name="Iterations">Optimiser steps of the whole run.</param>
/// <param name="Loss">Loss smoothed over the last steps (exponential moving average).</param>
/// <param name="LearningRate">Learning rate of the last step.</param>
/// <param name="Elapsed">Time since the run started.</param>
/// <param name="Remaining">Expected time to the last step, from the recent step time.</param>
/// <param name="ValidationMeanDice">Mean Dice of the last validation (NaN before the first).</param>
public sealed record TrainingStatus(string Phase, double Fraction, int Iteration, int Iterations, double Loss, double LearningRate, TimeSpan Elapsed, TimeSpan? Remaining, double ValidationMeanDice);

/// <summary>What a training run did.</summary>
public sealed record TrainingOutcome(
    string ModelFolder,
    int Iteration,
    int Iterations,
    bool Completed,
    double LastLoss,
    IReadOnlyDictionary<string, double>? ValidationDice,
    IReadOnlyList<string> TrainingCases,
    IReadOnlyList<string> ValidationCases,
    TimeSpan Elapsed,
    int PreprocessedCases)
{
    public double ValidationMeanDice => ValidationDice is null ? double.NaN : TrainingLogEntry.Mean(ValidationDice.Values);
}

/// <summary>
/// Trains a segmentation plan on a dataset end to end: checks that plan and dataset agree, preprocesses the cases into
/// a mapped cache (a bad case stops the run before anything is written to the model folder), splits off the fold's
/// validation cases, trains the planned U-Net with soft Dice + cross-entropy (deep supervision when planned) from
/// prefetched, augmented patches, validates on the held-out cases (tiled Dice on the preprocessed grid), logs to CSV,
/// JSON lines and TensorBoard, checkpoints atomically by time and at the end, and writes the model folder (plan +
/// weights, <see cref="ModelFolder"/>). A killed run resumes from its last checkpoint with identical optimiser, learning
/// rate schedule and batch sequence.
/// </summary>
public static class SegmentationTraining
{
    public const string CheckpointFolder = "checkpoint";
    public const string CacheFolder = "preprocessed";
    public const string SummaryFile = "training.json";

    public static TrainingOutcome Run(SegmentationPlan plan, DecathlonDataset dataset, string modelFolder, SegmentationTrainingOptions options, IProgress<TrainingStatus>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(modelFolder);
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        plan.Validate();
        CheckDataset(plan, dataset);
        string folder = Path.GetFullPath(modelFolder);
        string checkpoint = Path.Combine(folder, CheckpointFolder);
        bool hasCheckpoint = Directory.Exists(checkpoint) || Directory.Exists(checkpoint + ".old");
        if (options.Resume)
        {
            if (!hasCheckpoint)
            {
                throw new MedVoxException("no checkpoint to resume from", folder, hint: "start without --resume");
            }

            var stored = ModelFolder.LoadPlan(Path.Combine(folder, ModelFolder.PlanFile));
            if (!SameModel(stored, plan))
            {
                throw new MedVoxException("the model folder was trained with another plan", folder, hint: "resume with the plan it was started with, or train into a new folder");
            }
        }
        else if (hasCheckpoint || File.Exists(Path.Combine(folder, ModelFolder.WeightsFile)))
        {
            throw new MedVoxException("the model folder already holds a training", folder, hint: "continue it with --resume, or give another --out");
        }

        int iterations = options.Iterations ?? plan.Training.Iterations;
        if (iterations < 1)
        {
            throw new MedVoxException($"the number of iterations must be positive, got {iterations}", field: "--iterations");
        }

        var device = TorchRuntime.Resolve(options.Device);
        if (options.Threads is int threads)
        {
            set_num_threads(Math.Max(1, threads));
        }

        // Preprocessing first: a bad case fails the run before the model folder exists.
        bool created = !Directory.Exists(folder);
        string cache = options.CacheDirectory ?? Path.Combine(folder, CacheFolder);
        PreprocessingReport report;
        try
        {
            var preprocessor = new Preprocessor(plan.Preprocessing);
            report = preprocessor.Run(dataset, cache, new Progress(f => progress?.Report(new TrainingStatus("preprocessing", f, 0, iterations, double.NaN, 0, clock.Elapsed, null, double.NaN))), cancellation);
            report.ThrowIfFailed();
        }
        catch
        {
            if (created && Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            throw;
        }

        plan = plan with { Training = plan.Training with { Iterations = iterations } };
        Directory.CreateDirectory(folder);
        ModelFolder.SavePlan(plan, Path.Combine(folder, ModelFolder.PlanFile));
        using var cacheHandle = PreprocessedCache.Open(cache);
        var (training, validation) = CrossValidation.Split([.. dataset.TrainingCases.Select(c => c.Id)], options.Fold);
        var foreground = plan.Labels.Where(l => l.Value != 0).OrderBy(l => l.Value).ToArray();

        // The initial weights come from the plan's seed, so that a run is reproducible (a resumed one loads its checkpoint).
        using var network = TorchRuntime.CreateSeeded(plan.Training.Seed, () => new UNet(plan.Network));
        network.to(device);
        using var objective = new SegmentationObjective();
        var trainingOptions = plan.Training with
        {
            Iterations = iterations,
            CheckpointInterval = options.CheckpointInterval,
            CheckpointEveryIterations = options.CheckpointEveryIterations,
        };
        using var trainer = new Trainer(network, objective.Compute, trainingOptions, device);
        using var source = CreateSource(cacheHandle, plan, training, options);
        if (options.Resume)
        {
            trainer.LoadCheckpoint(checkpoint, source);
        }

        var log = new TrainingLog(folder, [.. foreground.Select(l => l.Key)], options.Resume ? trainer.Iteration : null, options.TensorBoard);
        double elapsedBefore = log.ElapsedBefore;
        var trainingClock = Stopwatch.StartNew();
        var lastCheckpoint = Stopwatch.StartNew();
        double smoothed = double.NaN, secondsPerStep = double.NaN;
        IReadOnlyDictionary<string, double>? lastValidation = null;
        int startIteration = trainer.Iteration;
        bool timeUp = false;
        while (trainer.Iteration < iterations)
        {
            cancellation.ThrowIfCancellationRequested();
            double lr = trainer.CurrentLearningRate;
            var stepClock = Stopwatch.StartNew();
            double loss = trainer.Step(source, cancellation);
            double seconds = stepClock.Elapsed.TotalSeconds;
            secondsPerStep = double.IsNaN(secondsPerStep) ? seconds : (0.9 * secondsPerStep) + (0.1 * seconds);
            smoothed = double.IsNaN(smoothed) ? loss : (0.9 * smoothed) + (0.1 * loss);
            int iteration = trainer.Iteration;
            bool last = iteration == iterations;
            timeUp = !last && options.MaxDuration is { } limit && trainingClock.Elapsed >= limit;
            IReadOnlyDictionary<string, double>? dice = null;
            bool validate = validation.Count > 0 && (last || timeUp || (options.ValidationInterval > 0 && iteration % options.ValidationInterval == 0));
            if (validate)
            {
                progress?.Report(new TrainingStatus("validating", iteration / (double)iterations, iteration, iterations, smoothed, lr, clock.Elapsed, null, double.NaN));
                dice = Validate(network, cacheHandle, validation, plan, foreground, options.MaxValidationCases, device);
                lastValidation = dice;
            }

            log.Add(new TrainingLogEntry(iteration, loss, lr, elapsedBefore + trainingClock.Elapsed.TotalSeconds, dice));
            var remaining = TimeSpan.FromSeconds(secondsPerStep * (iterations - iteration));
            progress?.Report(new TrainingStatus("training", iteration / (double)iterations, iteration, iterations, smoothed, lr, clock.Elapsed, remaining, lastValidation is null ? double.NaN : TrainingLogEntry.Mean(lastValidation.Values)));
            bool due = last || timeUp || lastCheckpoint.Elapsed >= options.CheckpointInterval
                || (options.CheckpointEveryIterations > 0 && iteration % options.CheckpointEveryIterations == 0);
            if (due)
            {
                trainer.SaveCheckpoint(checkpoint, source);
                lastCheckpoint.Restart();
            }

            if (timeUp)
            {
                break;
            }
        }

        // The weights so far make the model folder usable even when the time limit stopped the run.
        ModelFolder.Save(folder, plan, trainer.Float32State());
        var outcome = new TrainingOutcome(folder, trainer.Iteration, iterations, trainer.Iteration >= iterations, trainer.LastLoss, lastValidation, training, validation, clock.Elapsed, report.Written);
        WriteSummary(folder, outcome, startIteration, secondsPerStep);
        return outcome;
    }

    /// <summary>
    /// Segments up to <paramref name="maxCases"/> held-out cases from the cache with the network (tiled forward
    /// passes) and returns the mean Dice per foreground label name over them.
    /// </summary>
    public static IReadOnlyDictionary<string, double> Validate(UNet network, PreprocessedCache cache, IReadOnlyList<string> caseIds, SegmentationPlan plan, IReadOnlyList<KeyValuePair<string, int>> foreground, int maxCases, Device device)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(caseIds);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(foreground);
        var sums = new double[foreground.Count];
        var counts = new int[foreground.Count];
        for (int i = 0; i < Math.Min(maxCases, caseIds.Count); i++)
        {
            using var held = cache.Acquire(cache.IndexOf(caseIds[i]));
            using var scope = NewDisposeScope();
            var volume = cat([.. held.Channels.Select(c => ImageTensors.ToTensor(c))], 0);
            var reference = ImageTensors.ToTensor(held.Label!)[0].to(ScalarType.Int64);
            var predicted = TiledSegmenter.Segment(network, volume, plan.PatchSize, device);
            for (int l = 0; l < foreground.Count; l++)
            {
                double dice = TiledSegmenter.Dice(predicted, reference, foreground[l].Value);
                if (!double.IsNaN(dice))
                {
                    sums[l] += dice;
                    counts[l]++;
                }
            }
        }

        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int l = 0; l < foreground.Count; l++)
        {
            result[foreground[l].Key] = counts[l] == 0 ? double.NaN : sums[l] / counts[l];
        }

        return result;
    }

    private static LoaderBatchSource CreateSource(PreprocessedCache cache, SegmentationPlan plan, IReadOnlyList<string> training, SegmentationTrainingOptions options)
    {
        var patch = plan.PatchSize;
        var seed = (ulong)plan.Training.Seed;
        Augmentation? augmentation = null;
        int[] sampled = patch;
        if (options.Augment)
        {
            var defaults = patch.Length == 3 ? AugmentationOptions.Default3D : AugmentationOptions.Default2D;
            sampled = Augmentation.InitialPatchSize(patch, defaults);
            augmentation = new Augmentation(defaults with { Seed = seed, OutputPatchSize = patch });
        }

        var sampler = new PatchSampler(cache, new PatchSamplerOptions
        {
            PatchSize = sampled,
            FinalPatchSize = patch,
            BatchSize = plan.BatchSize,
            Seed = seed,
            CaseIds = training,
        });
        int workers = options.LoaderWorkers ?? Math.Clamp(Environment.ProcessorCount / 4, 1, 4);
        return new LoaderBatchSource(sampler, new BatchLoaderOptions { Workers = workers, PrefetchDepth = 4, Augmentation = augmentation });
    }

    /// <summary>Channels and labels of the dataset must be the plan's.</summary>
    private static void CheckDataset(SegmentationPlan plan, DecathlonDataset dataset)
    {
        string json = Path.Combine(dataset.Directory, DatasetDescription.FileName);
        var channels = dataset.Description.ChannelNames;
        if (!channels.SequenceEqual(plan.Channels))
        {
            throw new MedVoxException($"the dataset's channels ({string.Join(", ", channels)}) are not the plan's ({string.Join(", ", plan.Channels)})", json, "channel_names", "make a plan for this dataset with medvox plan");
        }

        var declared = dataset.Description.Labels.Where(l => !l.IsRegion).ToDictionary(l => l.Name, l => l.Values[0], StringComparer.Ordinal);
        if (declared.Count != plan.Labels.Count || plan.Labels.Any(l => !declared.TryGetValue(l.Key, out int v) || v != l.Value))
        {
            throw new MedVoxException("the dataset's labels are not the plan's", json, "labels", "make a plan for this dataset with medvox plan");
        }

        if (dataset.TrainingCases.Count == 0)
        {
            throw new MedVoxException("the dataset has no training case", dataset.Directory, hint: "put images in imagesTr/ and labels in labelsTr/");
        }
    }

    /// <summary>Plans that build the same model from the same data (the iteration count may differ).</summary>
    private static bool SameModel(SegmentationPlan a, SegmentationPlan b)
    {
        static string Key(SegmentationPlan p) => JsonSerializer.Serialize(p with { Training = p.Training with { Iterations = 1 }, Reasons = [], Memory = null, DatasetPath = null }, ModelFolder.JsonOptions);
        return Key(a) == Key(b);
    }

    private static void WriteSummary(string folder, TrainingOutcome outcome, int startIteration, double secondsPerStep)
    {
        var summary = new Dictionary<string, object?>
        {
            ["iteration"] = outcome.Iteration,
            ["iterations"] = outcome.Iterations,
            ["completed"] = outcome.Completed,
            ["resumed_from"] = startIteration,
            ["last_loss"] = double.IsFinite(outcome.LastLoss) ? outcome.LastLoss : null,
            ["seconds_per_iteration"] = double.IsFinite(secondsPerStep) ? Math.Round(secondsPerStep, 4) : null,
            ["training_cases"] = outcome.TrainingCases,
            ["validation_cases"] = outcome.ValidationCases,
            ["validation_dice"] = outcome.ValidationDice?.ToDictionary(p => p.Key, p => double.IsFinite(p.Value) ? (double?)p.Value : null),
        };
        using var file = MedVox.IO.AtomicFile.Create(Path.Combine(folder, SummaryFile));
        JsonSerializer.Serialize(file.Stream, summary, ModelFolder.JsonOptions);
        file.Commit();
    }

    private sealed class Progress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
