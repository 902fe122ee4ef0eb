using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MedVox.Learning.Runtime;

/// <summary>
/// Settings that LibTorch's OpenMP runtime reads from the process environment when it loads. .NET's
/// Environment.SetEnvironmentVariable does not reach the native environment on Unix, so they are set with libc's setenv.
/// </summary>
internal static partial class NativeEnvironment
{
    /// <summary>
    /// Runs when MedVox.Learning loads, before any tensor exists. OpenMP's default busy-waiting lets two worker threads
    /// spin on a loaded 2-core machine (parallel test runs, data-loading threads): a small U-Net step took 830 ms
    /// instead of 37 ms; passive waiting brought it to 140 ms. A value the user set is kept.
    /// </summary>
#pragma warning disable CA2255 // A library initializer is the point: it must run before LibTorch loads, whoever loads it.
    [ModuleInitializer]
    internal static void Initialize()
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            _ = SetEnvironment("OMP_WAIT_POLICY", "PASSIVE", 0);
        }
    }
#pragma warning restore CA2255

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvironment(string name, string value, int overwrite);
}
