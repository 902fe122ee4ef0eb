using MedVox.Testing;

namespace MedVox.Slides.Tests;

/// <summary>Small pyramids with pixels known in closed form, and helpers shared by the slide tests.</summary>
internal static class TestSlides
{
    /// <summary>The pattern's value of channel <paramref name="k"/> at level-0 pixel (<paramref name="x"/>, <paramref name="y"/>): gradients plus a xor texture, every byte value used.</summary>
    public static byte Pattern(int x, int y, int k) => (byte)(((x / 3) + ((y / 5) * (k + 1)) + (((x * 7) ^ (y * 13)) & 15) + (k * 40)) & 255);

    /// <summary>Writes the pattern as a pyramid, level-0 tiles in reverse order (the writer takes any order).</summary>
    public static string WritePattern(string path, int width, int height, int channels, PyramidWriterOptions options)
    {
        using var writer = PyramidTiffWriter.Create(path, width, height, channels, options);
        var tile = new byte[writer.TileBytes];
        int t = writer.TileSize;
        for (int index = (writer.Columns * writer.Rows) - 1; index >= 0; index--)
        {
            int column = index % writer.Columns, row = index / writer.Columns;
            FillPattern(tile, column * t, row * t, t, channels);
            writer.WriteTile(column, row, tile);
        }

        writer.Commit(cancellation: TestContext.Current.CancellationToken);
        return path;
    }

    public static void FillPattern(byte[] tile, int x0, int y0, int t, int channels)
    {
        for (int y = 0; y < t; y++)
        {
            for (int x = 0; x < t; x++)
            {
                for (int k = 0; k < channels; k++)
                {
                    tile[(((y * t) + x) * channels) + k] = Pattern(x0 + x, y0 + y, k);
                }
            }
        }
    }

    /// <summary>Fails under CI, skips elsewhere, when libopenslide cannot be loaded.</summary>
    public static void RequireOpenSlide()
    {
        TestData.RequireTool("openslide-show-properties", "openslide-tools");
        if (!OpenSlideReader.IsAvailable)
        {
            if (TestData.IsCi)
            {
                Assert.Fail("libopenslide cannot be loaded; under CI=true conformance tests must run: apt-get install libopenslide0");
            }

            Assert.Skip("libopenslide cannot be loaded: apt-get install libopenslide0");
        }
    }
}
