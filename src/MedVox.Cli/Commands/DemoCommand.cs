using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MedVox.Cli.Terminal;
using MedVox.Evaluation.Segmentation;
using MedVox.IO;
using MedVox.IO.Datasets;
using MedVox.Learning.Inference;
using MedVox.Learning.Planning;
using MedVox.Learning.Runtime;
using MedVox.Learning.Training;
using Spectre.Console;

namespace MedVox.Cli.Commands;

/// <summary>
/// <c>medvox demo</c>: the README's main command. Generates a held-out abdomen CT phantom of the whole field of view
/// (a seed the models never saw) and segments it at its full resolution with the shipped 3D U-Nets through the
/// <see cref="CascadePredictor"/>: the coarse model (<c>models/phantom-abdomen-coarse</c>) finds the organs, the fine
/// model (<c>models/phantom-abdomen</c>) segments that region with Gaussian-blended sliding windows. It evaluates the
/// labels against the exact ground truth, beside the fine model alone on the whole volume, and writes the NIfTI mask,
/// metrics and an HTML report. <c>--train</c> first trains both U-Nets from scratch (minutes on a CPU) and uses them.
/// </summary>
internal static class DemoCommand
{
    public static Command Create(CliContext context)
    {
        var output = new Option<string>("--out") { Description = "Folder for the demo's phantoms, model (with --train), prediction and report", DefaultValueFactory = _ => "medvox-demo" };
        var seed = new Option<int>("--seed") { Description = "Seed of the held-out phantom (not the training seed)", DefaultValueFactory = _ => DemoModel.HeldOutSeed };
        var train = new Option<bool>("--train") { Description = "Train the 3D U-Net (and the cascade's coarse model) from scratch into DIR/model (a few minutes on a CPU) and use it instead of the shipped one" };
        var iterations = new Option<int?>("--iterations") { Description = $"Training iterations of each model with --train (default {DemoModel.Fine.Iterations} for the model, {DemoModel.Coarse.Iterations} for the cascade's coarse model)" };
        var model = new Option<string?>("--model") { Description = "Use this model folder instead of the shipped models/phantom-abdomen (without --cascade it segments the whole volume alone)" };
        var cascade = new Option<string?>("--cascade") { Description = "The coarse model that localises the organs for --model (default: the shipped models/phantom-abdomen-coarse when --model is not given)" };
        var device = DeviceOption.Create();
        var command = new Command("demo", "Run the main job on built-in synthetic data: a phantom, coarse-to-fine 3D U-Net segmentation at full resolution, evaluation, report")
        {
            output, seed, train, iterations, model, cascade, device,
        };
        command.SetAction((parse, cancellation) => Task.FromResult(context.Execute(() => Run(
            context, parse.GetValue(output)!, parse.GetValue(seed), parse.GetValue(train), parse.GetValue(iterations), parse.GetValue(model), parse.GetValue(cascade), parse.GetValue(device), cancellation))));
        return command;
    }

    private static int Run(CliContext context, string folder, int seed, bool train, int? iterations, string? modelOption, string? cascadeOption, ComputeDevice device, CancellationToken cancellation)
    {
        if (seed == DemoModel.TrainingSeed)
        {
            throw new MedVoxException($"seed {seed} made the training phantoms; the held-out case needs another", field: "--seed", hint: $"use e.g. {DemoModel.HeldOutSeed}");
        }

        if (train && (modelOption ?? cascadeOption) is not null)
        {
            throw new MedVoxException("--train excludes --model and --cascade", field: modelOption is null ? "--cascade" : "--model", hint: "--train trains into DIR/model and DIR/model-coarse and uses them");
        }

        if (iterations is < 1)
        {
            throw new MedVoxException($"--iterations must be positive, got {iterations}", field: "--iterations");
        }

        foreach (var stage in train ? new[] { DemoModel.Coarse, DemoModel.Fine } : [])
        {
            string model = Path.Combine(folder, stage.Name);
            if (File.Exists(Path.Combine(model, ModelFolder.WeightsFile)) || Directory.Exists(Path.Combine(model, SegmentationTraining.CheckpointFolder)))
            {
                throw new MedVoxException("already holds a demo model", model, hint: $"delete it to train again, or use it with --model {model}");
            }
        }

        var console = context.Console;
        var clock = Stopwatch.StartNew();
        console.MarkupLine("[bold]MedVox demo[/]: synthetic abdomen CT -> coarse-to-fine 3D U-Nets at full resolution -> evaluation -> report");
        string modelFolder = train ? Train(context, folder, iterations, cancellation)
            : modelOption ?? DemoModel.FindShipped(DemoModel.Fine)
            ?? throw new MedVoxException($"the shipped model {DemoModel.Fine.ShippedFolder} is not beside the medvox program nor in the current folder", field: "--model", hint: "run medvox demo --train to train it (a few minutes), or give --model DIR");
        string? coarseFolder = train ? Path.Combine(folder, DemoModel.Coarse.Name)
            : cascadeOption ?? (modelOption is null
                ? DemoModel.FindShipped(DemoModel.Coarse) ?? throw new MedVoxException($"the shipped model {DemoModel.Coarse.ShippedFolder} is not beside the medvox program nor in the current folder", field: "--cascade", hint: "run medvox demo --train to train it, or give --cascade DIR")
                : null);

        var grid = DemoModel.HeldOutGrid;
        // The grid is in the name: a folder of an earlier demo with another held-out grid is not taken for this one.
        string heldOutDir = Path.Combine(folder, HeldOutFolder(seed));
        var heldOutSet = ProgressDisplay.Run(console, $"generating the held-out phantom (seed {seed})", 1.0, progress => DemoModel.OrganDataset(heldOutDir, grid, seed, 1, progress, cancellation));
        var heldOut = heldOutSet.TrainingCases[0];
        string imagePath = heldOut.ImagePaths[0];
        string referencePath = heldOut.LabelPath ?? throw new MedVoxException("the held-out case has no label", imagePath);

        string predictions = Path.Combine(folder, "predictions");
        Directory.CreateDirectory(predictions);
        string predictionPath = Path.Combine(predictions, heldOut.Id + heldOutSet.Description.FileEnding);
        // Each organ is one piece: false islands go (nnU-Net's largest-component postprocessing), for every model alike.
        var options = new PredictionOptions
        {
            Device = device,
            KeepLargestComponent = [.. DemoModel.Labels.SelectMany(l => l.Values).Where(v => v != 0)],
            Log = line => console.MarkupLineInterpolated($"[grey]{line}[/]"),
        };
        using var predictor = Predictor.Load(modelFolder, options);
        using var coarse = coarseFolder is null ? null : Predictor.Load(coarseFolder, options with { Log = null });
        using var cascade = coarse is null ? null : new CascadePredictor(coarse, predictor, CascadeMarginMillimetres);
        string modelLine = "model: " + Describe(modelFolder, predictor);
        console.MarkupLineInterpolated($"{modelLine}");
        string? coarseLine = coarse is null ? null : FormattableString.Invariant($"coarse model: {Describe(coarseFolder!, coarse)}, localises the organs; margin {CascadeMarginMillimetres} mm");
        if (coarseLine is not null)
        {
            console.MarkupLineInterpolated($"{coarseLine}");
        }

        var labels = LabelSet.FromDatasetJson(Path.Combine(heldOutDir, DatasetDescription.FileName));
        var evaluation = new SegmentationOptions { SurfaceTolerance = 2.0 };
        CaseResult? alone = null;
        using (var ct = ImageFile.Read(imagePath))
        {
            console.MarkupLineInterpolated($"held-out case [bold]{heldOut.Id}[/]: {ct.Size} voxels at {ct.Geometry.Spacing} mm, predicted at that resolution with Gaussian-blended sliding windows");
            using (var result = ProgressDisplay.Run(console, $"segmenting {heldOut.Id}", 1, progress => cascade is null ? predictor.Predict([ct], [imagePath], progress, cancellation) : cascade.Predict([ct], [imagePath], progress, cancellation)))
            {
                ImageFile.Write(result.Labels, predictionPath);
            }

            if (cascade is not null)
            {
                // What the cascade buys: the same fine model on the whole volume, which it was not trained to cover.
                // The loaded network again, without the memory-plan lines (not read from disk a second time).
                using var quiet = new Predictor(predictor.Plan, predictor.Network, options with { Log = null });
                using var whole = ProgressDisplay.Run(console, "for comparison: the fine model alone on the whole volume", 1, progress => quiet.Predict([ct], [imagePath], progress, cancellation));
                using var reference = ImageFile.Read(referencePath);
                alone = SegmentationEvaluator.EvaluateCase(heldOut.Id, whole.Labels, reference, labels, evaluation);
            }
        }

        var caseResult = SegmentationEvaluator.EvaluateFiles(heldOut.Id, predictionPath, referencePath, labels, evaluation);
        var report = new SegmentationReport([caseResult], labels, evaluation);
        if (report.HasProblems)
        {
            throw new MedVoxException($"the evaluation failed: {string.Join("; ", report.ProblemLines)}", predictionPath);
        }

        SegmentationReportWriter.WriteCsv(report, Path.Combine(folder, "metrics.csv"));
        SegmentationReportWriter.WriteJson(report, Path.Combine(folder, "summary.json"));
        string html = Path.Combine(folder, "report.html");
        ReportCommand.WriteHtml(context, html, "MedVox demo: abdomen phantom, 3D U-Net", report, Path.GetDirectoryName(imagePath),
            [modelLine, .. coarseLine is null ? Array.Empty<string>() : [coarseLine], FormattableString.Invariant($"data: a synthetic abdomen CT phantom (portal venous, seed {seed}; the models were trained on seed {DemoModel.TrainingSeed}), {grid.Size}x{grid.Size}x{grid.Slices} voxels of {grid.Spacing}x{grid.Spacing}x{grid.SliceSpacing} mm; exact ground truth")]);

        console.Write(DiceTable(caseResult, alone));
        console.MarkupLineInterpolated($"prediction [green]{predictionPath}[/], metrics [green]{Path.Combine(folder, "metrics.csv")}[/], report [green]{html}[/]");
        console.MarkupLineInterpolated($"done in {clock.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    /// <summary>
    /// Generates the training phantoms (once per grid) and trains the cascade's coarse model (DIR/model-coarse) and the
    /// demo's model (DIR/model) from scratch; returns the latter.
    /// </summary>
    private static string Train(CliContext context, string folder, int? iterations, CancellationToken cancellation)
    {
        var console = context.Console;
        foreach (var stage in new[] { DemoModel.Coarse, DemoModel.Fine })
        {
            var grid = stage.Grid;
            string gridName = FormattableString.Invariant($"{grid.Size}x{grid.Size}x{grid.Slices} at {grid.Spacing}x{grid.Spacing}x{grid.SliceSpacing} mm");
            string trainingDir = Path.Combine(folder, "training-" + stage.Name);
            var dataset = ProgressDisplay.Run(console, $"generating {DemoModel.TrainingCases} training phantoms for {stage.Name} (seed {DemoModel.TrainingSeed}, {gridName})", 1.0, progress => DemoModel.OrganDataset(trainingDir, grid, DemoModel.TrainingSeed, DemoModel.TrainingCases, progress, cancellation));
            int steps = iterations ?? stage.Iterations;
            string modelFolder = Path.Combine(folder, stage.Name);
            var clock = Stopwatch.StartNew();
            TrainingOutcome outcome = null!;
            ProgressDisplay.Run(console, progress =>
            {
                var task = progress.AddTask($"training {stage.Name} from scratch ({steps} iterations)", maxValue: 1);
                var report = new Progress<TrainingStatus>(s => task.Value = s.Phase == "training" ? s.Fraction : task.Value);
                outcome = DemoModel.Train(stage, dataset, modelFolder, Path.Combine(folder, "cache-" + stage.Name), steps, report, cancellation);
                task.Value = task.MaxValue;
            });
            console.MarkupLineInterpolated($"trained {stage.Name} ({gridName}): {outcome.Iteration} iterations in {clock.Elapsed.TotalSeconds:F0} s, last loss {outcome.LastLoss:F4}; written to [green]{modelFolder}[/]");
        }

        return Path.Combine(folder, DemoModel.Fine.Name);
    }

    /// <summary>The held-out phantom's dataset folder under --out.</summary>
    internal static string HeldOutFolder(int seed)
    {
        var grid = DemoModel.HeldOutGrid;
        return FormattableString.Invariant($"heldout-s{seed}-{grid.Size}x{grid.Size}x{grid.Slices}");
    }

    /// <summary>Millimetres added around the coarse model's region (the cascade test's setting: a voxel of the coarse grid).</summary>
    private const double CascadeMarginMillimetres = 12;

    private static string Describe(string folder, Predictor predictor)
    {
        string patch = string.Join("x", predictor.Plan.PatchSize);
        string spacing = string.Join("x", predictor.Plan.Preprocessing.TargetSpacing.Select(s => s.ToString("0.##", CultureInfo.InvariantCulture)));
        return $"{folder} (3D U-Net, features {string.Join("-", predictor.Plan.Network.Features)}, patch {patch} at {spacing} mm (z, y, x))";
    }

    private static Table DiceTable(CaseResult result, CaseResult? alone)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("held-out case, per organ")
            .AddColumn("organ").AddColumn(new TableColumn("Dice").RightAligned()).AddColumn(new TableColumn("HD95 (mm)").RightAligned())
            .AddColumn(new TableColumn("ground truth (mL)").RightAligned()).AddColumn(new TableColumn("predicted (mL)").RightAligned());
        if (alone is not null)
        {
            table.AddColumn(new TableColumn("Dice, fine model alone").RightAligned());
        }

        foreach (var label in result.Labels)
        {
            var m = label.Metrics;
            var cells = new List<string>
            {
                Markup.Escape(label.Label.Name),
                Number(m.Dice, "0.000"),
                Number(m.HausdorffDistance95, "0.0"),
                Number(m.ReferenceVolume / 1000, "0.0"),
                Number(m.PredictionVolume / 1000, "0.0"),
            };
            if (alone is not null)
            {
                cells.Add(Number(alone[label.Label.Name]?.Dice ?? double.NaN, "0.000"));
            }

            table.AddRow([.. cells]);
        }

        return table;
    }

    private static string Number(double value, string format) =>
        double.IsNaN(value) ? "-" : double.IsInfinity(value) ? "inf" : value.ToString(format, CultureInfo.InvariantCulture);
}
