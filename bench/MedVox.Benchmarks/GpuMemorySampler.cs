using System.Runtime.InteropServices;

namespace MedVox.Benchmarks;

/// <summary>
/// Memory in use on GPU 0 as the driver reports it (NVML's <c>nvmlDeviceGetMemoryInfo</c>), sampled every
/// millisecond on a background thread. TorchSharp 0.107 has no <c>torch.cuda.max_memory_allocated</c>, so the peak is
/// measured from outside: everything the process holds on the device (the caching allocator's reserve, cuDNN
/// workspaces) counts, which is what must fit a budget. The baseline is taken at start, after CUDA initialised.
/// </summary>
internal sealed partial class GpuMemorySampler : IDisposable
{
    private const string Library = "libnvidia-ml.so.1";
    private readonly nint _device;
    private readonly Thread _thread;
    private volatile bool _stop;
    private long _peak;

    private GpuMemorySampler(nint device)
    {
        _device = device;
        Baseline = Used();
        _peak = Baseline;
        _thread = new Thread(Sample) { IsBackground = true, Name = "nvml sampler" };
        _thread.Start();
    }

    /// <summary>Bytes in use when sampling started.</summary>
    public long Baseline { get; }

    /// <summary>Highest bytes in use seen so far (including the baseline).</summary>
    public long Peak => Math.Max(Interlocked.Read(ref _peak), Used());

    /// <summary>Peak minus baseline: what the measured work added on the device.</summary>
    public long Added => Peak - Baseline;

    /// <summary>A sampler on GPU 0, or null when NVML is not there (no NVIDIA driver).</summary>
    public static GpuMemorySampler? TryStart()
    {
        try
        {
            if (NvmlInit() != 0 || NvmlDeviceGetHandleByIndex(0, out nint device) != 0)
            {
                return null;
            }

            return new GpuMemorySampler(device);
        }
        catch (DllNotFoundException)
        {
            return null;
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }

    private long Used() => NvmlDeviceGetMemoryInfo(_device, out var memory) == 0 ? (long)memory.Used : 0;

    private void Sample()
    {
        while (!_stop)
        {
            long used = Used();
            long peak = Interlocked.Read(ref _peak);
            if (used > peak)
            {
                Interlocked.Exchange(ref _peak, used);
            }

            Thread.Sleep(1);
        }
    }

    [LibraryImport(Library, EntryPoint = "nvmlInit_v2")]
    private static partial int NvmlInit();

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetHandleByIndex_v2")]
    private static partial int NvmlDeviceGetHandleByIndex(uint index, out nint device);

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetMemoryInfo")]
    private static partial int NvmlDeviceGetMemoryInfo(nint device, out NvmlMemory memory);

    [StructLayout(LayoutKind.Sequential)]
    private struct NvmlMemory
    {
        public ulong Total;
        public ulong Free;
        public ulong Used;
    }
}
