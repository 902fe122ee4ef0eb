namespace MedVox.Slides;

/// <summary>How <see cref="PyramidTiffWriter"/> lays out and compresses a pyramid.</summary>
public sealed record PyramidWriterOptions
{
    /// <summary>Tile edge in pixels (a multiple of 16, as TIFF requires).</summary>
    public int TileSize { get; init; } = 512;

    public TileCompression Compression { get; init; } = TileCompression.Deflate;

    /// <summary>JPEG quality 1-100.</summary>
    public int JpegQuality { get; init; } = 90;

    /// <summary>Microns per pixel of level 0 (stored as TIFF resolution in pixels per centimetre); null when unknown.</summary>
    public double? MicronsPerPixel { get; init; }

    /// <summary>ImageDescription of level 0.</summary>
    public string? Description { get; init; }

    /// <summary>
    /// Keeps the partial file and a journal of finished tiles when the writer is disposed without <see cref="PyramidTiffWriter.Commit"/>,
    /// and continues from them when a writer for the same target is created with the same <see cref="ResumeKey"/>.
    /// </summary>
    public bool Resumable { get; init; }

    /// <summary>What must match for a partial file to be continued (input, model, parameters); any text.</summary>
    public string ResumeKey { get; init; } = string.Empty;

    internal void Validate()
    {
        if (TileSize < 16 || TileSize > 4096 || TileSize % 16 != 0)
        {
            throw new MedVoxException($"tile size {TileSize} is not a multiple of 16 between 16 and 4096", field: "--tile");
        }

        if (JpegQuality is < 1 or > 100)
        {
            throw new MedVoxException($"JPEG quality {JpegQuality} is outside 1-100", field: "--quality");
        }

        if (MicronsPerPixel is { } mpp && !(mpp > 0 && double.IsFinite(mpp)))
        {
            throw new MedVoxException($"microns per pixel {mpp} must be positive", field: "--mpp");
        }
    }
}
