using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MedVox.Classical.Abdomen;
using MedVox.Cli.Terminal;
using MedVox.Evaluation.Segmentation;
using MedVox.IO;
using MedVox.IO.Datasets;
using MedVox.Synthetic;
using MedVox.Synthetic.Abdomen;
using Spectre.Console;

namespace MedVox.Cli.Commands;

/// <summary>
/// <c>medvox demo</c>: the README's main command. Generates a small abdomen CT phantom dataset (once), segments a
/// held-out case at its full resolution, evaluates it against the exact ground truth, and writes the NIfTI masks,
/// metrics and an HTML report. The segmentation is the classical baseline until a trained network ships with MedVox.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The structures the classical baseline segments, by their phantom dataset names.</summary>
    private static readonly string[] Organs = ["liver", "spleen", "kidney_right", "kidney_left", "stomach", "aorta", "inferior_vena_cava", "spine"];

    public static Command Create(CliContext context)
    {
        var output = new Option<string>("--out") { Description = "Folder for the demo's dataset, predictions and report", DefaultValueFactory = _ => "medvox-demo" };
        var cases = new Option<int>("--cases") { Description = "Phantom cases to generate (the last one is held out)", DefaultValueFactory = _ => 3 };
        var size = new Option<int>("--size") { Description = "In-plane grid of the phantoms (voxels)", DefaultValueFactory = _ => 160 };
        var seed = new Option<int>("--seed") { Description = "Phantom seed", DefaultValueFactory = _ => 1 };
        var command = new Command("demo", "Run the main job on built-in synthetic data: phantoms, segmentation, evaluation, report") { output, cases, size, seed };
        command.SetAction(parse => context.Execute(() => Run(context, parse.GetValue(output)!, parse.GetValue(cases), parse.GetValue(size), parse.GetValue(seed))));
        return command;
    }

    private static int Run(CliContext context, string folder, int cases, int size, int seed)
    {
        if (cases < 1 || size < 48)
        {
            throw new MedVoxException($"the demo needs at least one case of at least 48 voxels, got {cases} case(s) of {size}");
        }

        var console = context.Console;
        var clock = Stopwatch.StartNew();
        console.MarkupLine("[bold]MedVox demo[/]: synthetic abdomen CT -> segmentation at full resolution -> evaluation -> report");
        console.MarkupLineInterpolated($"method: [yellow]{AbdomenBaselineSegmenter.Method}[/]; the 3D U-Net replaces it once a trained model ships with MedVox");

        string datasetDir = Path.Combine(folder, "dataset");
        var dataset = EnsureDataset(context, datasetDir, cases, size, seed);
        var heldOut = dataset.TrainingCases[^1];
        string imagePath = heldOut.ImagePaths[0];
        string referencePath = heldOut.LabelPath ?? throw new MedVoxException("the held-out case has no label", imagePath);

        string predictions = Path.Combine(folder, "predictions");
        Directory.CreateDirectory(predictions);
        string predictionPath = Path.Combine(predictions, heldOut.Id + dataset.Description.FileEnding);
        IReadOnlyList<string> findings;
        using (var ct = ImageFile.Read(imagePath))
        {
            console.MarkupLineInterpolated($"held-out case [bold]{heldOut.Id}[/]: {ct.Size} voxels at {ct.Geometry.Spacing} mm, segmented at that resolution");
            using var result = ProgressDisplay.Run(console, $"segmenting {heldOut.Id}", 1, _ => AbdomenBaselineSegmenter.Run(ct));
            ImageFile.Write(result.Labels, predictionPath);
            findings = result.Findings;
        }

        var labels = LabelSet.FromDatasetJson(Path.Combine(datasetDir, "dataset.json")).Only(Organs);
        var options = new SegmentationOptions { SurfaceTolerance = 2.0 };
        var caseResult = SegmentationEvaluator.EvaluateFiles(heldOut.Id, predictionPath, referencePath, labels, options);
        var report = new SegmentationReport([caseResult], labels, options);
        if (report.HasProblems)
        {
            throw new MedVoxException($"the evaluation failed: {string.Join("; ", report.ProblemLines)}", predictionPath);
        }

        SegmentationReportWriter.WriteCsv(report, Path.Combine(folder, "metrics.csv"));
        SegmentationReportWriter.WriteJson(report, Path.Combine(folder, "summary.json"));
        string html = Path.Combine(folder, "report.html");
        ReportCommand.WriteHtml(context, html, "MedVox demo: abdomen phantom, classical baseline", report, Path.GetDirectoryName(imagePath),
            [$"method: {AbdomenBaselineSegmenter.Method}", $"data: synthetic abdomen CT phantoms (seed {seed}, {cases} case(s), {size} voxels in-plane), portal venous phase; exact ground truth", .. findings.Select(f => "finding: " + f)]);

        console.Write(DiceTable(caseResult));
        console.MarkupLineInterpolated($"prediction [green]{predictionPath}[/], metrics [green]{Path.Combine(folder, "metrics.csv")}[/], report [green]{html}[/]");
        console.MarkupLineInterpolated($"done in {clock.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    /// <summary>Generates the phantom dataset unless a complete one is already there.</summary>
    private static DecathlonDataset EnsureDataset(CliContext context, string directory, int cases, int size, int seed)
    {
        if (File.Exists(Path.Combine(directory, "dataset.json")))
        {
            var existing = DecathlonDataset.Read(directory);
            if (existing.TrainingCases.Count == cases && existing.TrainingCases.All(c => c.LabelPath is not null && File.Exists(c.LabelPath)))
            {
                context.Console.MarkupLineInterpolated($"reusing the phantom dataset in {directory}");
                return existing;
            }

            throw new MedVoxException("holds another dataset than the demo would generate", directory, hint: "delete the folder or choose another --out");
        }

        var options = new PhantomOptions
        {
            Cases = cases,
            Seed = seed,
            Size = size,
            Abdomen = new AbdomenOptions { Size = size, Contrast = ContrastPhase.PortalVenous },
        };
        ProgressDisplay.Run(context.Console, $"generating {cases} abdomen phantom(s)", 1.0, progress => PhantomDatasets.Generate(PhantomKind.Abdomen, directory, options, progress));
        return DecathlonDataset.Read(directory);
    }

    private static Table DiceTable(CaseResult result)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("held-out case, per organ")
            .AddColumn("organ").AddColumn(new TableColumn("Dice").RightAligned()).AddColumn(new TableColumn("HD95 (mm)").RightAligned())
            .AddColumn(new TableColumn("ground truth (mL)").RightAligned()).AddColumn(new TableColumn("predicted (mL)").RightAligned());
        foreach (var label in result.Labels)
        {
            var m = label.Metrics;
            table.AddRow(
                Markup.Escape(label.Label.Name),
                Number(m.Dice, "0.000"),
                Number(m.HausdorffDistance95, "0.0"),
                Number(m.ReferenceVolume / 1000, "0.0"),
                Number(m.PredictionVolume / 1000, "0.0"));
        }

        return table;
    }

    private static string Number(double value, string format) =>
        double.IsNaN(value) ? "-" : double.IsInfinity(value) ? "inf" : value.ToString(format, CultureInfo.InvariantCulture);
}
