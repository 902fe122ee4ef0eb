using System.Globalization;
using MedVox.Slides.Synthetic;
using MedVox.Testing;

namespace MedVox.Slides.Tests;

/// <summary>The LibTiff.NET reader against OpenSlide (through MedVox's binding and through Debian's python3-openslide) on the same files.</summary>
public class OpenSlideAgreementTests
{
    private static (byte[] Ours, byte[] Theirs) ReadBoth(string path, int level, long x, long y, int width, int height)
    {
        using var tiff = TiffSlideReader.Open(path);
        using var openslide = OpenSlideReader.Open(path);
        Assert.Equal(tiff.Levels.Select(l => (l.Width, l.Height)), openslide.Levels.Select(l => (l.Width, l.Height)));
        var ours = new byte[width * height * 3];
        var theirs = new byte[ours.Length];
        tiff.ReadRegion(level, x, y, width, height, ours);
        openslide.ReadRegion(level, x, y, width, height, theirs);
        return (ours, theirs);
    }

    [Theory]
    [InlineData(0, 301, 257, 700, 420)]
    [InlineData(1, 77, 50, 500, 300)]
    public void DeflatePhantomRegionsArePixelIdentical(int level, long x, long y, int width, int height)
    {
        TestSlides.RequireOpenSlide();
        using var folder = TestData.CreateTempFolder();
        string path = folder.File("slide.tiff");
        SlidePhantom.Generate(path, new SlidePhantomOptions { Width = 2048, Height = 1536, TileSize = 256, Compression = TileCompression.Deflate, Seed = 4 }, cancellation: TestContext.Current.CancellationToken);

        var (ours, theirs) = ReadBoth(path, level, x, y, width, height);

        Assert.True(ours.AsSpan().SequenceEqual(theirs), $"level {level}: {ours.Zip(theirs).Count(p => p.First != p.Second)} bytes differ");
    }

    [Fact]
    public void JpegPhantomRegionsAgreeWithinOneGreyLevel()
    {
        TestSlides.RequireOpenSlide();
        using var folder = TestData.CreateTempFolder();
        string path = folder.File("slide.tiff");
        SlidePhantom.Generate(path, new SlidePhantomOptions { Width = 2048, Height = 1536, TileSize = 256, Compression = TileCompression.Jpeg, Seed = 4 }, cancellation: TestContext.Current.CancellationToken);

        var (ours, theirs) = ReadBoth(path, 0, 301, 257, 700, 420);

        // Both decode the same JPEG streams (4:4:4, no chroma upsampling); the two libjpeg generations' inverse DCTs
        // round a small fraction of pixels differently.
        int worst = 0, differing = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            int d = Math.Abs(ours[i] - theirs[i]);
            worst = Math.Max(worst, d);
            differing += d > 0 ? 1 : 0;
        }

        Assert.InRange(worst, 0, 1);
        Assert.InRange(differing, 0, ours.Length / 100);
    }

    [Fact]
    public void PythonOpenSlideReadsTheSamePixels()
    {
        TestSlides.RequireOpenSlide();
        string python = TestData.RequirePython("openslide", "numpy");
        using var folder = TestData.CreateTempFolder();
        string path = folder.File("slide.tiff");
        SlidePhantom.Generate(path, new SlidePhantomOptions { Width = 1536, Height = 1024, TileSize = 256, Compression = TileCompression.Deflate, Seed = 9 }, cancellation: TestContext.Current.CancellationToken);
        string raw = folder.File("region.raw");

        // read_region takes level-0 coordinates: (222, 130) at level 1 is (444, 260).
        var (code, _, error) = ProcessRunner.Run(python, ["-c", """
            import sys, numpy as np, openslide
            s = openslide.OpenSlide(sys.argv[1])
            a = np.asarray(s.read_region((444, 260), 1, (400, 300)))
            assert a[:, :, 3].min() == 255
            a[:, :, :3].tofile(sys.argv[2])
            """, path, raw]);
        Assert.True(code == 0, error);

        using var reader = TiffSlideReader.Open(path);
        var ours = new byte[400 * 300 * 3];
        reader.ReadRegion(1, 222, 130, 400, 300, ours);
        Assert.True(ours.AsSpan().SequenceEqual(File.ReadAllBytes(raw)));
    }

    [Fact]
    public void AperioStyleSlideIsReadAsSvsWithItsMicronsPerPixel()
    {
        TestSlides.RequireOpenSlide();
        using var folder = TestData.CreateTempFolder();
        string path = folder.File("slide.svs");
        SlidePhantom.Generate(path, new SlidePhantomOptions { Width = 1536, Height = 1024, TileSize = 256, MicronsPerPixel = 0.2527, AperioDescription = true, Seed = 2 }, cancellation: TestContext.Current.CancellationToken);

        using var tiff = TiffSlideReader.Open(path);
        using var openslide = OpenSlideReader.Open(path);
        Assert.StartsWith("aperio", tiff.Format, StringComparison.Ordinal);
        Assert.Equal("openslide (aperio)", openslide.Format);
        Assert.Equal(0.2527, tiff.MicronsPerPixel!.Value.X, 9);
        Assert.Equal(0.2527, openslide.MicronsPerPixel!.Value.X, 9);
        Assert.Equal("0.2527", openslide.Properties["aperio.MPP"]);
        Assert.Equal(openslide.Levels.Select(l => (l.Width, l.Height)), tiff.Levels.Select(l => (l.Width, l.Height)));
        Assert.Equal(openslide.Levels[1].Downsample.ToString(CultureInfo.InvariantCulture), tiff.Levels[1].Downsample.ToString(CultureInfo.InvariantCulture));
    }
}
