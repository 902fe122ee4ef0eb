using System.CommandLine;
using MedVox.Cli.Commands;
using MedVox.Cli.Terminal;
using Spectre.Console;

namespace MedVox.Cli;

/// <summary>The <c>medvox</c> command line: builds the command tree and runs it against a console (the real one, or a test console).</summary>
public static class MedVoxCli
{
    public static int Run(string[] args, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(args);
        var context = new CliContext(console);
        var root = BuildRoot(context);
        var parse = root.Parse(args);
        context.Verbose = parse.GetValue(context.VerboseOption);
        var configuration = new InvocationConfiguration
        {
            EnableDefaultExceptionHandler = false,
            Output = new SpectreWriter(console),
            Error = new SpectreWriter(console),
        };

        if (parse.Errors.Count > 0 && parse.Action is System.CommandLine.Invocation.ParseErrorAction)
        {
            // One clear line instead of the parser's error list plus full help.
            string command = string.Join(' ', parse.CommandResult.Command.Name == root.Name ? [] : [parse.CommandResult.Command.Name]);
            SpectreWriter.WriteError(console, $"{parse.Errors[0].Message} (see medvox {command}{(command.Length > 0 ? " " : string.Empty)}--help)");
            return 2;
        }

        try
        {
            return parse.Invoke(configuration);
        }
        catch (Exception ex)
        {
            return context.Fail(ex);
        }
    }

    internal static RootCommand BuildRoot(CliContext context)
    {
        var root = new RootCommand("MedVox: deep-learning analysis of medical images at full resolution under memory limits.");
        root.Options.Add(context.VerboseOption);
        root.Subcommands.Add(InfoCommand.Create(context));
        root.Subcommands.Add(ConvertCommand.Create(context));
        root.Subcommands.Add(RuntimeCommand.Create(context));
        root.Subcommands.Add(PhantomCommand.Create(context));
        root.Subcommands.Add(DatasetCommand.Create(context));
        root.Subcommands.Add(EvaluateCommand.Create(context));
        root.Subcommands.Add(ReportCommand.Create(context));
        root.Subcommands.Add(DicomCommand.Create(context));
        root.Subcommands.Add(DemoCommand.Create(context));
        root.Subcommands.Add(MeshCommand.Create(context));
        root.Subcommands.Add(PlanCommand.Create(context));
        root.Subcommands.Add(TrainCommand.Create(context));
        root.Subcommands.Add(ExperimentCommand.Create(context));
        root.Subcommands.Add(ClassifyCommand.Create(context));
        root.Subcommands.Add(WsiCommand.Create(context));
        root.Subcommands.Add(PredictCommand.Create(context));
        return root;
    }
}
