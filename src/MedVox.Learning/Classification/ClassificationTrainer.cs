using System.Globalization;
using MedVox.Evaluation.Classification;
using MedVox.IO;
using MedVox.IO.Datasets;
using MedVox.Learning.Losses;
using MedVox.Learning.Networks;
using MedVox.Learning.Runtime;
using MedVox.Learning.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MedVox.Learning.Classification;

/// <summary>Where a classification run stands; <see cref="Validation"/> is set on the steps that validated.</summary>
public readonly record struct ClassificationProgress(TrainingProgress Training, ClassificationValidation? Validation);

/// <summary>What a classification run produced.</summary>
/// <param name="ModelFolder">The folder with classifier.json and weights.safetensors.</param>
/// <param name="Info">The model's description as written.</param>
/// <param name="Split">Training and held-out entries (of the validation dataset when one was given).</param>
/// <param name="Validation">Final held-out results (null without held-out images).</param>
public sealed record ClassificationTrainingResult(string ModelFolder, ClassifierModelInfo Info, ClassificationSplit Split, ClassificationValidation? Validation);

/// <summary>
/// Trains a slice/image classifier on a <see cref="ClassificationDataset"/> with the general <see cref="Trainer"/>
/// (optimiser, schedule, bf16, checkpoints with resumable sampling state) and a classification loss (cross-entropy or
/// focal): a stratified hold-out split (or a separate validation dataset), balanced sampling with 2D augmentation,
/// validation with MedVox.Evaluation's metrics, and a model folder (<see cref="ClassifierModel"/>) at the end. The
/// checkpoint lives in <c>MODEL/checkpoint</c> while training runs and is removed once the model is written.
/// </summary>
public static class ClassificationTrainer
{
    public const string CheckpointFolder = "checkpoint";
    public const string ValidationFile = "validation.json";
    public const string PredictionsFile = "validation_predictions.csv";

    /// <summary>Trains on <paramref name="dataset"/> and writes the model into <paramref name="modelFolder"/>.</summary>
    /// <param name="dataset">Training images (and, without <paramref name="validationDataset"/>, the held-out ones).</param>
    /// <param name="modelFolder">Output folder (created).</param>
    /// <param name="options">Architecture, input, sampling, optimiser, loss.</param>
    /// <param name="device">Where to train (CPU when null).</param>
    /// <param name="validationDataset">Held-out images (then nothing of <paramref name="dataset"/> is held out).</param>
    /// <param name="progress">Reports every step; validation results on validation steps.</param>
    /// <param name="cancellation">Stops between steps (the checkpoint written last stays).</param>
    public static ClassificationTrainingResult Train(ClassificationDataset dataset, string modelFolder, ClassificationTrainingOptions options, Device? device = null,
        ClassificationDataset? validationDataset = null, IProgress<ClassificationProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(modelFolder);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        device ??= CPU;
        if (dataset.Entries.Count == 0)
        {
            throw new MedVoxException("the dataset lists no images", Path.Combine(dataset.Directory, ClassificationDataset.LabelsFileName));
        }

        RequireTwoClasses(dataset);
        var classNames = ResolveClassNames(dataset, validationDataset, options.ClassNames);
        var input = options.Input ?? new ClassifierInput { Height = options.InputSize, Width = options.InputSize, Normalization = GuessNormalization(dataset) };
        if (options.Input is null)
        {
            input = input with { ImageChannels = FirstImageChannels(dataset) };
        }

        input.Validate();
        var samples = new ClassificationSamples(dataset, input, classNames.Count, options.CacheBudgetBytes);
        var validationSamples = validationDataset is null ? samples : new ClassificationSamples(validationDataset, input, classNames.Count, options.CacheBudgetBytes);
        var split = validationDataset is null
            ? ClassificationSplit.Stratified(dataset.Entries, options.ValidationFraction, options.Sampling.Seed)
            : new ClassificationSplit([.. Enumerable.Range(0, dataset.Entries.Count)], [.. Enumerable.Range(0, validationDataset.Entries.Count)], 0);

        var source = new ClassificationBatchSource(samples, split.Training, options.Sampling);
        string checkpoint = Path.Combine(modelFolder, CheckpointFolder);
        Directory.CreateDirectory(modelFolder);

        using var network = TorchRuntime.CreateSeeded((long)(options.Sampling.Seed & long.MaxValue), () => Classifier.Create(options.Architecture, input.NetworkChannels, classNames.Count));
        network.to(device);
        var lossFunction = CreateLoss(options);
        using var trainer = new Trainer(network, (net, batch) => lossFunction(((Module<Tensor, Tensor>)net).forward(batch.Images), batch.Labels), options.Training, device);
        if (options.Resume && (Directory.Exists(checkpoint) || Directory.Exists(checkpoint + ".old")))
        {
            trainer.LoadCheckpoint(checkpoint, source);
        }

        ClassificationValidation? Validate() => split.Validation.Count == 0
            ? null
            : ClassificationValidation.Evaluate(network, validationSamples, split.Validation, classNames, device, Math.Max(options.Sampling.BatchSize, 32));

        var trainingProgress = progress is null ? null : new ForwardProgress(progress);
        trainer.Run(source, options.WriteCheckpoints ? checkpoint : null, trainingProgress, t =>
        {
            if (options.ValidationEvery > 0 && t.Iteration % options.ValidationEvery == 0 && t.Iteration < t.Options.Iterations && Validate() is { } interim)
            {
                progress?.Report(new ClassificationProgress(new TrainingProgress(t.Iteration, t.Options.Iterations, t.LastLoss, t.CurrentLearningRate, TimeSpan.Zero), interim));
            }
        }, cancellation);

        var validation = Validate();
        var info = new ClassifierModelInfo
        {
            Architecture = options.Architecture,
            Input = input,
            ClassNames = classNames,
            Training = new ClassifierTrainingRecord(
                (validationDataset is null ? dataset.Directory : dataset.Directory + " (validation: " + validationDataset.Directory + ")"),
                options.Training.Iterations, options.Sampling.BatchSize, options.Sampling.Seed, split.Training.Count, split.Validation.Count,
                options.Loss == ClassificationLoss.Focal ? string.Create(CultureInfo.InvariantCulture, $"focal({options.FocalGamma})") : "cross_entropy",
                options.Sampling.Augmentation is not null, validation?.F1 ?? double.NaN, validation?.RocAuc ?? double.NaN),
        };
        if (options.SaveModel)
        {
            ClassifierModel.Save(modelFolder, info, trainer.Float32State());
        }

        if (validation is not null)
        {
            progress?.Report(new ClassificationProgress(new TrainingProgress(trainer.Iteration, options.Training.Iterations, trainer.LastLoss, trainer.CurrentLearningRate, TimeSpan.Zero), validation));
            if (options.SaveModel)
            {
                WriteValidation(modelFolder, validation, validationSamples.Dataset, classNames);
            }
        }

        if (Directory.Exists(checkpoint))
        {
            Directory.Delete(checkpoint, recursive: true);
        }

        return new ClassificationTrainingResult(modelFolder, info, split, validation);
    }

    /// <summary>Writes validation.json (MedVox.Evaluation's report) and one CSV line of probabilities per held-out image.</summary>
    public static void WriteValidation(string modelFolder, ClassificationValidation validation, ClassificationDataset dataset, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(classNames);
        if (validation.Binary is { } binary)
        {
            ClassificationReportWriter.WriteJson(binary, Path.Combine(modelFolder, ValidationFile));
        }
        else
        {
            ClassificationReportWriter.WriteJson(validation.Multiclass, Path.Combine(modelFolder, ValidationFile));
        }

        var text = new System.Text.StringBuilder("image,label,predicted");
        foreach (string name in classNames)
        {
            text.Append(",p_").Append(name);
        }

        text.Append('\n');
        for (int i = 0; i < validation.Entries.Count; i++)
        {
            var p = validation.Probabilities[i];
            text.Append(dataset.Entries[validation.Entries[i]].Image).Append(',').Append(validation.Labels[i].ToString(CultureInfo.InvariantCulture))
                .Append(',').Append(ArgMax(p).ToString(CultureInfo.InvariantCulture));
            foreach (float value in p)
            {
                text.Append(',').Append(value.ToString("0.######", CultureInfo.InvariantCulture));
            }

            text.Append('\n');
        }

        using var file = AtomicFile.Create(Path.Combine(modelFolder, PredictionsFile));
        file.Stream.Write(System.Text.Encoding.UTF8.GetBytes(text.ToString()));
        file.Commit();
    }

    internal static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    private static Func<Tensor, Tensor, Tensor> CreateLoss(ClassificationTrainingOptions options)
    {
        if (options.Loss == ClassificationLoss.Focal)
        {
            // Parameterless module: nothing native to free, so it lives as long as the closure.
            var focal = new FocalLoss(options.FocalGamma);
            return (logits, labels) => focal.forward(logits, labels);
        }

        return (logits, labels) => functional.cross_entropy(logits.to(ScalarType.Float32), labels);
    }

    private static IReadOnlyList<string> ResolveClassNames(ClassificationDataset dataset, ClassificationDataset? validation, IReadOnlyList<string>? names)
    {
        int largest = 0;
        foreach (var set in validation is null ? [dataset] : new[] { dataset, validation })
        {
            foreach (var entry in set.Entries)
            {
                largest = Math.Max(largest, entry.Label);
            }
        }

        if (names is not null)
        {
            if (names.Count < 2 || names.Distinct(StringComparer.Ordinal).Count() != names.Count || names.Any(n => string.IsNullOrWhiteSpace(n) || n.Contains(',', StringComparison.Ordinal)))
            {
                throw new MedVoxException($"class names \"{string.Join(",", names)}\" must be at least two distinct names without commas", field: "--classes");
            }

            return names;
        }

        if (largest < 1)
        {
            throw new MedVoxException("all images have label 0: a classifier needs at least two classes", Path.Combine(dataset.Directory, ClassificationDataset.LabelsFileName));
        }

        return [.. Enumerable.Range(0, largest + 1).Select(i => i.ToString(CultureInfo.InvariantCulture))];
    }

    /// <summary>Labels are class indices, and a training set of one class teaches nothing: say so before any image is read.</summary>
    private static void RequireTwoClasses(ClassificationDataset dataset)
    {
        string labels = Path.Combine(dataset.Directory, ClassificationDataset.LabelsFileName);
        int first = dataset.Entries[0].Label;
        bool several = false;
        for (int i = 0; i < dataset.Entries.Count; i++)
        {
            int label = dataset.Entries[i].Label;
            if (label < 0)
            {
                throw new MedVoxException($"label {label} is negative", labels, $"line {i + 2}", "labels are class indices 0, 1, ...");
            }

            several |= label != first;
        }

        if (several)
        {
            return;
        }

        throw new MedVoxException(
            $"all {dataset.Entries.Count} image(s) have label {first}: a classifier needs images of at least two classes",
            labels,
            hint: "add images of the other class(es)");
    }

    private static ClassifierNormalization GuessNormalization(ClassificationDataset dataset)
    {
        string path = FirstImage(dataset);
        using var image = ImageFile.Read(path);
        return ClassifierNormalization.Guess(image);
    }

    private static int FirstImageChannels(ClassificationDataset dataset) => ImageFile.ReadHeader(FirstImage(dataset)).Channels;

    private static string FirstImage(ClassificationDataset dataset)
    {
        string path = dataset.FullPath(dataset.Entries[0]);
        if (!File.Exists(path))
        {
            throw new MedVoxException($"lists {dataset.Entries[0].Image}, which does not exist", Path.Combine(dataset.Directory, ClassificationDataset.LabelsFileName), "line 2");
        }

        return path;
    }

    /// <summary>Forwards the trainer's step reports.</summary>
    private sealed class ForwardProgress(IProgress<ClassificationProgress> target) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => target.Report(new ClassificationProgress(value, null));
    }
}
