using System.Globalization;

namespace MedVox.Learning.Planning;

/// <summary>
/// The process's resident-memory high-water mark on Linux (VmHWM in /proc/self/status), which can be reset (writing 5
/// to /proc/self/clear_refs): the way to measure the peak of one training step on the CPU, where LibTorch offers no
/// allocator statistics.
/// </summary>
public static class PeakMemory
{
    public static bool IsSupported => OperatingSystem.IsLinux() && File.Exists("/proc/self/clear_refs");

    /// <summary>Resets the high-water mark to the current resident size.</summary>
    public static void Reset()
    {
        if (IsSupported)
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
    }

    /// <summary>Resident bytes now.</summary>
    public static long Resident => Read("VmRSS:");

    /// <summary>Highest resident bytes since the last <see cref="Reset"/>.</summary>
    public static long Peak => Read("VmHWM:");

    private static long Read(string field)
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                var parts = line[field.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
