using MedVox.Slides.Models;
using MedVox.Testing;

namespace MedVox.Slides.Tests;

public class TileBlenderTests
{
    /// <summary>
    /// Windows that all predict the same smooth function of slide position must blend back to exactly that function:
    /// the weights of overlapping windows sum to one everywhere, at the slide's edges too, and each window's pixels land
    /// where they belong.
    /// </summary>
    [Theory]
    [InlineData(64, 16)]
    [InlineData(64, 32)]
    [InlineData(48, 0)]
    public void ConsistentWindowsBlendBackToTheirCommonValue(int tile, int overlap)
    {
        using var folder = TestData.CreateTempFolder();
        int width = (3 * tile) - 5, height = (2 * tile) + 7;
        static float Value(long x, long y) => ((x * 3) + (y * 2)) % 251 / 255f;
        using (var writer = PyramidTiffWriter.Create(folder.File("p.tiff"), width, height, 1, new PyramidWriterOptions { TileSize = tile }))
        {
            var blender = new TileBlender(writer, tile, overlap, writer.Columns, writer.Rows, firstRow: 0);
            int window = tile + (2 * overlap);
            var prediction = new float[window * window];
            for (int row = 0; row < writer.Rows; row++)
            {
                for (int column = 0; column < writer.Columns; column++)
                {
                    for (int y = 0; y < window; y++)
                    {
                        for (int x = 0; x < window; x++)
                        {
                            prediction[(y * window) + x] = Value(((long)column * tile) - overlap + x, ((long)row * tile) - overlap + y);
                        }
                    }

                    blender.Add(column, row, prediction);
                }

                blender.FlushRowsBefore(row);
            }

            blender.FlushRowsBefore(writer.Rows);
            Assert.Equal(writer.Columns * writer.Rows, writer.TilesWritten);
            writer.Commit(cancellation: TestContext.Current.CancellationToken);
        }

        using var reader = SlideFile.Open(folder.File("p.tiff"));
        var pixels = new byte[width * height];
        reader.ReadRegion(0, 0, 0, width, height, pixels);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int expected = (int)MathF.Round(Value(x, y) * 255);
                Assert.True(Math.Abs(pixels[(y * width) + x] - expected) <= 1, $"({x}, {y}): {pixels[(y * width) + x]} instead of {expected}");
            }
        }
    }

    [Fact]
    public void AMissingNeighbourFadesToZeroAcrossTheSharedStrip()
    {
        using var folder = TestData.CreateTempFolder();
        const int Tile = 64, Overlap = 16;
        using (var writer = PyramidTiffWriter.Create(folder.File("p.tiff"), 2 * Tile, Tile, 1, new PyramidWriterOptions { TileSize = Tile }))
        {
            var blender = new TileBlender(writer, Tile, Overlap, 2, 1, firstRow: 0);
            int window = Tile + (2 * Overlap);
            blender.Add(0, 0, Enumerable.Repeat(1f, window * window).ToArray());
            blender.FlushRowsBefore(1);
            writer.Commit(cancellation: TestContext.Current.CancellationToken);
        }

        using var reader = SlideFile.Open(folder.File("p.tiff"));
        var row = new byte[2 * Tile];
        reader.ReadRegion(0, 0, 10, 2 * Tile, 1, row);

        // Full weight up to the strip [48, 80), a linear ramp down across it, nothing beyond.
        Assert.All(row[..48].ToArray(), v => Assert.Equal(255, v));
        for (int x = 48; x < 80; x++)
        {
            Assert.Equal((int)MathF.Round((1 - ((x - 48 + 0.5f) / 32)) * 255), row[x]);
        }

        Assert.All(row[80..].ToArray(), v => Assert.Equal(0, v));
    }
}
