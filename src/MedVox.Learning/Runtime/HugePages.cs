using System.Runtime.InteropServices;
using System.Text;

namespace MedVox.Learning.Runtime;

/// <summary>
/// Transparent huge pages for LibTorch's CPU tensors. <see cref="NativeEnvironment"/> has every allocation from 1 MB
/// up mapped on its own and returned when freed, so that resident memory follows the live tensors (what the planner
/// counts); the price is that every activation and gradient of every step is faulted in again page by page. With 4 KB
/// pages that was 40% of a 64^3 U-Net training step on CPU (2.18 s; 1.46 s with huge pages at the same peak RSS,
/// 801 vs 794 MB). glibc advises huge pages for its mappings only when told at process start
/// (<c>GLIBC_TUNABLES=glibc.malloc.hugetlb=1</c>, glibc 2.35+), so a program restarts itself once with that setting:
/// <see cref="RestartWithHugePages"/> is the first call of <c>medvox</c>'s Main.
/// </summary>
public static partial class HugePages
{
    /// <summary>Set to 0 to keep 4 KB pages (no restart).</summary>
    public const string OptOutVariable = "MEDVOX_HUGE_PAGES";

    private const string Tunable = "glibc.malloc.hugetlb";
    private const string ThpMode = "/sys/kernel/mm/transparent_hugepage/enabled";

    /// <summary>
    /// Re-executes this process (same executable, arguments, environment, PID) with glibc's huge-page tunable added when
    /// it would change anything: Linux with glibc 2.35+, the kernel's THP mode <c>madvise</c> (with <c>always</c> every
    /// large mapping gets huge pages anyway; with <c>never</c> none can), the tunable not set yet and no opt-out
    /// (<see cref="OptOutVariable"/>=0). Returns when no restart happens or the restart fails; call it before anything
    /// has been written or started.
    /// </summary>
    public static void RestartWithHugePages()
    {
        if (!ShouldRestart(Environment.GetEnvironmentVariable("GLIBC_TUNABLES"), Environment.GetEnvironmentVariable(OptOutVariable), ReadThpMode(), GlibcVersion()))
        {
            return;
        }

        string[] argv;
        try
        {
            argv = ReadCommandLine();
        }
        catch (IOException)
        {
            return;
        }

        if (argv.Length == 0)
        {
            return;
        }

        string existing = Environment.GetEnvironmentVariable("GLIBC_TUNABLES") ?? string.Empty;
        var environment = new List<string>();
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if ((string)entry.Key != "GLIBC_TUNABLES")
            {
                environment.Add($"{entry.Key}={entry.Value}");
            }
        }

        environment.Add($"GLIBC_TUNABLES={(existing.Length == 0 ? string.Empty : existing + ":")}{Tunable}=1");
        Console.Out.Flush();
        Console.Error.Flush();
        // Only returns on failure (the process image is replaced otherwise); carrying on without huge pages is fine.
        _ = Execute("/proc/self/exe", [.. argv, null], [.. environment, null]);
    }

    /// <summary>Whether huge pages are on for this process's allocations (the tunable is set and the kernel allows them).</summary>
    public static bool Active => OperatingSystem.IsLinux() && ReadThpMode() switch
    {
        "always" => true,
        "madvise" => HasTunable(Environment.GetEnvironmentVariable("GLIBC_TUNABLES")),
        _ => false,
    };

    /// <summary>The decision, apart from the machine (tests).</summary>
    internal static bool ShouldRestart(string? tunables, string? optOut, string? thpMode, Version? glibc) =>
        OperatingSystem.IsLinux()
        && optOut != "0"
        && thpMode == "madvise"
        && glibc is not null && glibc >= new Version(2, 35)
        && !HasTunable(tunables);

    private static bool HasTunable(string? tunables) => tunables is not null && tunables.Contains(Tunable, StringComparison.Ordinal);

    /// <summary>The kernel's transparent-huge-page mode, the bracketed word of /sys/kernel/mm/transparent_hugepage/enabled ("always", "madvise", "never"), or null.</summary>
    public static string? ReadThpMode()
    {
        try
        {
            return ParseThpMode(File.ReadAllText(ThpMode));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    internal static string? ParseThpMode(string text)
    {
        int open = text.IndexOf('[', StringComparison.Ordinal);
        int close = open < 0 ? -1 : text.IndexOf(']', open);
        return close > open ? text[(open + 1)..close] : null;
    }

    private static Version? GlibcVersion()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            return Version.TryParse(Marshal.PtrToStringUTF8(GnuGetLibcVersion()), out var version) ? version : null;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null; // not glibc (musl)
        }
    }

    /// <summary>This process's argv as the kernel holds it (NUL-separated), so the restart repeats exactly what was run.</summary>
    private static string[] ReadCommandLine()
    {
        byte[] bytes = File.ReadAllBytes("/proc/self/cmdline");
        var parts = Encoding.UTF8.GetString(bytes).Split('\0');
        return parts.Length > 0 && parts[^1].Length == 0 ? parts[..^1] : parts;
    }

    [LibraryImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static partial nint GnuGetLibcVersion();

    [LibraryImport("libc", EntryPoint = "execve", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Execute(string path, string?[] argv, string?[] environment);
}
