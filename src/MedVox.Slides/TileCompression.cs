namespace MedVox.Slides;

/// <summary>How the tiles of a written pyramid are compressed.</summary>
public enum TileCompression
{
    /// <summary>Lossless zlib (TIFF compression 8, Adobe deflate): masks, heatmaps, exact round trips.</summary>
    Deflate,

    /// <summary>Baseline JPEG per tile (TIFF compression 7; colour as YCbCr without chroma subsampling): scanned-slide style, lossy.</summary>
    Jpeg,
}
