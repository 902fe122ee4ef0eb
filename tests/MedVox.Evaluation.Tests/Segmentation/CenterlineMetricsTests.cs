using System.Globalization;
using MedVox.Evaluation.Segmentation;
using MedVox.Testing;

namespace MedVox.Evaluation.Tests.Segmentation;

/// <summary>
/// Skeletons, clDice and thin-structure sensitivity: hand-computed cases, scikit-image's documented example, and
/// scikit-image's <c>skeletonize</c> (the function the clDice reference code calls) as an oracle on random vessel trees.
/// </summary>
public class CenterlineMetricsTests
{
    /// <summary>Masks from strings: '#' is foreground, one string per row.</summary>
    private static byte[] Parse(params string[] rows)
    {
        var mask = new byte[rows.Length * rows[0].Length];
        for (int y = 0; y < rows.Length; y++)
        {
            for (int x = 0; x < rows[0].Length; x++)
            {
                mask[(y * rows[0].Length) + x] = rows[y][x] == '#' ? (byte)1 : (byte)0;
            }
        }

        return mask;
    }

    private static byte[] Band(int width, int height, int x0, int x1, int y0, int y1, byte[]? into = null)
    {
        var mask = into ?? new byte[width * height];
        for (int y = y0; y <= y1; y++)
        {
            for (int x = x0; x <= x1; x++)
            {
                mask[(y * width) + x] = 1;
            }
        }

        return mask;
    }

    [Fact]
    public void PointsAndOnePixelLinesAreTheirOwnSkeleton()
    {
        string[] rows =
        [
            "..........",
            ".#........",
            "..........",
            "...#######",
            "..........",
            "..#.......",
            "...#......",
            "....#.....",
            ".....#....",
            "..........",
        ];
        var mask = Parse(rows);
        Assert.Equal(mask, Skeletonization.Skeletonize(mask, 10, 10));
    }

    [Fact]
    public void ScikitImagesDocumentedEllipseThinsToItsAxis()
    {
        // The example of skimage.morphology.skeletonize's docstring: (X - 4)^2 / 3 + (Y - 4)^2 < 9 on a 9x9 grid
        // (X rows, Y columns) thins to column 4 of rows 3 to 6.
        var mask = new byte[81];
        var expected = new byte[81];
        for (int row = 0; row < 9; row++)
        {
            for (int column = 0; column < 9; column++)
            {
                mask[(row * 9) + column] = ((row - 4) * (row - 4) / 3.0) + ((column - 4) * (column - 4)) < 9 ? (byte)1 : (byte)0;
                expected[(row * 9) + column] = column == 4 && row is >= 3 and <= 6 ? (byte)1 : (byte)0;
            }
        }

        Assert.Equal(expected, Skeletonization.Skeletonize(mask, 9, 9));
    }

    [Fact]
    public void HalfOfALineFoundGivesClDiceTwoThirds()
    {
        // Reference: a 10-pixel line, its own skeleton. Prediction: its first 5 pixels. Topology sensitivity 5/10, the
        // prediction's skeleton lies wholly in the reference (precision 1): clDice = 2 * 0.5 * 1 / 1.5 = 2/3.
        var reference = Band(12, 12, 1, 10, 5, 5);
        var prediction = Band(12, 12, 1, 5, 5, 5);
        var cl = CenterlineDice.Compute(prediction, reference, 12, 12);
        Assert.Equal(1.0, cl.TopologyPrecision, 12);
        Assert.Equal(0.5, cl.TopologySensitivity, 12);
        Assert.Equal(2.0 / 3, cl.Value, 12);

        // A parallel line three rows away shares no pixel: both fractions and clDice are 0.
        var apart = CenterlineDice.Compute(Band(12, 12, 1, 10, 8, 8), reference, 12, 12);
        Assert.Equal(new CenterlineDice(0, 0, 0), apart);
    }

    [Fact]
    public void EmptyMasksFollowTheStatedConvention()
    {
        var empty = new byte[64];
        var line = Band(8, 8, 1, 6, 3, 3);
        Assert.Equal(1.0, CenterlineDice.Compute(empty, empty, 8, 8).Value);
        Assert.Equal(0.0, CenterlineDice.Compute(empty, line, 8, 8).Value);
        Assert.Equal(0.0, CenterlineDice.Compute(line, empty, 8, 8).Value);
        Assert.Equal(1.0, CenterlineDice.Compute(line, line, 8, 8).Value);
        Assert.Throws<ArgumentException>(() => CenterlineDice.Compute(new byte[63], line, 8, 8));
    }

    [Fact]
    public void BandsUpToTwoPixelsWideAreThinAndWiderOnesThick()
    {
        // 1-pixel line at x=2, 2-pixel band at x=5..6 (32 thin pixels with the line: 16 + 32 = 48), 3-pixel band at
        // x=9..11 and 5-pixel band at x=13..17, all of rows 2..17: the last two are thick up to their ends.
        const int N = 20;
        var mask = Band(N, N, 2, 2, 2, 17);
        Band(N, N, 5, 6, 2, 17, mask);
        Band(N, N, 9, 11, 2, 17, mask);
        Band(N, N, 13, 17, 2, 17, mask);
        var expected = Band(N, N, 2, 2, 2, 17);
        Band(N, N, 5, 6, 2, 17, expected);
        Assert.Equal(expected, ThinStructures.Mask(mask, N, N));

        var bars = Band(N, N, 9, 11, 2, 17);
        Band(N, N, 13, 17, 2, 17, bars);
        Assert.Equal(0.0, ThinStructures.Sensitivity(bars, mask, N, N));
        Assert.Equal(1.0, ThinStructures.Sensitivity(mask, mask, N, N));
        Assert.Equal(16.0 / 48, ThinStructures.Sensitivity(Band(N, N, 2, 2, 2, 17), mask, N, N), 12);
        Assert.True(double.IsNaN(ThinStructures.Sensitivity(mask, bars, N, N)), "no thin reference pixel");
    }

    [Fact]
    public void ADiagonalLineIsThinAndADiscThick()
    {
        const int N = 24;
        var mask = new byte[N * N];
        for (int i = 2; i < 12; i++)
        {
            mask[(i * N) + i] = 1;
            mask[(i * N) + i + 1] = 1;
        }

        var disc = new byte[N * N];
        for (int y = 0; y < N; y++)
        {
            for (int x = 0; x < N; x++)
            {
                disc[(y * N) + x] = ((x - 17) * (x - 17)) + ((y - 17) * (y - 17)) <= 16 ? (byte)1 : (byte)0;
            }
        }

        var thinLine = ThinStructures.Mask(mask, N, N);
        Assert.Equal(mask, thinLine);
        Assert.All(ThinStructures.Mask(disc, N, N), v => Assert.Equal(0, v));
    }

    [Theory]
    [InlineData(1, 64, 48)]
    [InlineData(2, 96, 96)]
    [InlineData(3, 128, 80)]
    public void SkeletonsEqualScikitImages(int seed, int width, int height)
    {
        TestData.RequirePython("numpy", "skimage");
        var mask = RandomTree(seed, width, height);
        using var folder = TestData.CreateTempFolder();
        File.WriteAllBytes(folder.File("mask.raw"), mask);
        ProcessRunner.Python(
            """
            import sys, numpy as np
            from skimage.morphology import skeletonize
            folder, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
            m = np.fromfile(folder + '/mask.raw', np.uint8).reshape(h, w)
            skeletonize(m > 0).astype(np.uint8).tofile(folder + '/skeleton.raw')
            """,
            folder.Path, width.ToString(CultureInfo.InvariantCulture), height.ToString(CultureInfo.InvariantCulture));
        var expected = File.ReadAllBytes(folder.File("skeleton.raw"));
        var skeleton = Skeletonization.Skeletonize(mask, width, height);
        int differing = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            differing += expected[i] != skeleton[i] ? 1 : 0;
        }

        Assert.True(skeleton.Count(v => v != 0) > 20, "the tree has a skeleton to compare");
        Assert.True(differing == 0, $"{differing} of {expected.Count(v => v != 0)} skeleton pixels differ from skimage's");
    }

    [Fact]
    public void ClDiceEqualsTheReferenceFormulaWithScikitImageSkeletons()
    {
        TestData.RequirePython("numpy", "skimage");
        const int W = 96, H = 80;
        var reference = RandomTree(7, W, H);
        var prediction = RandomTree(8, W, H);
        for (int i = 0; i < reference.Length; i += 3)
        {
            prediction[i] |= reference[i];
        }

        using var folder = TestData.CreateTempFolder();
        File.WriteAllBytes(folder.File("p.raw"), prediction);
        File.WriteAllBytes(folder.File("r.raw"), reference);
        // The clDice authors' numpy definition (cl_score and clDice of their repository).
        string output = ProcessRunner.Python(
            """
            import sys, numpy as np
            from skimage.morphology import skeletonize
            folder, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
            p = np.fromfile(folder + '/p.raw', np.uint8).reshape(h, w) > 0
            r = np.fromfile(folder + '/r.raw', np.uint8).reshape(h, w) > 0
            def cl_score(v, s):
                return np.sum(v * s) / np.sum(s)
            tprec = cl_score(r, skeletonize(p))
            tsens = cl_score(p, skeletonize(r))
            print(repr(tprec), repr(tsens), repr(2 * tprec * tsens / (tprec + tsens)))
            """,
            folder.Path, W.ToString(CultureInfo.InvariantCulture), H.ToString(CultureInfo.InvariantCulture));
        var values = output.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var cl = CenterlineDice.Compute(prediction, reference, W, H);
        Assert.Equal(values[0], cl.TopologyPrecision, 12);
        Assert.Equal(values[1], cl.TopologySensitivity, 12);
        Assert.Equal(values[2], cl.Value, 12);
        Assert.InRange(cl.Value, 0.05, 0.95);
    }

    /// <summary>Random branching tubes of radius 0.5 to 4 pixels plus a few blobs: vessel-like shapes with holes and junctions.</summary>
    private static byte[] RandomTree(int seed, int width, int height)
    {
        var random = new Random(seed);
        var mask = new byte[width * height];
        for (int s = 0; s < 12; s++)
        {
            double x0 = random.NextDouble() * width, y0 = random.NextDouble() * height;
            double x1 = random.NextDouble() * width, y1 = random.NextDouble() * height;
            double r0 = 0.5 + (random.NextDouble() * 3.5), r1 = 0.5 + (random.NextDouble() * 2);
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    double ax = x1 - x0, ay = y1 - y0;
                    double t = Math.Clamp((((x - x0) * ax) + ((y - y0) * ay)) / ((ax * ax) + (ay * ay)), 0, 1);
                    double ex = x - x0 - (t * ax), ey = y - y0 - (t * ay);
                    double r = r0 + (t * (r1 - r0));
                    if ((ex * ex) + (ey * ey) <= r * r)
                    {
                        mask[(y * width) + x] = 1;
                    }
                }
            }
        }

        for (int b = 0; b < 3; b++)
        {
            double cx = random.NextDouble() * width, cy = random.NextDouble() * height, r = 3 + (random.NextDouble() * 6);
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    if (((x - cx) * (x - cx)) + ((y - cy) * (y - cy)) <= r * r)
                    {
                        mask[(y * width) + x] = 1;
                    }
                }
            }
        }

        return mask;
    }
}
