namespace MedVox.Memory;

/// <summary>Where new pixel buffers live.</summary>
public enum AllocationMode
{
    /// <summary>In memory while the buffer fits <see cref="AllocationOptions.MemoryLimitBytes"/>, else in a scratch file.</summary>
    Auto,

    /// <summary>Always in native memory.</summary>
    Memory,

    /// <summary>Always in a memory-mapped scratch file.</summary>
    Mapped,
}

/// <summary>How buffers for new images are allocated.</summary>
public sealed record AllocationOptions
{
    public static AllocationOptions Default { get; } = new();

    public AllocationMode Mode { get; init; } = AllocationMode.Auto;

    /// <summary>Largest single buffer kept in RAM under <see cref="AllocationMode.Auto"/>; half the available memory by default.</summary>
    public long MemoryLimitBytes { get; init; } = DefaultMemoryLimit();

    /// <summary>Folder for scratch files of mapped buffers; the temp folder when null.</summary>
    public string? ScratchDirectory { get; init; }

    private static long DefaultMemoryLimit()
    {
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return available > 0 ? available / 2 : 4L << 30;
    }
}

public static class PixelAllocator
{
    public static PixelBuffer Allocate(long bytes, AllocationOptions? options = null)
    {
        options ??= AllocationOptions.Default;
        bool mapped = options.Mode switch
        {
            AllocationMode.Memory => false,
            AllocationMode.Mapped => true,
            _ => bytes > options.MemoryLimitBytes,
        };

        return mapped ? MappedPixelBuffer.CreateScratch(bytes, options.ScratchDirectory) : new NativePixelBuffer(bytes);
    }
}
