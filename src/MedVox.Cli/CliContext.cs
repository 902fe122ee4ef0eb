using System.CommandLine;
using MedVox.Cli.Terminal;
using Spectre.Console;

namespace MedVox.Cli;

/// <summary>What every command shares: the console, <c>--verbose</c>, and the one way failures are reported.</summary>
public sealed class CliContext(IAnsiConsole console)
{
    public IAnsiConsole Console { get; } = console;

    public Option<bool> VerboseOption { get; } = new("--verbose", "-v")
    {
        Description = "Show details, and the stack trace on failure",
        Recursive = true,
    };

    public bool Verbose { get; set; }

    /// <summary>Runs a command body; any failure becomes one line on the console and a non-zero exit code.</summary>
    public int Execute(Func<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return body();
        }
        catch (Exception ex)
        {
            return Fail(ex);
        }
    }

    /// <summary>Prints "error: ..." (one line; the stack only with --verbose) and returns the exit code for the failure.</summary>
    public int Fail(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        string message = error switch
        {
            MedVoxException => error.Message,
            UnauthorizedAccessException or IOException => $"{error.Message.TrimEnd('.')}; check the path and its permissions",
            OperationCanceledException => "cancelled",
            _ => $"unexpected {error.GetType().Name}: {error.Message}",
        };
        SpectreWriter.WriteError(Console, message);
        if (Verbose)
        {
            Console.WriteLine(error.ToString());
        }
        else if (error is not MedVoxException)
        {
            Console.MarkupLine("[grey](run with --verbose for details)[/]");
        }

        return error is MedVoxException ? 1 : 70;
    }
}
