using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Classical.Tests;

public class FilterTests
{
    [Theory]
    [InlineData(37, 29, 17, 1.3, 2.0, 4.5)]
    [InlineData(9, 5, 3, 2.5, 4.0, 9.0)]
    public void GaussianMatchesScipyWithSigmasInMm(int nx, int ny, int nz, double sx, double sy, double sz)
    {
        // Sigmas in mm over anisotropic spacing; the second grid is smaller than the kernels, so the mirror repeats.
        TestData.RequirePython("numpy", "scipy");
        var size = ImageSize.Of3D(nx, ny, nz);
        var spacing = new Vector3D(0.8, 1.25, 3.0);
        var sigma = new Vector3D(sx, sy, sz);
        var values = RandomValues(size, seed: nx);
        using var folder = TestData.CreateTempFolder();
        Oracle.Write<double>(folder.File("image.raw"), values);
        const string script = """
            import sys, numpy as np
            from scipy import ndimage
            f = sys.argv[1]; nx, ny, nz = (int(v) for v in sys.argv[2:5]); sx, sy, sz, gx, gy, gz = (float(v) for v in sys.argv[5:11])
            a = np.fromfile(f + '/image.raw', '<f8').reshape(nz, ny, nx)
            ndimage.gaussian_filter(a, sigma=(gz / sz, gy / sy, gx / sx)).astype('<f8').tofile(f + '/smooth.raw')
            """;
        Oracle.Run(folder, script, nx, ny, nz, spacing.X, spacing.Y, spacing.Z, sigma.X, sigma.Y, sigma.Z);
        var expected = Oracle.Read<double>(folder.File("smooth.raw"));
        using var image = Image.FromPixels<double>(Masks.Geometry(size, spacing, TestImages.ObliqueGeometry(size).Direction), values);
        using var smooth = GaussianFilter.Smooth(image, sigma);
        ImageAssert.SameGeometry(image, smooth);
        Assert.Equal(ElementType.Float32, smooth.ElementType);
        var actual = smooth.AsSpan<float>();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) < 2e-3, $"voxel {i}: {actual[i]} vs scipy {expected[i]}");
        }
    }

    [Fact]
    public void GaussianKeepsConstantsAndSkipsZeroSigma()
    {
        var geometry = Masks.Geometry(ImageSize.Of3D(8, 6, 5), new Vector3D(1, 1, 2));
        using var constant = Masks.Create(geometry, (_, _, _) => 7, ElementType.Int16);
        using var smooth = GaussianFilter.Smooth(constant, 3.0);
        Assert.All(smooth.AsSpan<float>().ToArray(), v => Assert.Equal(7f, v, 5));

        // Sigma 0 along x and y: each (x, y) column is smoothed along z only, so a plane x = 3 stays a plane.
        using var plane = Masks.Create(geometry, (x, _, _) => x == 3 ? 100 : 0, ElementType.Int16);
        using var alongZ = GaussianFilter.Smooth(plane, new Vector3D(0, 0, 4));
        Assert.Equal(100, alongZ.GetValue(3, 2, 2), 4);
        Assert.Equal(0, alongZ.GetValue(2, 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussianFilter.Smooth(plane, -1));
    }

    [Fact]
    public void MedianMatchesScipy()
    {
        // Radius 1.3 mm over spacing (0.6, 1.2, 2.5) gives 2, 1 and 0 voxels: a 5 x 3 x 1 window (size (1, 3, 5) in numpy).
        TestData.RequirePython("numpy", "scipy");
        var size = ImageSize.Of3D(23, 19, 7);
        var spacing = new Vector3D(0.6, 1.2, 2.5);
        var random = new Random(8);
        var values = new short[size.VoxelCount];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (short)random.Next(-1000, 1500);
        }

        using var folder = TestData.CreateTempFolder();
        Oracle.Write<short>(folder.File("image.raw"), values);
        const string script = """
            import sys, numpy as np
            from scipy import ndimage
            f = sys.argv[1]; nx, ny, nz = (int(v) for v in sys.argv[2:5])
            a = np.fromfile(f + '/image.raw', '<i2').reshape(nz, ny, nx)
            ndimage.median_filter(a, size=(1, 3, 5)).astype('<i2').tofile(f + '/median.raw')
            ndimage.median_filter(a, size=(3, 3, 3)).astype('<i2').tofile(f + '/cube.raw')
            """;
        Oracle.Run(folder, script, size.X, size.Y, size.Z);
        using var image = Image.FromPixels<short>(Masks.Geometry(size, spacing), values);
        using var median = MedianFilter.Apply(image, 1.3);
        Assert.Equal(ElementType.Int16, median.ElementType);
        Assert.Equal(Oracle.Read<short>(folder.File("median.raw")), Oracle.Pixels<short>(median));
        using var cube = MedianFilter.Apply(image, new Vector3D(0.6, 1.2, 2.5));
        Assert.Equal(Oracle.Read<short>(folder.File("cube.raw")), Oracle.Pixels<short>(cube));
        Assert.Throws<ArgumentOutOfRangeException>(() => MedianFilter.Apply(image, 30));
    }

    [Fact]
    public void MedianRemovesSaltAndPepper()
    {
        var geometry = Masks.Geometry(ImageSize.Of3D(9, 9, 9), Vector3D.One);
        using var image = Masks.Create(geometry, (x, y, z) => (x, y, z) == (4, 4, 4) ? 1000 : (x, y, z) == (1, 2, 3) ? -1000 : 50, ElementType.Int16);
        using var median = MedianFilter.Apply(image, 1);
        Assert.All(median.AsSpan<short>().ToArray(), v => Assert.Equal(50, v));
    }

    private static double[] RandomValues(ImageSize size, int seed)
    {
        var random = new Random(seed);
        var values = new double[size.VoxelCount];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (random.NextDouble() * 400) - 100;
        }

        return values;
    }
}
