using System.CommandLine;
using System.Globalization;
using MedVox.Cli.Terminal;
using MedVox.Dicom.Series;
using Spectre.Console;

namespace MedVox.Cli.Commands;

/// <summary><c>medvox dicom ls DIR</c>: studies and series of a DICOM folder, read from headers only.</summary>
internal static class DicomCommand
{
    public static Command Create(CliContext context)
    {
        var folder = new Argument<string>("dir") { Description = "Folder of DICOM files (searched recursively)" };
        var ls = new Command("ls", "List studies and series (UIDs, modality, description, slices, size, spacing)") { folder };
        ls.SetAction(parse => context.Execute(() =>
        {
            string dir = parse.GetValue(folder)!;
            if (!Directory.Exists(dir))
            {
                throw new MedVoxException(File.Exists(dir) ? "is a file; give the folder that holds the series" : "no such folder", dir);
            }

            var scan = ProgressDisplay.Run(context.Console, "scanning headers", 1, progress => DicomSeriesScanner.Scan(dir, new DicomScanOptions { Progress = new ScanProgress(progress) }));
            foreach (var study in scan.Studies)
            {
                context.Console.MarkupLineInterpolated($"[bold]study[/] {study.StudyInstanceUID}  {study.StudyDate ?? string.Empty}  {study.StudyDescription ?? string.Empty}");
                var table = new Table().Border(TableBorder.Rounded)
                    .AddColumn("series (use with --series)").AddColumn("mod.").AddColumn("description").AddColumn(new TableColumn("slices").RightAligned())
                    .AddColumn("size").AddColumn("spacing (mm)").AddColumn("notes");
                foreach (var series in study.Series)
                {
                    string notes = string.Join("; ", series.Problems.Concat(series.Warnings));
                    table.AddRow(
                        Markup.Escape(series.Id),
                        Markup.Escape(series.Modality ?? "-"),
                        Markup.Escape(series.Description ?? string.Empty),
                        series.SliceCount.ToString(CultureInfo.InvariantCulture),
                        series.Size.ToString(),
                        string.Create(CultureInfo.InvariantCulture, $"{series.Spacing.X:0.###} x {series.Spacing.Y:0.###} x {series.Spacing.Z:0.###}"),
                        series.CanLoad ? Markup.Escape(notes) : $"[red]{Markup.Escape(notes)}[/]");
                }

                context.Console.Write(table);
            }

            if (scan.Skipped.Count > 0)
            {
                context.Console.MarkupLineInterpolated($"[grey]{scan.Skipped.Count} file(s) skipped, e.g. {scan.Skipped[0].Path}: {scan.Skipped[0].Reason}[/]");
            }

            if (!scan.Studies.Any())
            {
                throw new MedVoxException("holds no DICOM image series", dir, hint: scan.Skipped.Count > 0 ? $"{scan.Skipped.Count} file(s) were not readable DICOM images" : "the folder is empty");
            }

            return 0;
        }));
        return new Command("dicom", "Inspect DICOM folders") { ls };
    }

    private sealed class ScanProgress(IProgress<double> target) : IProgress<DicomProgress>
    {
        public void Report(DicomProgress value) => target.Report(value.Total == 0 ? 1 : (double)value.Done / value.Total);
    }
}
