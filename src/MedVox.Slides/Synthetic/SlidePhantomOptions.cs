namespace MedVox.Slides.Synthetic;

/// <summary>What <see cref="SlidePhantom"/> generates.</summary>
public sealed record SlidePhantomOptions
{
    public int Width { get; init; } = 8192;

    public int Height { get; init; } = 6144;

    /// <summary>Identical options give identical pixels.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Microns per pixel of level 0: 0.5 is a 20x scan.</summary>
    public double MicronsPerPixel { get; init; } = 0.5;

    public int TileSize { get; init; } = 512;

    public TileCompression Compression { get; init; } = TileCompression.Jpeg;

    public int JpegQuality { get; init; } = 90;

    /// <summary>Where the tumour mask goes (0 outside, 255 in tumour); null: beside the slide as NAME.mask.tiff.</summary>
    public string? MaskPath { get; init; }

    /// <summary>Write the slide the way Aperio scanners describe theirs (ImageDescription "Aperio ... |MPP = ..."), so that OpenSlide treats it as SVS.</summary>
    public bool AperioDescription { get; init; }

    /// <summary>Mask path for a slide path: NAME.tiff → NAME.mask.tiff.</summary>
    public static string DefaultMaskPath(string slidePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(slidePath);
        string directory = Path.GetDirectoryName(Path.GetFullPath(slidePath))!;
        string name = Path.GetFileName(slidePath);
        foreach (var ending in (string[])[".tiff", ".tif", ".svs"])
        {
            if (name.EndsWith(ending, StringComparison.OrdinalIgnoreCase))
            {
                name = name[..^ending.Length];
                break;
            }
        }

        return Path.Combine(directory, name + ".mask.tiff");
    }
}
