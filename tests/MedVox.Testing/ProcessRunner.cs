using System.Diagnostics;

namespace MedVox.Testing;

/// <summary>Runs an external program (an oracle such as nibabel or dcmdump) and captures its output.</summary>
public static class ProcessRunner
{
    public static (int ExitCode, string Output, string Error) Run(string program, IEnumerable<string> arguments, int timeoutMs = 120_000, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutMs))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish within {timeoutMs} ms.");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Runs a Python snippet with Debian's python3 and returns its standard output; fails the test on error.</summary>
    public static string Python(string script, params string[] arguments)
    {
        var (code, output, error) = Run("/usr/bin/python3", ["-c", script, .. arguments]);
        if (code != 0)
        {
            throw new InvalidOperationException($"python3 failed ({code}): {error}");
        }

        return output;
    }
}
