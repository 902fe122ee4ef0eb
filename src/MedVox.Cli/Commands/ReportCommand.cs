using System.CommandLine;
using MedVox.Cli.Terminal;
using MedVox.Evaluation.Segmentation;
using MedVox.Reporting;
using MedVox.Reporting.Snapshots;
using Spectre.Console;

namespace MedVox.Cli.Commands;

/// <summary>
/// <c>medvox report --pred DIR --gt DIR --out report.html</c>: evaluates and writes one self-contained HTML file with
/// metric tables, box plots and axial/coronal/sagittal snapshots with prediction and ground-truth outlines.
/// </summary>
internal static class ReportCommand
{
    public static Command Create(CliContext context)
    {
        var prediction = new Option<string>("--pred") { Description = "Folder of predicted label maps", Required = true };
        var reference = new Option<string>("--gt") { Description = "Folder of ground-truth label maps", Required = true };
        var images = new Option<string?>("--images") { Description = "Folder of the images for snapshots (CASE_0000.nii.gz or CASE.nii.gz); without it outlines are drawn on grey" };
        var output = new Option<string>("--out") { Description = "HTML file to write", Required = true };
        var labels = new Option<string?>("--labels") { Description = "Labels: a dataset.json, or name=value pairs; default: the dataset.json next to --gt" };
        var title = new Option<string>("--title") { Description = "Title of the report", DefaultValueFactory = _ => "MedVox evaluation" };
        var window = new Option<string?>("--window") { Description = "Grey-level window for snapshots: level,width (40,400) or soft-tissue, lung, bone, brain" };
        var tolerance = new Option<double>("--tolerance") { Description = "Surface tolerance of NSD in mm", DefaultValueFactory = _ => 1.0 };
        var empty = EvaluateCommand.EmptyOption();
        var command = new Command("report", "Evaluate and write a self-contained HTML report with tables, plots and snapshots") { prediction, reference, images, output, labels, title, window, tolerance, empty };
        command.SetAction(parse => context.Execute(() =>
        {
            var report = EvaluateCommand.Evaluate(context, parse.GetValue(prediction)!, parse.GetValue(reference)!, parse.GetValue(labels), parse.GetValue(tolerance), parse.GetValue(empty));
            EvaluateCommand.Print(context, report);
            string? level = parse.GetValue(window);
            WriteHtml(context, parse.GetValue(output)!, parse.GetValue(title)!, report, parse.GetValue(images), [$"command: medvox {string.Join(' ', parse.Tokens.Select(t => t.Value))}"], level is null ? null : IntensityWindow.Parse(level));
            return report.HasProblems ? 1 : 0;
        }));
        return command;
    }

    /// <summary>Writes the HTML report (shared with evaluate --report and the demo).</summary>
    internal static void WriteHtml(CliContext context, string path, string title, SegmentationReport report, string? imageFolder, IReadOnlyList<string> notes, IntensityWindow? window = null)
    {
        var options = new HtmlReportOptions
        {
            Notes = [.. notes, $"machine: {Environment.MachineName}, {Environment.ProcessorCount} CPU(s)", $"date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"],
            Images = imageFolder is null ? [] : CaseImages.FromImageFolder(imageFolder, report.Cases.Select(c => c.CaseId)),
            Snapshot = new SnapshotOptions { Window = window },
        };
        ProgressDisplay.Run(context.Console, "writing report", 1, _ =>
        {
            EvaluationHtmlReport.Write(path, title, report, options);
            return 0;
        });
        context.Console.MarkupLineInterpolated($"wrote [green]{path}[/]");
    }
}
