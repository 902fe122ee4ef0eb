using System.Diagnostics;
using MedVox.Learning.Runtime;

namespace MedVox.Cli.Tests;

/// <summary>medvox restarts itself once with glibc's huge-page tunable (MedVox.Learning's HugePages), as a real process.</summary>
public class HugePagesRestartTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("0")]
    public async Task TheRestartedProcessKeepsItsArgumentsAndGetsHugePages(string? optOut)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "medvox.dll");
        Assert.True(File.Exists(dll), dll);
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { dll, "runtime", "--device", "cpu" })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Remove("GLIBC_TUNABLES");
        info.Environment["MEDVOX_HUGE_PAGES"] = optOut;
        using var process = Process.Start(info)!;
        var ct = TestContext.Current.CancellationToken;
        string output = await process.StandardOutput.ReadToEndAsync(ct) + await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);

        Assert.True(process.ExitCode == 0, output);
        Assert.Contains("--device cpu -> cpu", output, StringComparison.Ordinal);
        string? mode = HugePages.ReadThpMode();
        bool expected = mode == "always" || (mode == "madvise" && optOut != "0" && OperatingSystem.IsLinux());
        Assert.Contains(expected ? "huge pages for CPU tensors" : "4 KB pages for CPU tensors", output, StringComparison.Ordinal);
    }
}
