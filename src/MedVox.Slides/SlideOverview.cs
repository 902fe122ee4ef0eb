namespace MedVox.Slides;

/// <summary>
/// A small view of a whole slide: the finest level of at most <see cref="TargetPixels"/> pixels, or, when the slide
/// has no such level, its coarsest level averaged over blocks while read a strip at a time, so memory stays bounded
/// whatever the slide. One overview pixel covers <see cref="Scale"/> level-0 pixels each way.
/// </summary>
public sealed class SlideOverview
{
    /// <summary>Roughly how many pixels an overview has at most (4 Mpx).</summary>
    public const long TargetPixels = 1L << 22;

    private SlideOverview(byte[] pixels, int width, int height, int channels, double scale, int level)
    {
        Pixels = pixels;
        Width = width;
        Height = height;
        Channels = channels;
        Scale = scale;
        SourceLevel = level;
    }

    /// <summary>Rows of <see cref="Width"/> × <see cref="Channels"/> bytes.</summary>
    public byte[] Pixels { get; }

    public int Width { get; }

    public int Height { get; }

    public int Channels { get; }

    /// <summary>Level-0 pixels per overview pixel.</summary>
    public double Scale { get; }

    /// <summary>The level it was read from.</summary>
    public int SourceLevel { get; }

    public static SlideOverview Read(SlideReader slide, long targetPixels = TargetPixels, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(slide);
        int level = slide.LevelCount - 1;
        for (int i = 0; i < slide.LevelCount; i++)
        {
            if (slide.Levels[i].Width * slide.Levels[i].Height <= targetPixels)
            {
                level = i;
                break;
            }
        }

        var info = slide.Levels[level];
        int factor = 1;
        while ((info.Width / factor) * (info.Height / factor) > targetPixels)
        {
            factor++;
        }

        int width = (int)Math.Max(1, info.Width / factor), height = (int)Math.Max(1, info.Height / factor);
        int c = slide.Channels;
        var result = new byte[(long)width * height * c];
        var strip = new byte[(long)width * factor * factor * c];
        var sums = new int[width * c];
        int area = factor * factor;
        for (int y = 0; y < height; y++)
        {
            cancellation.ThrowIfCancellationRequested();
            if (factor == 1)
            {
                slide.ReadRegion(level, 0, y, width, 1, result.AsSpan(y * width * c, width * c));
                continue;
            }

            slide.ReadRegion(level, 0, (long)y * factor, width * factor, factor, strip);
            Array.Clear(sums);
            for (int row = 0; row < factor; row++)
            {
                int rowStart = row * width * factor * c;
                for (int x = 0; x < width * factor; x++)
                {
                    int target = x / factor * c, source = rowStart + (x * c);
                    for (int k = 0; k < c; k++)
                    {
                        sums[target + k] += strip[source + k];
                    }
                }
            }

            for (int i = 0; i < width * c; i++)
            {
                result[(y * width * c) + i] = (byte)((sums[i] + (area / 2)) / area);
            }
        }

        return new SlideOverview(result, width, height, c, info.Downsample * factor, level);
    }
}
