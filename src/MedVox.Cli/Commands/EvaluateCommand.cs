using System.CommandLine;
using System.Globalization;
using MedVox.Cli.Terminal;
using MedVox.Evaluation.Segmentation;
using Spectre.Console;

namespace MedVox.Cli.Commands;

/// <summary>
/// <c>medvox evaluate --pred DIR --gt DIR --out DIR</c>: Dice, IoU, HD95, ASSD, NSD and volumes per case and label;
/// writes metrics.csv and summary.json, prints a table, exits non-zero when a case was skipped.
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create(CliContext context)
    {
        var prediction = new Option<string>("--pred") { Description = "Folder of predicted label maps", Required = true };
        var reference = new Option<string>("--gt") { Description = "Folder of ground-truth label maps (file names match)", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for metrics.csv and summary.json", Required = true };
        var labels = new Option<string?>("--labels") { Description = "Labels: a dataset.json, or name=value pairs (liver=1,spleen=2); default: the dataset.json next to --gt" };
        var tolerance = new Option<double>("--tolerance") { Description = "Surface tolerance of NSD in mm", DefaultValueFactory = _ => 1.0 };
        var empty = EmptyOption();
        var images = new Option<string?>("--images") { Description = "Folder of the images (CASE_0000.nii.gz or CASE.nii.gz) for the report's snapshots" };
        var html = new Option<string?>("--report") { Description = "Also write the HTML report to this file" };
        var command = new Command("evaluate", "Evaluate predicted label maps against ground truth") { prediction, reference, output, labels, tolerance, empty, images, html };
        command.SetAction(parse => context.Execute(() =>
        {
            string outDir = parse.GetValue(output)!;
            Directory.CreateDirectory(outDir);
            var report = Evaluate(context, parse.GetValue(prediction)!, parse.GetValue(reference)!, parse.GetValue(labels), parse.GetValue(tolerance), parse.GetValue(empty));
            SegmentationReportWriter.WriteCsv(report, Path.Combine(outDir, "metrics.csv"));
            SegmentationReportWriter.WriteJson(report, Path.Combine(outDir, "summary.json"));
            Print(context, report);
            context.Console.MarkupLineInterpolated($"wrote [green]{Path.Combine(outDir, "metrics.csv")}[/] and summary.json");
            if (parse.GetValue(html) is { } htmlPath)
            {
                ReportCommand.WriteHtml(context, htmlPath, "MedVox evaluation", report, parse.GetValue(images), [$"command: medvox {string.Join(' ', parse.Tokens.Select(t => t.Value))}"]);
            }

            return report.HasProblems ? 1 : 0;
        }));
        return command;
    }

    internal static Option<EmptyMaskConvention> EmptyOption() => new("--empty")
    {
        Description = "Scores when a mask is empty: Monai (NaN), NnUNet or Decathlon (both empty = 1)",
        DefaultValueFactory = _ => EmptyMaskConvention.Monai,
    };

    /// <summary>Evaluates two folders of label maps with a progress bar.</summary>
    internal static SegmentationReport Evaluate(CliContext context, string predictions, string references, string? labels, double tolerance, EmptyMaskConvention empty)
    {
        var labelSet = ResolveLabels(labels, references);
        var options = new SegmentationOptions { SurfaceTolerance = tolerance, EmptyMasks = empty };
        int expected = Directory.Exists(references) ? Directory.EnumerateFiles(references).Count(f => SegmentationEvaluator.CaseIdOf(f) is not null) : 0;
        return ProgressDisplay.Run(context.Console, "evaluating", expected, progress =>
            SegmentationEvaluator.EvaluateFolders(predictions, references, labelSet, options, new CaseCounter(progress)));
    }

    /// <summary>The summary table, skipped cases and counts.</summary>
    internal static void Print(CliContext context, SegmentationReport report)
    {
        context.Console.Write(SummaryTable(report));
        foreach (var problem in report.ProblemLines)
        {
            context.Console.MarkupLineInterpolated($"[yellow]skipped[/] {problem}");
        }

        context.Console.MarkupLineInterpolated($"{report.EvaluatedCount} case(s) evaluated, {report.SkippedCount} skipped");
    }

    internal static LabelSet ResolveLabels(string? text, string referenceFolder)
    {
        if (text is null)
        {
            foreach (var candidate in new[] { Path.Combine(referenceFolder, "dataset.json"), Path.Combine(referenceFolder, "..", "dataset.json") })
            {
                if (File.Exists(candidate))
                {
                    return LabelSet.FromDatasetJson(candidate);
                }
            }

            throw new MedVoxException("no labels given and no dataset.json next to the ground truth", referenceFolder, hint: "pass --labels liver=1,spleen=2 or --labels path/to/dataset.json");
        }

        if (text.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return LabelSet.FromDatasetJson(text);
        }

        var pairs = new List<KeyValuePair<string, int>> { new("background", 0) };
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pieces = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pieces.Length != 2 || !int.TryParse(pieces[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < 0)
            {
                throw new MedVoxException($"'{part}' is not a label", field: "--labels", hint: "write name=value pairs such as liver=1,spleen=2");
            }

            if (value != 0)
            {
                pairs.Add(new(pieces[0], value));
            }
        }

        return LabelSet.FromValues(pairs);
    }

    /// <summary>Mean ± SD per label of the metrics papers report.</summary>
    internal static Table SummaryTable(SegmentationReport report)
    {
        var metrics = new[] { SegmentationMetric.Dice, SegmentationMetric.Iou, SegmentationMetric.Hausdorff95, SegmentationMetric.Assd, SegmentationMetric.Nsd };
        var table = new Table().Border(TableBorder.Rounded).AddColumn("label");
        foreach (var metric in metrics)
        {
            table.AddColumn(new TableColumn(metric.Title).RightAligned());
        }

        foreach (var label in report.Labels.Evaluated)
        {
            var cells = new List<string> { Markup.Escape(label.Name) };
            foreach (var metric in metrics)
            {
                var stats = report.Summary.Labels.First(l => l.Label == label)[metric];
                cells.Add(stats.Count == 0 ? "-" : $"{Format(stats.Mean)} ± {Format(stats.StandardDeviation)}");
            }

            table.AddRow([.. cells]);
        }

        return table;
    }

    private static string Format(double value) => double.IsNaN(value) ? "-" : double.IsInfinity(value) ? "inf" : value.ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>Turns per-case results into a count for the progress bar (cases finish on several threads).</summary>
    private sealed class CaseCounter(IProgress<double> target) : IProgress<CaseResult>
    {
        private int _done;

        public void Report(CaseResult value) => target.Report(Interlocked.Increment(ref _done));
    }
}
