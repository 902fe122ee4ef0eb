using MedVox.Slides.Synthetic;
using MedVox.Testing;

namespace MedVox.Slides.Tests;

public class SlidePhantomTests
{
    [Fact]
    public void SameSeedSamePixelsOtherSeedOtherSlide()
    {
        using var folder = TestData.CreateTempFolder();
        var options = new SlidePhantomOptions { Width = 1024, Height = 768, TileSize = 256, Compression = TileCompression.Deflate, Seed = 11 };
        SlidePhantom.Generate(folder.File("a.tiff"), options, cancellation: TestContext.Current.CancellationToken);
        SlidePhantom.Generate(folder.File("b.tiff"), options, cancellation: TestContext.Current.CancellationToken);
        SlidePhantom.Generate(folder.File("c.tiff"), options with { Seed = 12 }, cancellation: TestContext.Current.CancellationToken);

        // Tiles are made in parallel, so their order in the file varies; the pixels do not.
        Assert.Equal(Read(folder.File("a.mask.tiff"), 0), Read(folder.File("b.mask.tiff"), 0));
        Assert.Equal(Read(folder.File("a.tiff")), Read(folder.File("b.tiff")));
        Assert.NotEqual(Read(folder.File("a.tiff")), Read(folder.File("c.tiff")));
    }

    [Fact]
    public void TumourIsDarkerAndDenserThanOtherTissueAndGlassIsPale()
    {
        using var folder = TestData.CreateTempFolder();
        var result = SlidePhantom.Generate(folder.File("s.tiff"), new SlidePhantomOptions { Width = 2048, Height = 1536, TileSize = 256, Seed = 3 }, cancellation: TestContext.Current.CancellationToken);
        Assert.InRange(result.TissuePixels, 2048L * 1536 / 5, 2048L * 1536 * 4 / 5);
        Assert.InRange(result.TumourPixels, 1, result.TissuePixels / 2);

        using var slide = SlideFile.Open(result.SlidePath);
        using var mask = SlideFile.Open(result.MaskPath);
        var rgb = new byte[2048 * 1536 * 3];
        var truth = new byte[2048 * 1536];
        slide.ReadRegion(0, 0, 0, 2048, 1536, rgb);
        mask.ReadRegion(0, 0, 0, 2048, 1536, truth);
        Assert.All(truth, v => Assert.True(v is 0 or 255));

        var tissue = TissueMask.Detect(slide, TestContext.Current.CancellationToken);
        double tumourBrightness = 0, otherBrightness = 0;
        long tumourCount = 0, otherCount = 0, glassPale = 0, glassCount = 0;
        for (int i = 0; i < truth.Length; i++)
        {
            int brightness = rgb[i * 3] + rgb[(i * 3) + 1] + rgb[(i * 3) + 2];
            bool isTissue = tissue.IsTissue(i % 2048, i / 2048);
            if (truth[i] == 255)
            {
                tumourBrightness += brightness;
                tumourCount++;
            }
            else if (isTissue)
            {
                otherBrightness += brightness;
                otherCount++;
            }
            else
            {
                glassCount++;
                glassPale += brightness > 3 * 225 ? 1 : 0;
            }
        }

        Assert.True(tumourBrightness / tumourCount < (otherBrightness / otherCount) - 60, $"tumour {tumourBrightness / tumourCount:F0} vs tissue {otherBrightness / otherCount:F0}");
        Assert.True(glassPale > 0.99 * glassCount, $"{glassPale} of {glassCount} glass pixels are pale");

        // The tissue detector agrees with the phantom's own tissue area (Otsu on saturation, holes filled, one pixel grown).
        double detected = tissue.TissueFraction * 2048 * 1536;
        Assert.InRange(detected / result.TissuePixels, 0.95, 1.1);
    }

    [Fact]
    public void AnAllGlassSlideHasNoTissue()
    {
        using var folder = TestData.CreateTempFolder();
        string path = folder.File("glass.tiff");
        using (var writer = PyramidTiffWriter.Create(path, 512, 512, 3, new PyramidWriterOptions { TileSize = 256 }))
        {
            var tile = new byte[writer.TileBytes];
            var random = new Random(1);
            for (int i = 0; i < tile.Length; i++)
            {
                tile[i] = (byte)(240 + random.Next(6));
            }

            for (int r = 0; r < 2; r++)
            {
                for (int c = 0; c < 2; c++)
                {
                    writer.WriteTile(c, r, tile);
                }
            }

            writer.Commit(cancellation: TestContext.Current.CancellationToken);
        }

        using var slide = SlideFile.Open(path);
        Assert.Equal(0, TissueMask.Detect(slide, TestContext.Current.CancellationToken).TissueFraction);
    }

    private static byte[] Read(string path, int? level = null)
    {
        using var reader = SlideFile.Open(path);
        int index = level ?? (reader.LevelCount - 1);
        var info = reader.Levels[index];
        var pixels = new byte[info.Width * info.Height * reader.Channels];
        reader.ReadRegion(index, 0, 0, (int)info.Width, (int)info.Height, pixels);
        return pixels;
    }
}
