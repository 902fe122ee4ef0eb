using System.CommandLine;
using System.Globalization;
using System.Text;
using MedVox.Cli.Terminal;
using MedVox.IO;
using MedVox.IO.Datasets;
using MedVox.Learning.Classification;
using MedVox.Learning.Networks;
using MedVox.Learning.Runtime;
using Spectre.Console;

namespace MedVox.Cli.Commands;

/// <summary>
/// <c>medvox classify train DATASET --out MODEL</c> and <c>medvox classify predict --model MODEL --in PATH --out CSV</c>:
/// thin wrappers over <see cref="ClassificationTrainer"/> and <see cref="ClassifierModel"/>.
/// </summary>
internal static class ClassifyCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("classify", "Train and run slice/image classifiers (VGG-16, GoogLeNet, ResNet-50, DenseNet-121)");
        command.Subcommands.Add(Train(context));
        command.Subcommands.Add(Predict(context));
        return command;
    }

    private static Command Train(CliContext context)
    {
        var dataset = new Argument<string>("dataset") { Description = "Folder with images and labels.csv (image,label)" };
        var output = new Option<string>("--out") { Description = "Model folder to write", Required = true };
        var network = new Option<string>("--network") { Description = "resnet50, vgg16, googlenet, densenet121, densenet-small or small-cnn (small plain CNN, full-resolution first stage: small lesions on a CPU)", DefaultValueFactory = _ => "densenet121" };
        var iterations = new Option<int>("--iterations") { Description = "Optimiser steps", DefaultValueFactory = _ => 1000 };
        var batch = new Option<int>("--batch") { Description = "Images per step", DefaultValueFactory = _ => 32 };
        var size = new Option<int>("--size") { Description = "Input size in pixels (square; images are padded to square and resized)", DefaultValueFactory = _ => 64 };
        var window = new Option<string?>("--window") { Description = "CT windows center/width, one network channel each (e.g. 40/80;80/200); default: guessed from the first image" };
        var boneMask = new Option<int>("--bone-mask") { Description = "With --window: blank soft-tissue windows within this many pixels of bone (> 300 HU), e.g. 3 for hemorrhage", DefaultValueFactory = _ => 0 };
        var loss = new Option<string>("--loss") { Description = "ce (cross-entropy) or focal", DefaultValueFactory = _ => "ce" };
        var augment = new Option<bool>("--augment") { Description = "Augment training images (rotation, scaling, noise, intensity, mirroring)" };
        var validation = new Option<double>("--val-fraction") { Description = "Share of each class held out for validation", DefaultValueFactory = _ => 0.2 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of initialisation, split and sampling", DefaultValueFactory = _ => 12345 };
        var resume = new Option<bool>("--resume") { Description = "Continue from the checkpoint in the model folder" };
        var device = DeviceOption.Create();
        var command = new Command("train", "Train a classifier on a classification dataset") { dataset, output, network, iterations, batch, size, window, boneMask, loss, augment, validation, seed, resume, device };
        command.SetAction(parse => context.Execute(() =>
        {
            var architecture = Classifier.Parse(parse.GetValue(network)!);
            string lossName = parse.GetValue(loss)!.Trim().ToLowerInvariant();
            if (lossName is not ("ce" or "focal"))
            {
                throw new MedVoxException($"unknown loss '{lossName}'", field: "--loss", hint: "use ce or focal");
            }

            int side = parse.GetValue(size);
            string? windows = parse.GetValue(window);
            if (windows is null && parse.GetValue(boneMask) != 0)
            {
                throw new MedVoxException("--bone-mask needs --window", field: "--bone-mask", hint: "e.g. --window \"40/80;60/60\" --bone-mask 3");
            }

            var input = windows is null
                ? null
                : new ClassifierInput { Height = side, Width = side, Normalization = new ClassifierNormalization { Windows = [.. windows.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(CtWindow.Parse)], BoneMaskRadius = parse.GetValue(boneMask) } };
            var options = new ClassificationTrainingOptions
            {
                Architecture = architecture,
                Input = input,
                InputSize = side,
                Sampling = new ClassificationSampling
                {
                    BatchSize = parse.GetValue(batch),
                    Seed = parse.GetValue(seed),
                    Augmentation = parse.GetValue(augment) ? ClassificationSampling.DefaultAugmentation : null,
                },
                Training = ClassificationTrainingOptions.DefaultTraining with { Iterations = parse.GetValue(iterations) },
                Loss = lossName == "focal" ? ClassificationLoss.Focal : ClassificationLoss.CrossEntropy,
                ValidationFraction = parse.GetValue(validation),
                Resume = parse.GetValue(resume),
            };
            options.Validate();
            var data = ClassificationDataset.Read(parse.GetValue(dataset)!);
            var torchDevice = TorchRuntime.Resolve(parse.GetValue(device));
            string modelFolder = parse.GetValue(output)!;
            var result = ProgressDisplay.Run(context.Console, $"training {Classifier.Name(architecture)}", options.Training.Iterations, progress =>
                ClassificationTrainer.Train(data, modelFolder, options, torchDevice, progress: new StepProgress(progress)));

            if (result.Validation is { } held)
            {
                context.Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"held-out: {held.Entries.Count} image(s), F1 {held.F1:F3}, ROC AUC {held.RocAuc:F3}, accuracy {held.Accuracy:F3}"));
            }

            context.Console.MarkupLineInterpolated($"wrote [green]{modelFolder}[/] ({result.Split.Training.Count} training image(s))");
            return 0;
        }));
        return command;
    }

    private static Command Predict(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "Model folder written by medvox classify train", Required = true };
        var input = new Option<string>("--in") { Description = "An image, a folder of images, or a dataset folder with labels.csv", Required = true };
        var output = new Option<string>("--out") { Description = "CSV file to write (image,predicted,p_CLASS...)", Required = true };
        var device = DeviceOption.Create();
        var command = new Command("predict", "Classify images with a trained classifier") { model, input, output, device };
        command.SetAction(parse => context.Execute(() =>
        {
            string inPath = parse.GetValue(input)!;
            var (paths, labels) = ListInputs(inPath);
            var torchDevice = TorchRuntime.Resolve(parse.GetValue(device));
            using var classifier = ClassifierModel.Load(parse.GetValue(model)!, torchDevice);
            var probabilities = ProgressDisplay.Run(context.Console, "classifying", paths.Count, progress =>
                classifier.PredictFiles(paths, progress: new CountProgress(progress)));
            string csv = parse.GetValue(output)!;
            WriteCsv(csv, inPath, paths, labels, probabilities, classifier.Info.ClassNames);
            if (labels is not null)
            {
                var scored = ClassificationValidation.FromProbabilities([.. Enumerable.Range(0, paths.Count)], probabilities, labels, classifier.Info.ClassNames);
                context.Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"against labels.csv: F1 {scored.F1:F3}, ROC AUC {scored.RocAuc:F3}, accuracy {scored.Accuracy:F3}"));
            }

            context.Console.MarkupLineInterpolated($"wrote [green]{csv}[/] ({paths.Count} image(s))");
            return 0;
        }));
        return command;
    }

    /// <summary>The images of <paramref name="path"/>, with their labels when it is a classification dataset.</summary>
    private static (IReadOnlyList<string> Paths, IReadOnlyList<int>? Labels) ListInputs(string path)
    {
        if (File.Exists(path))
        {
            return ([Path.GetFullPath(path)], null);
        }

        if (!Directory.Exists(path))
        {
            throw new MedVoxException("no such file or folder", path, "--in");
        }

        if (ClassificationDataset.IsDataset(path))
        {
            var dataset = ClassificationDataset.Read(path);
            if (dataset.Entries.Count == 0)
            {
                throw new MedVoxException("the dataset lists no images", Path.Combine(dataset.Directory, ClassificationDataset.LabelsFileName));
            }

            return ([.. dataset.Entries.Select(dataset.FullPath)], [.. dataset.Entries.Select(e => e.Label)]);
        }

        var files = Directory.EnumerateFiles(path).Where(f => ImageFile.FindFormat(f) is not null).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            throw new MedVoxException("holds no image files", path, "--in", "give an image, a folder of images, or a dataset folder with labels.csv");
        }

        return (files, null);
    }

    private static void WriteCsv(string csv, string root, IReadOnlyList<string> paths, IReadOnlyList<int>? labels, float[][] probabilities, IReadOnlyList<string> classNames)
    {
        string baseFolder = Directory.Exists(root) ? Path.GetFullPath(root) : Path.GetDirectoryName(Path.GetFullPath(root))!;
        var text = new StringBuilder("image");
        if (labels is not null)
        {
            text.Append(",label");
        }

        text.Append(",predicted");
        foreach (string name in classNames)
        {
            text.Append(",p_").Append(name);
        }

        text.Append('\n');
        for (int i = 0; i < paths.Count; i++)
        {
            text.Append(Path.GetRelativePath(baseFolder, paths[i]).Replace('\\', '/'));
            if (labels is not null)
            {
                text.Append(',').Append(labels[i].ToString(CultureInfo.InvariantCulture));
            }

            text.Append(',').Append(classNames[ArgMax(probabilities[i])]);
            foreach (float p in probabilities[i])
            {
                text.Append(',').Append(p.ToString("0.######", CultureInfo.InvariantCulture));
            }

            text.Append('\n');
        }

        string? folder = Path.GetDirectoryName(Path.GetFullPath(csv));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        using var file = AtomicFile.Create(csv);
        file.Stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
        file.Commit();
    }

    private static int ArgMax(float[] values)
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

    /// <summary>Moves the bar to the trainer's iteration.</summary>
    private sealed class StepProgress(IProgress<double> bar) : IProgress<ClassificationProgress>
    {
        public void Report(ClassificationProgress value) => bar.Report(value.Training.Iteration);
    }

    private sealed class CountProgress(IProgress<double> bar) : IProgress<int>
    {
        public void Report(int value) => bar.Report(value);
    }
}
