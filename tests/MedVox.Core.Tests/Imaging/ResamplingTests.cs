using System.Globalization;
using System.Runtime.InteropServices;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Core.Tests.Imaging;

public class ResamplingTests
{
    [Fact]
    public void NewSizeFollowsNnUNetRoundingHalfToEven()
    {
        var size = ImageSize.Of3D(5, 7, 9);
        var spacing = new Vector3D(0.5, 0.75, 3);

        // 5 * 0.5 / 1 = 2.5 -> 2 (numpy rounds half to even); 7 * 0.75 / 1 = 5.25 -> 5; 9 * 3 / 1.2 = 22.5 -> 22.
        var result = Resampling.SizeForSpacing(size, spacing, new Vector3D(1, 1, 1.2));

        Assert.Equal(ImageSize.Of3D(2, 5, 22), result);
    }

    [Fact]
    public void GeometryKeepsTheExtentAndReportsTheExactSpacing()
    {
        var size = ImageSize.Of3D(10, 12, 7);
        var geometry = TestImages.ObliqueGeometry(size);

        var resampled = Resampling.GeometryForSpacing(geometry, new Vector3D(1.0, 1.0, 1.0));

        // 10 * 0.7 = 7 voxels, 12 * 0.8 = 9.6 -> 10, 7 * 2.5 = 17.5 -> 18.
        Assert.Equal(ImageSize.Of3D(7, 10, 18), resampled.Size);
        Assert.Equal(new Vector3D(0.7 * 10 / 7, 0.8 * 12 / 10, 2.5 * 7 / 18).X, resampled.Spacing.X, 12);
        Assert.Equal(0.8 * 12 / 10, resampled.Spacing.Y, 12);
        Assert.Equal(2.5 * 7 / 18, resampled.Spacing.Z, 12);
        Assert.True(Matrix3D.MaxAbsDifference(geometry.Direction, resampled.Direction) == 0);

        // The corners of the voxel boxes (index -0.5 and size - 0.5) are the same physical points.
        AssertClose(geometry.IndexToPhysical(-0.5, -0.5, -0.5), resampled.IndexToPhysical(-0.5, -0.5, -0.5));
        AssertClose(geometry.IndexToPhysical(9.5, 11.5, 6.5), resampled.IndexToPhysical(6.5, 9.5, 17.5));
    }

    [Fact]
    public void LinearInterpolationReproducesALinearRampExactly()
    {
        // f = 3x - 2y + 5z + 1 on a 9x8x6 grid, upsampled in x, downsampled in y, z anisotropically resampled.
        var size = ImageSize.Of3D(9, 8, 6);
        var geometry = new ImageGeometry(size, new Vector3D(1, 1.5, 2), Vector3D.Zero, Matrix3D.Identity);
        using var image = Image.Create(geometry, ElementType.Float64);
        Fill(image, (x, y, z) => (3 * x) - (2 * y) + (5 * z) + 1);

        using var result = image.ResampleToSpacing(new Vector3D(0.4, 2.2, 1.3));

        Assert.Equal(ElementType.Float64, result.ElementType);
        var inSize = image.Size;
        var outSize = result.Size;
        for (int z = 0; z < outSize.Z; z++)
        {
            for (int y = 0; y < outSize.Y; y++)
            {
                for (int x = 0; x < outSize.X; x++)
                {
                    // Sample position in input indices, clamped to the outer centres (edge values beyond them).
                    double cx = Math.Clamp((((double)inSize.X / outSize.X) * (x + 0.5)) - 0.5, 0, inSize.X - 1);
                    double cy = Math.Clamp((((double)inSize.Y / outSize.Y) * (y + 0.5)) - 0.5, 0, inSize.Y - 1);
                    double cz = Math.Clamp((((double)inSize.Z / outSize.Z) * (z + 0.5)) - 0.5, 0, inSize.Z - 1);
                    Assert.Equal((3 * cx) - (2 * cy) + (5 * cz) + 1, result.GetValue(x, y, z), 10);
                }
            }
        }
    }

    [Fact]
    public void ResamplingOntoARotatedGridReproducesAPhysicalRamp()
    {
        // A linear function of the physical position is reproduced wherever the output centre falls between input centres.
        var size = ImageSize.Of3D(12, 11, 10);
        var source = TestImages.ObliqueGeometry(size);
        using var image = Image.Create(source, ElementType.Float64);
        Fill(image, (x, y, z) => Ramp(source.IndexToPhysical(x, y, z)));
        var centre = source.IndexToPhysical(5.5, 5, 4.5);
        double angle = 0.4;
        var direction = Matrix3D.FromColumns(
            new Vector3D(Math.Cos(angle), 0, Math.Sin(angle)), new Vector3D(0, 1, 0), new Vector3D(-Math.Sin(angle), 0, Math.Cos(angle)));
        var targetSize = ImageSize.Of3D(9, 9, 9);
        var target = new ImageGeometry(targetSize, new Vector3D(0.9, 1.1, 1.3), centre - (direction * new Vector3D(3.6, 4.4, 5.2)), direction);

        using var result = image.ResampleTo(target, new ResampleOptions { DefaultValue = -12345 });

        Assert.Equal(ElementType.Float64, result.ElementType);
        int inside = 0, outside = 0;
        for (int z = 0; z < 9; z++)
        {
            for (int y = 0; y < 9; y++)
            {
                for (int x = 0; x < 9; x++)
                {
                    var p = target.IndexToPhysical(x, y, z);
                    var c = source.PhysicalToIndex(p);
                    double value = result.GetValue(x, y, z);
                    if (Within(c.X, size.X - 1) && Within(c.Y, size.Y - 1) && Within(c.Z, size.Z - 1))
                    {
                        Assert.Equal(Ramp(p), value, 9);
                        inside++;
                    }
                    else if (c.X < -0.5 || c.Y < -0.5 || c.Z < -0.5 || c.X > size.X - 0.5 || c.Y > size.Y - 0.5 || c.Z > size.Z - 0.5)
                    {
                        Assert.Equal(-12345, value);
                        outside++;
                    }
                }
            }
        }

        Assert.True(inside > 200 && outside > 10, $"inside {inside}, outside {outside}");

        static double Ramp(Vector3D p) => (0.5 * p.X) - (1.25 * p.Y) + (2 * p.Z) + 7;

        static bool Within(double c, int max) => c >= 0 && c <= max;
    }

    [Fact]
    public void ResamplingOntoTheOwnGridIsIdentity()
    {
        using var image = TestImages.Pattern(ElementType.Int16, ImageSize.Of3D(7, 6, 5), channels: 2);

        using var linear = image.ResampleTo(image.Geometry, new ResampleOptions { OutputType = ElementType.Int16 });
        using var nearest = image.ResampleTo(image.Geometry, ResampleOptions.Labels);
        using var sameSpacing = image.ResampleToSpacing(image.Geometry.Spacing, ResampleOptions.Labels);

        ImageAssert.Identical(image, linear);
        ImageAssert.Identical(image, nearest);
        ImageAssert.Identical(image, sameSpacing);
    }

    [Fact]
    public void NearestNeighbourKeepsTheLabelSetAndTheElementType()
    {
        using var labels = Image.Create(new ImageGeometry(ImageSize.Of3D(16, 16, 8), new Vector3D(0.8, 0.8, 3), Vector3D.Zero, Matrix3D.Identity), ElementType.UInt8);
        Fill(labels, (x, y, z) => ((x / 4) + (y / 5) + z) % 4 == 0 ? 7 : ((x + z) % 3));

        using var result = labels.ResampleToSpacing(new Vector3D(1.1, 0.5, 1.7), ResampleOptions.Labels);

        Assert.Equal(ElementType.UInt8, result.ElementType);
        var values = new HashSet<byte>();
        for (int z = 0; z < result.Size.Z; z++)
        {
            for (int y = 0; y < result.Size.Y; y++)
            {
                foreach (byte v in result.GetRow<byte>(y, z))
                {
                    values.Add(v);
                }
            }
        }

        Assert.Subset(new HashSet<byte> { 0, 1, 2, 7 }, values);
    }

    [Fact]
    public void TwoDimensionalImagesStayTwoDimensionalAndFramesAreResampledAlike()
    {
        using var image2D = TestImages.Pattern(ElementType.Float32, ImageSize.Of2D(10, 6));
        using var image4D = TestImages.Pattern(ElementType.Float32, ImageSize.Of4D(6, 5, 4, 3));

        using var result2D = image2D.ResampleToSpacing(new Vector3D(1.4, 0.4, 9));
        using var result4D = image4D.ResampleToSpacing(new Vector3D(1, 1, 1));

        Assert.Equal(2, result2D.Size.Rank);
        Assert.Equal(1, result2D.Size.Z);
        Assert.Equal(image2D.Geometry.Spacing.Z, result2D.Geometry.Spacing.Z);
        Assert.Equal(3, result4D.Size.T);
        Assert.Equal(image4D.Geometry.TimeSpacing, result4D.Geometry.TimeSpacing);

        // Frame 2 of the 4D result is frame 2 resampled on its own.
        using var frame = image4D.Crop(Index3.Zero, new ImageSize(6, 5, 4), 2..3);
        using var frameResult = frame.ResampleToSpacing(new Vector3D(1, 1, 1));
        for (int z = 0; z < frameResult.Size.Z; z++)
        {
            for (int y = 0; y < frameResult.Size.Y; y++)
            {
                Assert.True(frameResult.GetRow<float>(y, z).SequenceEqual(result4D.GetRow<float>(y, z, 2)));
            }
        }
    }

    [Fact]
    public void IntegerOutputsRoundToNearestAndSaturate()
    {
        using var image = Image.FromPixels<short>(new ImageGeometry(ImageSize.Of3D(2, 1, 1)), [0, 3]);

        // Upsampling 2 -> 4 samples at indices -0.25, 0.25, 0.75, 1.25: 0, 0.75, 2.25, 3.
        using var result = image.ResampleToSpacing(new Vector3D(0.5, 1, 1), new ResampleOptions { OutputType = ElementType.Int16 });
        using var saturated = image.ResampleToSpacing(new Vector3D(0.5, 1, 1), new ResampleOptions { OutputType = ElementType.UInt8 });

        Assert.Equal([0, 1, 2, 3], result.GetRow<short>(0).ToArray().Select(v => (int)v));
        Assert.Equal([0, 1, 2, 3], saturated.GetRow<byte>(0).ToArray().Select(v => (int)v));
    }

    [Fact]
    public void LinearMatchesScipyZoomOnAnAnisotropicVolume()
    {
        TestData.RequirePython("numpy", "scipy");
        using var folder = TestData.CreateTempFolder();
        var size = ImageSize.Of3D(23, 17, 9);
        using var image = Image.Create(new ImageGeometry(size, new Vector3D(0.7, 0.9, 3.1), Vector3D.Zero, Matrix3D.Identity), ElementType.Int16, channels: 2);
        FillRandom(image, seed: 5, -1000, 1500);

        using var result = image.ResampleToSpacing(new Vector3D(1.13, 0.61, 1.4));

        var expected = ScipyResample(folder, image, result.Size, "linear");
        AssertMatches(expected, result, 2e-3);
    }

    [Fact]
    public void SeparateZMatchesScipyInPlaneLinearAndNearestAlongTheThickAxis()
    {
        TestData.RequirePython("numpy", "scipy");
        using var folder = TestData.CreateTempFolder();
        var size = ImageSize.Of3D(21, 19, 8);
        using var image = Image.Create(new ImageGeometry(size, new Vector3D(0.8, 0.8, 5), Vector3D.Zero, Matrix3D.Identity), ElementType.Float32);
        FillRandom(image, seed: 9, -3, 3);

        using var result = image.ResampleToSpacing(new Vector3D(1.1, 0.7, 1.6), new ResampleOptions { SeparateAxis = 2 });
        using var linearZ = image.ResampleToSpacing(new Vector3D(1.1, 0.7, 1.6), new ResampleOptions { SeparateAxis = 2, SeparateAxisInterpolation = Interpolation.Linear });

        AssertMatches(ScipyResample(folder, image, result.Size, "separate_z"), result, 1e-5);
        AssertMatches(ScipyResample(folder, image, result.Size, "linear"), linearZ, 1e-5);
    }

    [Fact]
    public void NearestMatchesScipyZoomOrderZeroIncludingTies()
    {
        TestData.RequirePython("numpy", "scipy");
        using var folder = TestData.CreateTempFolder();
        using var labels = Image.Create(new ImageGeometry(ImageSize.Of3D(20, 15, 12), new Vector3D(1, 1, 1), Vector3D.Zero, Matrix3D.Identity), ElementType.Float32);
        FillRandom(labels, seed: 3, 0, 9);

        // Halving x puts every sample exactly between two voxels (ties); y and z are non-integer ratios.
        using var result = labels.ResampleToSpacing(new Vector3D(2, 0.7, 1.9), new ResampleOptions { Interpolation = Interpolation.Nearest });

        Assert.Equal(10, result.Size.X);
        AssertMatches(ScipyResample(folder, labels, result.Size, "nearest"), result, 0);
    }

    [Fact]
    public void ResampleToMatchesScipyMapCoordinatesBetweenObliqueGrids()
    {
        TestData.RequirePython("numpy", "scipy");
        using var folder = TestData.CreateTempFolder();
        var size = ImageSize.Of3D(14, 12, 10);
        using var image = Image.Create(TestImages.ObliqueGeometry(size), ElementType.Float32);
        FillRandom(image, seed: 11, -100, 100);
        double angle = -0.3;
        var direction = Matrix3D.FromColumns(
            new Vector3D(Math.Cos(angle), Math.Sin(angle), 0), new Vector3D(0, 0, 1), new Vector3D(Math.Sin(angle), -Math.Cos(angle), 0));
        var centre = image.Geometry.IndexToPhysical(6.5, 5.5, 4.5);
        var target = new ImageGeometry(ImageSize.Of3D(13, 11, 12), new Vector3D(0.6, 1.7, 0.9), centre - (direction * new Vector3D(3.9, 9.35, 4.95)), direction);

        using var linear = image.ResampleTo(target, new ResampleOptions { DefaultValue = -7 });
        using var nearest = image.ResampleTo(target, new ResampleOptions { Interpolation = Interpolation.Nearest, DefaultValue = -7 });

        AssertMatches(ScipyMap(folder, image, target, 1, -7), linear, 1e-4);
        AssertMatches(ScipyMap(folder, image, target, 0, -7), nearest, 0);
    }

    /// <summary>scipy's zoom with grid_mode=True (the extent-preserving convention), separable per axis where a mode mixes kernels.</summary>
    private static double[] ScipyResample(TempFolder folder, Image image, ImageSize outSize, string mode)
    {
        string input = WriteFloat64(folder, image);
        string output = folder.File("out.f64");
        const string script = """
import sys, numpy as np
from scipy import ndimage as nd
src, dst, mode = sys.argv[1], sys.argv[2], sys.argv[3]
c, z, y, x, oz, oy, ox = (int(v) for v in sys.argv[4:11])
a = np.fromfile(src, dtype='<f8').reshape(z, y, x, c)
def zoom(v, shape, order):
    return nd.zoom(v, [n / o for n, o in zip(shape, v.shape)], order=order, mode='nearest', grid_mode=True)
out = []
for ch in range(c):
    v = a[..., ch]
    if mode == 'linear':
        r = zoom(v, (oz, oy, ox), 1)
    elif mode == 'nearest':
        r = zoom(v, (oz, oy, ox), 0)
    else:
        r = zoom(zoom(v, (oz, y, x), 0), (oz, oy, ox), 1)
    assert r.shape == (oz, oy, ox), r.shape
    out.append(r)
np.stack(out, -1).astype('<f8').tofile(dst)
""";
        ProcessRunner.Python(script, input, output, mode, Str(image.Channels), Str(image.Size.Z), Str(image.Size.Y), Str(image.Size.X),
            Str(outSize.Z), Str(outSize.Y), Str(outSize.X));
        return MemoryMarshal.Cast<byte, double>(File.ReadAllBytes(output)).ToArray();
    }

    /// <summary>scipy's map_coordinates at the input indices of the target's voxel centres, computed in numpy from the two geometries.</summary>
    private static double[] ScipyMap(TempFolder folder, Image image, ImageGeometry target, int order, double defaultValue)
    {
        string input = WriteFloat64(folder, image);
        string output = folder.File("out.f64");
        const string script = """
import sys, json, numpy as np
from scipy import ndimage as nd
src, dst = sys.argv[1], sys.argv[2]
g = json.loads(sys.argv[3])
a = np.fromfile(src, dtype='<f8').reshape(g['in_size'][2], g['in_size'][1], g['in_size'][0])
def affine(d, s, o):
    m = np.array(d).reshape(3, 3) @ np.diag(s)
    return m, np.array(o)
mi, oi = affine(g['in_dir'], g['in_spacing'], g['in_origin'])
mo, oo = affine(g['out_dir'], g['out_spacing'], g['out_origin'])
nx, ny, nz = g['out_size']
k, j, i = np.meshgrid(np.arange(nz), np.arange(ny), np.arange(nx), indexing='ij')
idx = np.stack([i.ravel(), j.ravel(), k.ravel()]).astype(float)
phys = mo @ idx + oo[:, None]
c = np.linalg.solve(mi, phys - oi[:, None])
r = nd.map_coordinates(a, c[::-1], order=g['order'], mode='nearest')
n = np.array(g['in_size'])[:, None]
inside = np.all((c >= -0.5 - 1e-6) & (c <= n - 0.5 + 1e-6), axis=0)
r[~inside] = g['default']
r.astype('<f8').tofile(dst)
""";
        var src = image.Geometry;
        string json = string.Create(CultureInfo.InvariantCulture, $$"""
{"in_size": [{{src.Size.X}}, {{src.Size.Y}}, {{src.Size.Z}}], "in_spacing": {{Vec(src.Spacing)}}, "in_origin": {{Vec(src.Origin)}}, "in_dir": {{Mat(src.Direction)}},
 "out_size": [{{target.Size.X}}, {{target.Size.Y}}, {{target.Size.Z}}], "out_spacing": {{Vec(target.Spacing)}}, "out_origin": {{Vec(target.Origin)}}, "out_dir": {{Mat(target.Direction)}},
 "order": {{order}}, "default": {{defaultValue:R}}}
""");
        ProcessRunner.Python(script, input, output, json);
        return MemoryMarshal.Cast<byte, double>(File.ReadAllBytes(output)).ToArray();

        static string Vec(Vector3D v) => string.Create(CultureInfo.InvariantCulture, $"[{v.X:R}, {v.Y:R}, {v.Z:R}]");

        static string Mat(Matrix3D m)
        {
            Span<double> values = stackalloc double[9];
            m.CopyTo(values);
            var parts = new string[9];
            for (int i = 0; i < 9; i++)
            {
                parts[i] = values[i].ToString("R", CultureInfo.InvariantCulture);
            }

            return "[" + string.Join(", ", parts) + "]";
        }
    }

    private static string WriteFloat64(TempFolder folder, Image image)
    {
        string path = folder.File("in.f64");
        var values = new double[image.ElementCount];
        int i = 0;
        for (int z = 0; z < image.Size.Z; z++)
        {
            for (int y = 0; y < image.Size.Y; y++)
            {
                for (int x = 0; x < image.Size.X; x++)
                {
                    for (int c = 0; c < image.Channels; c++)
                    {
                        values[i++] = image.GetValue(x, y, z, channel: c);
                    }
                }
            }
        }

        File.WriteAllBytes(path, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        return path;
    }

    private static void AssertMatches(double[] expected, Image actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.ElementCount);
        int i = 0;
        double worst = 0;
        for (int z = 0; z < actual.Size.Z; z++)
        {
            for (int y = 0; y < actual.Size.Y; y++)
            {
                for (int x = 0; x < actual.Size.X; x++)
                {
                    for (int c = 0; c < actual.Channels; c++)
                    {
                        double difference = Math.Abs(expected[i++] - actual.GetValue(x, y, z, channel: c));
                        worst = Math.Max(worst, difference);
                        if (difference > tolerance)
                        {
                            Assert.Fail($"({x}, {y}, {z}) channel {c}: expected {expected[i - 1]}, got {actual.GetValue(x, y, z, channel: c)}.");
                        }
                    }
                }
            }
        }

        Assert.True(worst <= tolerance);
    }

    private static void Fill(Image image, Func<int, int, int, double> value)
    {
        for (int z = 0; z < image.Size.Z; z++)
        {
            for (int y = 0; y < image.Size.Y; y++)
            {
                for (int x = 0; x < image.Size.X; x++)
                {
                    image.SetValue(x, y, z, value(x, y, z));
                }
            }
        }
    }

    private static void FillRandom(Image image, int seed, double min, double max)
    {
        var random = new Random(seed);
        for (int z = 0; z < image.Size.Z; z++)
        {
            for (int y = 0; y < image.Size.Y; y++)
            {
                for (int x = 0; x < image.Size.X; x++)
                {
                    for (int c = 0; c < image.Channels; c++)
                    {
                        image.SetValue(x, y, z, min + (random.NextDouble() * (max - min)), channel: c);
                    }
                }
            }
        }
    }

    private static void AssertClose(Vector3D expected, Vector3D actual) =>
        Assert.True(Vector3D.MaxAbsDifference(expected, actual) < 1e-9, $"expected {expected}, got {actual}");

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);
}
