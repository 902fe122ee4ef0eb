namespace MedVox.Slides;

/// <summary>
/// One resolution of a slide pyramid: its size in pixels, how much smaller than level 0 it is (OpenSlide's definition:
/// the mean of the width and height ratios), and its tile size (0 when the reader does not expose tiles).
/// </summary>
public sealed record SlideLevel(int Index, long Width, long Height, double Downsample, int TileWidth, int TileHeight);
