using System.CommandLine;
using MedVox.Cli.Terminal;
using MedVox.IO.Datasets;
using Spectre.Console;

namespace MedVox.Cli.Commands;

/// <summary><c>medvox dataset check DIR</c>: every image has its label, geometry matches, label values are declared.</summary>
internal static class DatasetCommand
{
    public static Command Create(CliContext context)
    {
        var directory = new Argument<string>("dir") { Description = "Dataset folder (nnU-Net/Decathlon layout, or images + labels.csv)" };
        var check = new Command("check", "Validate a dataset and list each problem with its case") { directory };
        check.SetAction(parse => context.Execute(() =>
        {
            string dir = parse.GetValue(directory)!;
            if (!Directory.Exists(dir))
            {
                throw new MedVoxException("no such dataset folder", dir);
            }

            var report = ProgressDisplay.Run(context.Console, $"checking {Path.GetFileName(Path.TrimEndingDirectorySeparator(dir))}", 1.0, progress => DatasetChecker.Check(dir, progress));
            if (report.IsValid)
            {
                context.Console.MarkupLineInterpolated($"[green]ok[/]: {report.CaseCount} case(s), {report.Layout} layout, no problems");
                return 0;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumn("case").AddColumn("problem").AddColumn("file");
            foreach (var problem in report.Problems)
            {
                table.AddRow(Markup.Escape(problem.CaseId ?? "-"), Markup.Escape(problem.Message), Markup.Escape(problem.Path ?? string.Empty));
            }

            context.Console.Write(table);
            context.Console.MarkupLineInterpolated($"[red]{report.Problems.Count} problem(s)[/] in {report.CaseCount} case(s), {report.Layout} layout");
            return 1;
        }));
        return new Command("dataset", "Work with datasets in the nnU-Net/Decathlon layout") { check };
    }
}
