using System.Globalization;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Classical.Tests;

public class DistanceTransformTests
{
    [Fact]
    public void LowerEnvelopeOfTwoSitesWithSpacing()
    {
        // Features at 1 and 4, spacing 2 mm: squared distances (2·|q − nearest|)².
        double inf = double.PositiveInfinity;
        double[] f = [inf, 0, inf, inf, 0, inf];
        var d = new double[6];
        EuclideanDistanceTransform.LowerEnvelope(f, d, 2.0, new int[6], new double[7], new double[6]);
        Assert.Equal([4, 0, 4, 4, 0, 4], d);
    }

    [Fact]
    public void LowerEnvelopeKeepsSiteOffsets()
    {
        // f holds earlier-axis squared distances: d[q] = min_p (q − p)² + f[p], here with p = 0 (f = 9) and p = 5 (f = 0).
        double inf = double.PositiveInfinity;
        double[] f = [9, inf, inf, inf, inf, 0];
        var d = new double[6];
        EuclideanDistanceTransform.LowerEnvelope(f, d, 1.0, new int[6], new double[7], new double[6]);
        Assert.Equal([9, 10, 9, 4, 1, 0], d);
    }

    [Fact]
    public void NoFeatureGivesInfinity()
    {
        var output = new double[24];
        EuclideanDistanceTransform.ComputeSquared(new byte[24], 4, 3, 2, new Vector3D(1, 2, 3), output);
        Assert.All(output, v => Assert.Equal(double.PositiveInfinity, v));
    }

    [Fact]
    public void MatchesBruteForceWithAnisotropicSpacing()
    {
        // Independent oracle: the minimum over all feature voxels of the physical distance, by exhaustive search.
        int nx = 13, ny = 9, nz = 7;
        var spacing = new Vector3D(0.7, 1.9, 3.1);
        var random = new Random(5);
        var features = new byte[nx * ny * nz];
        for (int i = 0; i < 6; i++)
        {
            features[random.Next(features.Length)] = 1;
        }

        var output = new double[features.Length];
        EuclideanDistanceTransform.ComputeSquared(features, nx, ny, nz, spacing, output);
        for (int i = 0; i < features.Length; i++)
        {
            double best = double.PositiveInfinity;
            for (int j = 0; j < features.Length; j++)
            {
                if (features[j] != 0)
                {
                    double dx = ((i % nx) - (j % nx)) * spacing.X;
                    double dy = ((i / nx % ny) - (j / nx % ny)) * spacing.Y;
                    double dz = ((i / (nx * ny)) - (j / (nx * ny))) * spacing.Z;
                    best = Math.Min(best, (dx * dx) + (dy * dy) + (dz * dz));
                }
            }

            Assert.Equal(best, output[i], 1e-9);
        }
    }

    [Fact]
    public void ImageDistanceMapKeepsGeometryAndIsPhysical()
    {
        // One feature voxel at (2, 1, 1); spacing (0.5, 2, 3): voxel (0, 1, 1) is 1 mm away, (2, 0, 1) 2 mm, (2, 1, 0) 3 mm.
        var geometry = Masks.Geometry(ImageSize.Of3D(5, 3, 3), new Vector3D(0.5, 2, 3), TestImages.ObliqueGeometry(ImageSize.Of3D(1, 1, 1)).Direction);
        using var mask = Masks.Box(geometry, new Index3(2, 1, 1), new Index3(2, 1, 1));
        using var distances = EuclideanDistanceTransform.Compute(mask);
        ImageAssert.SameGeometry(mask, distances);
        Assert.Equal(0, distances.GetValue(2, 1, 1));
        Assert.Equal(1, distances.GetValue(0, 1, 1), 12);
        Assert.Equal(2, distances.GetValue(2, 0, 1), 12);
        Assert.Equal(3, distances.GetValue(2, 1, 0), 12);
        Assert.Equal(Math.Sqrt(1 + 4 + 9), distances.GetValue(0, 0, 0), 12);
    }

    [Fact]
    public void MatchesScipyDistanceTransformEdt()
    {
        TestData.RequirePython("numpy", "scipy");
        var size = ImageSize.Of3D(37, 29, 17);
        var spacing = new Vector3D(0.7, 1.3, 2.5);
        var features = Masks.RandomBlobs(size, spacing, seed: 11, blobs: 3, noise: 0.01);
        using var folder = TestData.CreateTempFolder();
        File.WriteAllBytes(folder.File("features.raw"), features);

        const string script = """
            import sys, numpy as np
            from scipy.ndimage import distance_transform_edt
            nx, ny, nz = (int(v) for v in sys.argv[2:5])
            sx, sy, sz = (float(v) for v in sys.argv[5:8])
            f = np.fromfile(sys.argv[1] + '/features.raw', np.uint8).reshape(nz, ny, nx).astype(bool)
            d = distance_transform_edt(~f, sampling=(sz, sy, sx))
            d.astype('<f8').tofile(sys.argv[1] + '/distances.raw')
            """;
        ProcessRunner.Python(script, [folder.Path, .. Strings(size.X, size.Y, size.Z, spacing.X, spacing.Y, spacing.Z)]);
        var expected = new double[features.Length];
        Buffer.BlockCopy(File.ReadAllBytes(folder.File("distances.raw")), 0, expected, 0, expected.Length * 8);

        var squared = new double[features.Length];
        EuclideanDistanceTransform.ComputeSquared(features, size.X, size.Y, size.Z, spacing, squared);
        int exact = 0;
        for (int i = 0; i < squared.Length; i++)
        {
            double actual = Math.Sqrt(squared[i]);
            Assert.True(Math.Abs(actual - expected[i]) <= 1e-12 * Math.Max(1, expected[i]), $"voxel {i}: {actual} vs scipy {expected[i]}");
            exact += actual == expected[i] ? 1 : 0;
        }

        // Same summation order as scipy: nearly every value is bit-identical.
        Assert.True(exact >= squared.Length * 0.999, $"{exact} of {squared.Length} bit-identical");
    }

    internal static string[] Strings(params double[] values) =>
        [.. values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))];
}
