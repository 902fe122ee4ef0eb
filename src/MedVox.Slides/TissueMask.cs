using MedVox.Classical;
using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Slides;

/// <summary>
/// Where a slide has tissue, from a low-resolution view: HSV saturation (glass is grey, stained tissue is coloured),
/// Otsu's threshold on it (never below <see cref="MinimumSaturation"/>, so an all-glass slide stays empty), holes
/// filled (pale lumen and fat inside tissue count as tissue), grown by one pixel so that tissue edges are kept.
/// Computed on the slide's <see cref="SlideOverview"/>.
/// One mask pixel covers <see cref="Scale"/> level-0 pixels each way.
/// </summary>
public sealed class TissueMask
{
    /// <summary>The lowest saturation threshold (of 255): below it nothing is tissue, whatever Otsu says.</summary>
    public const int MinimumSaturation = 15;

    private readonly byte[] _mask;

    private TissueMask(byte[] mask, int width, int height, double scale, double threshold, int sourceLevel)
    {
        _mask = mask;
        Width = width;
        Height = height;
        Scale = scale;
        Threshold = threshold;
        SourceLevel = sourceLevel;
        long count = 0;
        foreach (byte b in mask)
        {
            count += b;
        }

        TissueFraction = (double)count / mask.Length;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Level-0 pixels per mask pixel.</summary>
    public double Scale { get; }

    /// <summary>The saturation threshold used (0-255).</summary>
    public double Threshold { get; }

    /// <summary>The level the view was read from.</summary>
    public int SourceLevel { get; }

    public double TissueFraction { get; }

    /// <summary>1 where tissue, 0 where glass; rows of <see cref="Width"/>.</summary>
    public ReadOnlySpan<byte> Pixels => _mask;

    /// <summary>Detects tissue on the slide's <see cref="SlideOverview"/> (at most 4 Mpx, memory bounded whatever the slide).</summary>
    public static TissueMask Detect(SlideReader slide, CancellationToken cancellation = default)
    {
        var overview = SlideOverview.Read(slide, SlideOverview.TargetPixels, cancellation);
        int width = overview.Width, height = overview.Height, c = overview.Channels;
        var saturation = new byte[width * height];
        var pixels = overview.Pixels;
        for (int i = 0; i < saturation.Length; i++)
        {
            if (c >= 3)
            {
                int r = pixels[i * c], g = pixels[(i * c) + 1], b = pixels[(i * c) + 2];
                int max = Math.Max(r, Math.Max(g, b)), min = Math.Min(r, Math.Min(g, b));
                saturation[i] = (byte)(max == 0 ? 0 : (max - min) * 255 / max);
            }
            else
            {
                saturation[i] = pixels[i];
            }
        }

        var geometry = new ImageGeometry(new ImageSize(width, height, 1, 1, 2));
        using var image = Image.FromPixels<byte>(geometry, saturation);
        double threshold = Math.Max(MinimumSaturation, Thresholds.Otsu(image));
        using var raw = Thresholds.Range(image, Math.Floor(threshold) + 1, 255);
        using var filled = Morphology.FillHoles(raw, perSlice: true);
        using var grown = Morphology.Dilate(filled, 1.5);
        return new TissueMask(grown.AsSpan<byte>().ToArray(), width, height, overview.Scale, threshold, overview.SourceLevel);
    }

    /// <summary>Whether any tissue lies in the level-0 rectangle (<paramref name="x"/>, <paramref name="y"/>, <paramref name="width"/>, <paramref name="height"/>).</summary>
    public bool AnyTissue(double x, double y, double width, double height)
    {
        int x0 = Math.Max(0, (int)Math.Floor(x / Scale)), y0 = Math.Max(0, (int)Math.Floor(y / Scale));
        int x1 = Math.Min(Width - 1, (int)Math.Ceiling((x + width) / Scale)), y1 = Math.Min(Height - 1, (int)Math.Ceiling((y + height) / Scale));
        for (int my = y0; my <= y1; my++)
        {
            if (_mask.AsSpan((my * Width) + x0, Math.Max(0, x1 - x0 + 1)).IndexOf((byte)1) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the mask pixel covering level-0 point (<paramref name="x"/>, <paramref name="y"/>) is tissue.</summary>
    public bool IsTissue(double x, double y)
    {
        int mx = (int)(x / Scale), my = (int)(y / Scale);
        return (uint)mx < (uint)Width && (uint)my < (uint)Height && _mask[(my * Width) + mx] != 0;
    }
}
