using SkiaSharp;

namespace MedVox.Slides.Models;

/// <summary>A PNG thumbnail of the slide with tumour probability laid over it (transparent at 0, red at 1).</summary>
public static class Heatmap
{
    /// <summary>About a megapixel: big enough to see regions, small enough to open anywhere.</summary>
    public const long ThumbnailPixels = 1L << 20;

    public static void Write(SlideReader slide, string probabilityPath, string pngPath, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(slide);
        using var probability = SlideFile.Open(probabilityPath);
        var map = SlideOverview.Read(probability, ThumbnailPixels, cancellation);
        var background = SlideOverview.Read(slide, SlideOverview.TargetPixels, cancellation);

        // The probability map covers the processed level; scale its pixels to level-0 units of the slide.
        double mapScale = map.Scale * ((double)slide.Levels[0].Width / probability.Levels[0].Width);
        int width = map.Width, height = map.Height;
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var pixels = bitmap.GetPixelSpan();
        for (int y = 0; y < height; y++)
        {
            int by = Math.Min(background.Height - 1, (int)((y + 0.5) * mapScale / background.Scale));
            for (int x = 0; x < width; x++)
            {
                int bx = Math.Min(background.Width - 1, (int)((x + 0.5) * mapScale / background.Scale));
                int b = ((by * background.Width) + bx) * background.Channels;
                double alpha = 0.65 * map.Pixels[((y * width) + x) * map.Channels] / 255.0;
                int o = ((y * width) + x) * 4;
                for (int k = 0; k < 3; k++)
                {
                    double under = background.Pixels[b + Math.Min(k, background.Channels - 1)];
                    double over = k == 0 ? 230 : k == 1 ? 20 : 40;
                    pixels[o + k] = (byte)Math.Round(under + ((over - under) * alpha));
                }

                pixels[o + 3] = 255;
            }
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        using var file = MedVox.IO.AtomicFile.Create(pngPath);
        data.SaveTo(file.Stream);
        file.Commit();
    }
}
