using Spectre.Console.Testing;

namespace MedVox.Cli.Tests;

/// <summary>Runs <c>medvox</c> in-process against a test console and returns the exit code and everything printed.</summary>
internal static class CliRunner
{
    public static (int ExitCode, string Output) Run(params string[] args)
    {
        // Plain text, as when output is redirected to a file or a CI log.
        var console = new TestConsole().Width(200);
        console.Profile.Capabilities.Ansi = false;
        int code = MedVoxCli.Run(args, console);
        return (code, console.Output);
    }
}
