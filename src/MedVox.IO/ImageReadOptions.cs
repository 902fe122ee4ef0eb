using MedVox.Memory;

namespace MedVox.IO;

public sealed record ImageReadOptions
{
    public static ImageReadOptions Default { get; } = new();

    /// <summary>Where decoded pixels go (RAM, or a mapped scratch file for volumes larger than the limit).</summary>
    public AllocationOptions Allocation { get; init; } = AllocationOptions.Default;

    /// <summary>
    /// Map uncompressed pixel data of the file in place (copy-on-write) instead of copying it, where the stored layout is
    /// the one MedVox uses (native byte order, no scaling). Off by default so that files can be deleted or overwritten
    /// while the image lives.
    /// </summary>
    public bool MapInPlace { get; init; }

    /// <summary>Reports bytes of pixel data read so far (for progress bars).</summary>
    public IProgress<long>? Progress { get; init; }
}
