using System.Text.RegularExpressions;
using Spectre.Console.Testing;

namespace MedVox.Cli.Tests;

/// <summary>Runs <c>medvox</c> in-process against a test console and returns the exit code and everything printed.</summary>
internal static partial class CliRunner
{
    public static (int ExitCode, string Output) Run(params string[] args)
    {
        // Plain text, as when output is redirected to a file or a CI log.
        var console = new TestConsole().Width(200);
        console.Profile.Capabilities.Ansi = false;
        int code = MedVoxCli.Run(args, console);
        return (code, console.Output);
    }

    /// <summary>
    /// The one error line of a failed run. Progress lines ("preprocessing: 0%") that a slow machine may print before
    /// the failure are not part of the error and are skipped; anything else besides the error line fails the test.
    /// </summary>
    public static string ErrorLine(string output)
    {
        var lines = output.Trim().Split('\n').Where(l => !ProgressLine().IsMatch(l)).ToArray();
        Assert.True(lines.Length == 1, "expected one error line, got:\n" + output);
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        return lines[0];
    }

    [GeneratedRegex(@"^[^:]+: \d+(\.\d+)?%\s*$")]
    private static partial Regex ProgressLine();
}
