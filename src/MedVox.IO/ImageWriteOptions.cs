using System.IO.Compression;

namespace MedVox.IO;

public sealed record ImageWriteOptions
{
    public static ImageWriteOptions Default { get; } = new();

    /// <summary>Compression level for formats and extensions that compress (.nii.gz, .mha with compression, .nrrd gzip).</summary>
    public CompressionLevel Compression { get; init; } = CompressionLevel.Fastest;

    /// <summary>Whether MetaImage and NRRD writers compress pixel data (".nii.gz" always does, ".nii" never).</summary>
    public bool Compress { get; init; }

    /// <summary>Reports bytes of pixel data written so far (for progress bars).</summary>
    public IProgress<long>? Progress { get; init; }
}
