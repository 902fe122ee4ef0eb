using System.CommandLine;
using System.Globalization;
using MedVox.Cli.Terminal;
using MedVox.IO.Datasets;
using MedVox.Learning.Planning;
using MedVox.Learning.Runtime;
using MedVox.Learning.Training;
using Spectre.Console;

namespace MedVox.Cli.Commands;

/// <summary>
/// <c>medvox train PLAN_OR_DATASET --out MODEL_DIR [--device] [--fold K] [--iterations N] [--max-minutes M] [--resume]</c>:
/// preprocesses, trains with progress (loss, ETA), validates on the fold's held-out cases, checkpoints, and writes the
/// model folder (plan.json + weights.safetensors, plus logs).
/// </summary>
internal static class TrainCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("plan-or-dataset") { Description = "A plan file from medvox plan, or a dataset folder (planned on the fly with --memory)" };
        var output = new Option<string>("--out") { Description = "Model folder to write (plan.json, weights.safetensors, checkpoint/, log.csv, log.jsonl, tensorboard/)", Required = true };
        var device = DeviceOption.Create();
        var fold = new Option<string>("--fold") { Description = "Cross-validation fold held out for validation (0-4), or all (no validation)", DefaultValueFactory = _ => "0" };
        var maxMinutes = new Option<double?>("--max-minutes") { Description = "Stop after this many minutes of training, with a checkpoint and the weights so far" };
        var resume = new Option<bool>("--resume") { Description = "Continue the training in --out from its last checkpoint" };
        var datasetOption = new Option<string?>("--dataset") { Description = "Dataset folder (default: the one the plan was made from)" };
        var memory = new Option<string?>("--memory") { Description = "Memory budget when planning a dataset on the fly (default: half of this machine's RAM)" };
        var noAugment = new Option<bool>("--no-augment") { Description = "Train without data augmentation" };
        var validateEvery = new Option<int>("--validate-every") { Description = "Validate every N iterations (0: only at the end)", DefaultValueFactory = _ => 50 };
        var checkpointMinutes = new Option<double>("--checkpoint-minutes") { Description = "Write a checkpoint at least this often", DefaultValueFactory = _ => 10 };
        var cache = new Option<string?>("--cache") { Description = "Folder for the preprocessed cases (default: MODEL_DIR/preprocessed)" };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for LibTorch (default: all cores)" };
        var settings = TrainingSettings.Create();
        var command = new Command("train", "Train a segmentation U-Net from a plan or a dataset, with validation, logs and resumable checkpoints")
        {
            input, output, device, fold, maxMinutes, resume, datasetOption, memory, noAugment, validateEvery, checkpointMinutes, cache, threads,
        };
        settings.AddTo(command);
        command.SetAction(parse => context.Execute(() =>
        {
            string source = parse.GetValue(input)!;
            string modelFolder = parse.GetValue(output)!;
            var choice = parse.GetValue(device);
            var (plan, dataset) = Resolve(context, source, parse.GetValue(datasetOption), parse.GetValue(memory), choice, settings.Read(parse), parse.GetValue(resume), modelFolder);
            var options = new SegmentationTrainingOptions
            {
                Device = choice,
                Fold = ParseFold(parse.GetValue(fold)!),
                Iterations = parse.GetValue(settings.Iterations),
                MaxDuration = parse.GetValue(maxMinutes) is double minutes ? TimeSpan.FromMinutes(Positive(minutes, "--max-minutes")) : null,
                Resume = parse.GetValue(resume),
                CacheDirectory = parse.GetValue(cache),
                Augment = !parse.GetValue(noAugment),
                ValidationInterval = Math.Max(0, parse.GetValue(validateEvery)),
                CheckpointInterval = TimeSpan.FromMinutes(Positive(parse.GetValue(checkpointMinutes), "--checkpoint-minutes")),
                Threads = parse.GetValue(threads),
            };

            TrainingOutcome outcome = null!;
            ProgressDisplay.Run(context.Console, progress =>
            {
                var preprocessing = progress.AddTask("preprocessing", maxValue: 1);
                var training = progress.AddTask("training", autoStart: false, maxValue: 1);
                outcome = SegmentationTraining.Run(plan, dataset, modelFolder, options, new StatusBars(preprocessing, training));
                preprocessing.Value = preprocessing.MaxValue;
                training.Value = training.MaxValue;
            });
            Print(context, outcome);
            return 0;
        }));
        return command;
    }

    /// <summary>The plan (from the file, the model folder when resuming, or made on the fly) and the dataset.</summary>
    private static (SegmentationPlan Plan, DecathlonDataset Dataset) Resolve(CliContext context, string source, string? datasetFolder, string? memory, ComputeDevice device, TrainingOptions training, bool resume, string modelFolder)
    {
        if (Directory.Exists(source) && DecathlonDataset.IsDataset(source))
        {
            var dataset = DecathlonDataset.Read(source);
            string stored = Path.Combine(modelFolder, ModelFolder.PlanFile);
            if (resume && File.Exists(stored))
            {
                return (ModelFolder.LoadPlan(stored), dataset);
            }

            var target = TorchRuntime.Resolve(device);
            bool cuda = target.type == TorchSharp.DeviceType.CUDA;
            long budget = memory is not null
                ? MemorySize.Parse(memory, "--memory")
                : cuda ? throw new MedVoxException("training on CUDA from a dataset needs --memory (the GPU memory to plan for)", field: "--memory", hint: "e.g. --memory 24GB, or make a plan with medvox plan")
                : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2;
            var plan = PlanCommand.Make(context, source, budget, cuda ? MemoryDevice.Cuda : MemoryDevice.Cpu, training);
            PlanCommand.Print(context, plan);
            return (plan, dataset);
        }

        if (Directory.Exists(source))
        {
            throw new MedVoxException("is neither a plan file nor a dataset folder (no dataset.json)", source, hint: "give a plan from medvox plan, or a dataset folder");
        }

        var loaded = ModelFolder.LoadPlan(source);
        string? folder = datasetFolder ?? loaded.DatasetPath;
        if (folder is null)
        {
            throw new MedVoxException("the plan does not say where its dataset is", source, hint: "give it with --dataset DIR");
        }

        return (loaded, DecathlonDataset.Read(folder));
    }

    private static int ParseFold(string text) =>
        text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase) ? CrossValidation.AllCases
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int fold) && fold >= 0 ? fold
        : throw new MedVoxException($"'{text}' is not a fold", field: "--fold", hint: "use 0 to 4, or all");

    private static double Positive(double value, string option) =>
        value > 0 && double.IsFinite(value) ? value : throw new MedVoxException($"{option} must be positive, got {value.ToString(CultureInfo.InvariantCulture)}", field: option);

    private static void Print(CliContext context, TrainingOutcome outcome)
    {
        if (outcome.ValidationDice is { } dice)
        {
            var table = new Table().AddColumn("label").AddColumn(new TableColumn("validation Dice").RightAligned());
            foreach (var (label, value) in dice)
            {
                table.AddRow(Markup.Escape(label), double.IsNaN(value) ? "-" : value.ToString("F3", CultureInfo.InvariantCulture));
            }

            table.AddRow("[bold]mean[/]", outcome.ValidationMeanDice.ToString("F3", CultureInfo.InvariantCulture));
            context.Console.Write(table);
            context.Console.MarkupLineInterpolated($"validated on {outcome.ValidationCases.Count} held-out case(s): {string.Join(", ", outcome.ValidationCases)}");
        }

        if (outcome.Completed)
        {
            context.Console.MarkupLineInterpolated($"trained {outcome.Iteration} iterations (last loss {outcome.LastLoss:F4}); model written to [green]{outcome.ModelFolder}[/]");
        }
        else
        {
            context.Console.MarkupLineInterpolated($"[yellow]stopped after {outcome.Iteration} of {outcome.Iterations} iterations[/] (time limit); the weights so far are in [green]{outcome.ModelFolder}[/]; continue with --resume");
        }
    }

    /// <summary>Shows preprocessing and training on two bars; the training bar's description carries loss and validation Dice.</summary>
    private sealed class StatusBars(ProgressTask preprocessing, ProgressTask training) : IProgress<TrainingStatus>
    {
        public void Report(TrainingStatus value)
        {
            if (value.Phase == "preprocessing")
            {
                preprocessing.Value = value.Fraction;
                return;
            }

            preprocessing.Value = preprocessing.MaxValue;
            if (!training.IsStarted)
            {
                training.StartTask();
            }

            string validation = double.IsNaN(value.ValidationMeanDice) ? string.Empty : FormattableString.Invariant($", val Dice {value.ValidationMeanDice:F3}");
            string phase = value.Phase == "validating" ? "validating" : "training";
            training.Description = Markup.Escape(FormattableString.Invariant($"{phase} {value.Iteration}/{value.Iterations} (loss {value.Loss:F4}, lr {value.LearningRate:G3}{validation})"));
            training.Value = value.Fraction;
        }
    }
}
