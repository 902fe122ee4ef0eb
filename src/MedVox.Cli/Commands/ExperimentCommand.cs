using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using MedVox.Experiments;
using Spectre.Console;

namespace MedVox.Cli.Commands;

/// <summary>
/// <c>medvox experiment NAME</c>: runs one of the field's standard studies on phantoms and writes its table, with date,
/// machine and settings, into docs/experiments.md (its own section, replaced on a re-run).
/// </summary>
internal static class ExperimentCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "Experiment: " + string.Join(", ", ExperimentCatalog.All.Select(e => e.Name)) };
        var full = new Option<bool>("--full") { Description = "The settings for a GPU machine (default: CPU-sized, minutes)" };
        var tiny = new Option<bool>("--tiny") { Description = "A seconds-long check that the pipeline runs (tables are not meaningful)" };
        var seed = new Option<int>("--seed") { Description = "Seed of data and training: the same seed gives the same table", DefaultValueFactory = _ => 1 };
        var work = new Option<string>("--work") { Description = "Folder for data, curves and plots", DefaultValueFactory = _ => "medvox-experiments" };
        var doc = new Option<string>("--doc") { Description = "Markdown file that receives the table", DefaultValueFactory = _ => Path.Combine("docs", "experiments.md") };
        var command = new Command("experiment", "Reproduce a standard study on phantoms and write its table to docs/experiments.md") { name, full, tiny, seed, work, doc };
        command.SetAction(parse => context.Execute(() =>
        {
            var experiment = ExperimentCatalog.Find(parse.GetValue(name)!);
            if (parse.GetValue(full) && parse.GetValue(tiny))
            {
                throw new MedVoxException("--full and --tiny exclude each other");
            }

            var scale = parse.GetValue(full) ? ExperimentScale.Full : parse.GetValue(tiny) ? ExperimentScale.Tiny : ExperimentScale.Cpu;
            var settings = new ExperimentSettings(scale, parse.GetValue(seed), Path.Combine(parse.GetValue(work)!, experiment.Name));
            var console = context.Console;
            var started = DateTime.UtcNow;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var result = experiment.Run(settings, new LineProgress(line => console.MarkupLineInterpolated($"[grey]{experiment.Name}: {line}[/]")));
            string provenance = string.Create(CultureInfo.InvariantCulture,
                $"Run on {started:yyyy-MM-dd} ({clock.Elapsed.TotalMinutes:F1} min) on {Environment.ProcessorCount} CPU cores, {RuntimeInformation.OSDescription.Trim()}, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1 << 30)} GB RAM, no GPU used.");
            string section = result.ToMarkdown(provenance);
            console.WriteLine(section);
            string docPath = parse.GetValue(doc)!;
            ExperimentDocument.Update(docPath, experiment.Name, section);
            console.MarkupLineInterpolated($"table written to [green]{docPath}[/]; curves and plots in [green]{settings.WorkDirectory}[/]");
            return 0;
        }));
        return command;
    }

    /// <summary>Progress lines written at once, on the reporting thread, in order.</summary>
    private sealed class LineProgress(Action<string> write) : IProgress<string>
    {
        public void Report(string value) => write(value);
    }
}
