using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MedVox.Learning.Runtime;

/// <summary>
/// Settings that LibTorch's OpenMP runtime and the C allocator read or need before tensors exist. .NET's
/// Environment.SetEnvironmentVariable does not reach the native environment on Unix, so they are set with libc's
/// setenv and mallopt.
/// </summary>
internal static partial class NativeEnvironment
{
    /// <summary>
    /// Allocations from this size up are mapped pages of their own, returned to the system when freed (glibc's
    /// M_MMAP_THRESHOLD). Tensors of a training step are mostly far larger.
    /// </summary>
    internal const int MapThresholdBytes = 1 << 20;

    private const int MallocMapThreshold = -3;

    /// <summary>True when the allocator was set to <see cref="MapThresholdBytes"/> (glibc, no user setting).</summary>
    internal static bool FixedMapThreshold { get; private set; }

    /// <summary>
    /// Runs when MedVox.Learning loads, before any tensor exists.
    /// <para>OpenMP's default busy-waiting lets two worker threads spin on a loaded 2-core machine (parallel test runs,
    /// data-loading threads): a small U-Net step took 830 ms instead of 37 ms; passive waiting brought it to 140 ms.</para>
    /// <para>glibc raises its mmap threshold each time a mapped block is freed (up to 32 MB), after which tensors of
    /// that size come from the heap, which fragments and does not shrink: a 64^3 U-Net step then peaked 170 MB higher
    /// and kept 375 MB after everything was freed, instead of 105 MB. A fixed threshold keeps the resident memory of
    /// training what its live tensors need, which is what the planner's memory estimate counts.</para>
    /// <para>LibTorch's CUDA caching allocator grows by expandable segments (<see cref="CudaAllocatorSetting"/>).</para>
    /// A value the user set (OMP_WAIT_POLICY, MALLOC_MMAP_THRESHOLD_, PYTORCH_CUDA_ALLOC_CONF, PYTORCH_ALLOC_CONF) is kept.
    /// </summary>
#pragma warning disable CA2255 // A library initializer is the point: it must run before LibTorch loads, whoever loads it.
    [ModuleInitializer]
    internal static void Initialize()
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            _ = SetEnvironment("OMP_WAIT_POLICY", "PASSIVE", 0);
            if (CudaAllocatorSetting(Environment.GetEnvironmentVariable(CudaAllocatorVariable), Environment.GetEnvironmentVariable(AllocatorVariable)) is { } setting)
            {
                _ = SetEnvironment(CudaAllocatorVariable, setting, 0);
            }
        }

        if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is null)
        {
            try
            {
                FixedMapThreshold = MallocOption(MallocMapThreshold, MapThresholdBytes) == 1;
            }
            catch (EntryPointNotFoundException)
            {
                // Not glibc (musl has no mallopt): its allocator maps large blocks anyway.
            }
        }
    }
#pragma warning restore CA2255

    /// <summary>The CUDA caching allocator's settings, read once when LibTorch's CUDA allocator starts.</summary>
    internal const string CudaAllocatorVariable = "PYTORCH_CUDA_ALLOC_CONF";

    /// <summary>The device-neutral name of the same settings (PyTorch 2.9 and later read it first).</summary>
    internal const string AllocatorVariable = "PYTORCH_ALLOC_CONF";

    /// <summary>
    /// The allocator setting MedVox starts LibTorch with, or null where the user set either variable (even to nothing).
    /// With expandable segments the allocator grows one mapping per stream instead of keeping blocks of the sizes first
    /// asked for, so blocks freed by one stage serve the differently sized maps of the next: on an H200, a 2 x 160^3
    /// bf16 training step with checkpointing added 8.98 GiB to the device instead of 10.35 GiB at the same speed
    /// (0.2114 vs 0.2110 s, docs/benchmarks.md). Where the driver lacks virtual memory management, LibTorch warns and
    /// keeps its default. The setting goes under the CUDA name, the one measured there (PyTorch 2.11, no warning
    /// printed): PyTorch 2.9.1 ignored <c>expandable_segments</c> under the newer name for CUDA
    /// (pytorch/pytorch#183387).
    /// </summary>
    internal static string? CudaAllocatorSetting(string? cudaAllocatorConfig, string? allocatorConfig) =>
        cudaAllocatorConfig is null && allocatorConfig is null ? "expandable_segments:True" : null;

    /// <summary>A variable as native code (LibTorch) sees it, which after <see cref="Initialize"/> may differ from .NET's copy.</summary>
    internal static string? NativeVariable(string name) => Marshal.PtrToStringUTF8(GetEnvironment(name));

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvironment(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetEnvironment(string name);

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallocOption(int parameter, int value);
}
