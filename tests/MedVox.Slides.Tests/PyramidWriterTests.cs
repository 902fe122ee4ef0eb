using MedVox.Testing;

namespace MedVox.Slides.Tests;

public class PyramidWriterTests
{
    /// <summary>The documented reduction: 2x2 mean rounded half up; an odd last row or column averages with itself.</summary>
    private static byte[] Reduce(byte[] below, int width, int height, int channels, out int outWidth, out int outHeight)
    {
        outWidth = (width + 1) / 2;
        outHeight = (height + 1) / 2;
        var result = new byte[outWidth * outHeight * channels];
        for (int y = 0; y < outHeight; y++)
        {
            for (int x = 0; x < outWidth; x++)
            {
                int x1 = 2 * x, x2 = Math.Min((2 * x) + 1, width - 1), y1 = 2 * y, y2 = Math.Min((2 * y) + 1, height - 1);
                for (int k = 0; k < channels; k++)
                {
                    int sum = below[(((y1 * width) + x1) * channels) + k] + below[(((y1 * width) + x2) * channels) + k]
                        + below[(((y2 * width) + x1) * channels) + k] + below[(((y2 * width) + x2) * channels) + k];
                    result[(((y * outWidth) + x) * channels) + k] = (byte)((sum + 2) / 4);
                }
            }
        }

        return result;
    }

    private static byte[] PatternImage(int width, int height, int channels)
    {
        var pixels = new byte[width * height * channels];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                for (int k = 0; k < channels; k++)
                {
                    pixels[(((y * width) + x) * channels) + k] = TestSlides.Pattern(x, y, k);
                }
            }
        }

        return pixels;
    }

    [Theory]
    [InlineData(3)]
    [InlineData(1)]
    public void DeflatePyramidReadsBackExactlyAtEveryLevel(int channels)
    {
        using var folder = TestData.CreateTempFolder();
        // Odd sizes: partial edge tiles and odd reductions.
        int width = 1001, height = 771;
        string path = TestSlides.WritePattern(folder.File("p.tiff"), width, height, channels, new PyramidWriterOptions { TileSize = 128, MicronsPerPixel = 0.25 });

        using var reader = TiffSlideReader.Open(path);
        Assert.Equal(channels, reader.Channels);
        Assert.Equal(0.25, reader.MicronsPerPixel!.Value.X, 9);
        Assert.Equal(0.25, reader.MicronsPerPixel!.Value.Y, 9);

        // 1001x771 -> 501x386 -> 251x193 (stops: the next level would be narrower than a 128-pixel tile... 126x97).
        Assert.Equal([1001L, 501, 251], reader.Levels.Select(l => l.Width));
        Assert.Equal([771L, 386, 193], reader.Levels.Select(l => l.Height));

        var expected = PatternImage(width, height, channels);
        int w = width, h = height;
        for (int level = 0; level < reader.LevelCount; level++)
        {
            var actual = new byte[w * h * channels];
            reader.ReadRegion(level, 0, 0, w, h, actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"level {level} differs");
            expected = Reduce(expected, w, h, channels, out w, out h);
        }
    }

    [Fact]
    public void RegionsOutsideTheLevelReadAsTheFill()
    {
        using var folder = TestData.CreateTempFolder();
        string path = TestSlides.WritePattern(folder.File("p.tiff"), 300, 200, 3, new PyramidWriterOptions { TileSize = 64 });
        using var reader = TiffSlideReader.Open(path);

        var region = new byte[20 * 10 * 3];
        reader.ReadRegion(0, 290, -5, 20, 10, region, fill: 7);

        for (int y = 0; y < 10; y++)
        {
            for (int x = 0; x < 20; x++)
            {
                int gx = 290 + x, gy = y - 5;
                bool inside = gx < 300 && gy >= 0;
                for (int k = 0; k < 3; k++)
                {
                    Assert.Equal(inside ? TestSlides.Pattern(gx, gy, k) : 7, region[(((y * 20) + x) * 3) + k]);
                }
            }
        }
    }

    [Fact]
    public void JpegTilesStayCloseToTheSource()
    {
        using var folder = TestData.CreateTempFolder();
        string path = TestSlides.WritePattern(folder.File("j.tiff"), 512, 384, 3, new PyramidWriterOptions { TileSize = 128, Compression = TileCompression.Jpeg, JpegQuality = 95 });
        using var reader = TiffSlideReader.Open(path);
        var actual = new byte[512 * 384 * 3];
        reader.ReadRegion(0, 0, 0, 512, 384, actual);
        var expected = PatternImage(512, 384, 3);

        double sum = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            sum += Math.Abs(actual[i] - expected[i]);
        }

        // The xor texture is hard for JPEG; at quality 95 the mean error stays a few grey levels.
        Assert.InRange(sum / actual.Length, 0.0, 4.0);
    }

    [Fact]
    public void TiffinfoAndOpenSlideReadThePyramid()
    {
        string tiffinfo = TestData.RequireTool("tiffinfo", "libtiff-tools");
        string properties = TestData.RequireTool("openslide-show-properties", "openslide-tools");
        using var folder = TestData.CreateTempFolder();
        foreach (var compression in new[] { TileCompression.Deflate, TileCompression.Jpeg })
        {
            string path = TestSlides.WritePattern(folder.File($"{compression}.tiff"), 1000, 600, 3, new PyramidWriterOptions { TileSize = 256, Compression = compression });

            var (code, output, error) = ProcessRunner.Run(tiffinfo, [path]);
            Assert.True(code == 0, error);
            Assert.DoesNotContain("rror", output + error, StringComparison.Ordinal);
            Assert.Contains("Image Width: 1000 Image Length: 600", output, StringComparison.Ordinal);
            Assert.Contains("Image Width: 500 Image Length: 300", output, StringComparison.Ordinal);
            Assert.Contains("reduced-resolution image", output, StringComparison.Ordinal);
            Assert.Contains(compression == TileCompression.Jpeg ? "Compression Scheme: JPEG" : "Compression Scheme: AdobeDeflate", output, StringComparison.Ordinal);

            (code, output, error) = ProcessRunner.Run(properties, [path]);
            Assert.True(code == 0, error);
            Assert.Contains("openslide.vendor: 'generic-tiff'", output, StringComparison.Ordinal);
            Assert.Contains("openslide.level-count: '2'", output, StringComparison.Ordinal);
            Assert.Contains("openslide.level[1].width: '500'", output, StringComparison.Ordinal);
            Assert.Contains("openslide.level[0].tile-width: '256'", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TileCacheStaysWithinItsBudget()
    {
        using var folder = TestData.CreateTempFolder();
        string path = TestSlides.WritePattern(folder.File("p.tiff"), 1024, 1024, 3, new PyramidWriterOptions { TileSize = 128 });
        long budget = 5 * 128 * 128 * 3;
        using var reader = TiffSlideReader.Open(path, budget);
        var region = new byte[1024 * 1024 * 3];

        reader.ReadRegion(0, 0, 0, 1024, 1024, region);
        reader.ReadRegion(0, 0, 0, 1024, 1024, region);

        Assert.InRange(reader.Cache.SizeBytes, 1, budget);
        Assert.Equal(TestSlides.Pattern(1000, 1000, 2), region[((1000 * 1024) + 1000) * 3 + 2]);

        // A small region read twice is served from the cache the second time.
        long misses = reader.Cache.Misses;
        reader.ReadRegion(0, 10, 10, 50, 50, region);
        reader.ReadRegion(0, 10, 10, 50, 50, region);
        Assert.Equal(misses + 1, reader.Cache.Misses);
    }

    [Fact]
    public void AnUncommittedWriterLeavesNothingUnderTheTargetName()
    {
        using var folder = TestData.CreateTempFolder();
        string path = folder.File("out.tiff");
        using (var writer = PyramidTiffWriter.Create(path, 600, 400, 1, new PyramidWriterOptions { TileSize = 128 }))
        {
            writer.WriteTile(0, 0, new byte[writer.TileBytes]);
        }

        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void AResumedWriterEndsWithTheFileOfAnUninterruptedOne()
    {
        using var folder = TestData.CreateTempFolder();
        var options = new PyramidWriterOptions { TileSize = 64, Resumable = true, ResumeKey = "k" };
        string straight = TestSlides.WritePattern(folder.File("straight.tiff"), 300, 200, 3, options);

        string path = folder.File("resumed.tiff");
        var tile = new byte[64 * 64 * 3];
        using (var writer = PyramidTiffWriter.Create(path, 300, 200, 3, options))
        {
            for (int row = 0; row < 2; row++)
            {
                for (int column = 0; column < writer.Columns; column++)
                {
                    TestSlides.FillPattern(tile, column * 64, row * 64, 64, 3);
                    writer.WriteTile(column, row, tile);
                }
            }

            // Interrupted here: disposed without Commit.
        }

        Assert.False(File.Exists(path));
        Assert.True(File.Exists(PyramidTiffWriter.PartialPathFor(path)));

        // A different resume key starts over instead of mixing inputs.
        using (var other = PyramidTiffWriter.Create(folder.File("other.tiff"), 300, 200, 3, options with { ResumeKey = "x" }))
        {
            Assert.Equal(0, other.TilesWritten);
        }

        using (var writer = PyramidTiffWriter.Create(path, 300, 200, 3, options))
        {
            Assert.Equal(2 * writer.Columns, writer.TilesWritten);
            Assert.True(writer.HasTile(writer.Columns - 1, 1));
            Assert.False(writer.HasTile(0, 2));
            for (int row = 2; row < writer.Rows; row++)
            {
                for (int column = 0; column < writer.Columns; column++)
                {
                    TestSlides.FillPattern(tile, column * 64, row * 64, 64, 3);
                    writer.WriteTile(column, row, tile);
                }
            }

            writer.Commit(cancellation: TestContext.Current.CancellationToken);
        }

        Assert.False(File.Exists(PyramidTiffWriter.PartialPathFor(path)));
        Assert.False(File.Exists(PyramidTiffWriter.PartialPathFor(path) + ".journal"));
        using var a = TiffSlideReader.Open(straight);
        using var b = TiffSlideReader.Open(path);
        Assert.Equal(a.LevelCount, b.LevelCount);
        for (int level = 0; level < a.LevelCount; level++)
        {
            var info = a.Levels[level];
            var pa = new byte[info.Width * info.Height * 3];
            var pb = new byte[pa.Length];
            a.ReadRegion(level, 0, 0, (int)info.Width, (int)info.Height, pa);
            b.ReadRegion(level, 0, 0, (int)info.Width, (int)info.Height, pb);
            Assert.True(pa.AsSpan().SequenceEqual(pb), $"level {level} differs");
        }
    }

    [Fact]
    public void AllZeroTilesAreStoredOnce()
    {
        using var folder = TestData.CreateTempFolder();
        string path = folder.File("zeros.tiff");
        using (var writer = PyramidTiffWriter.Create(path, 4096, 4096, 1, new PyramidWriterOptions { TileSize = 256 }))
        {
            writer.WriteTile(3, 3, Enumerable.Repeat((byte)200, writer.TileBytes).ToArray());
            writer.Commit(cancellation: TestContext.Current.CancellationToken);
        }

        // 256 level-0 tiles and 4 reduced levels; only a handful of distinct tiles, so a few kilobytes.
        Assert.InRange(new FileInfo(path).Length, 1, 64 * 1024);
        using var reader = TiffSlideReader.Open(path);
        var pixel = new byte[1];
        reader.ReadRegion(0, 800, 800, 1, 1, pixel);
        Assert.Equal(200, pixel[0]);
        reader.ReadRegion(0, 2000, 100, 1, 1, pixel);
        Assert.Equal(0, pixel[0]);
    }
}
