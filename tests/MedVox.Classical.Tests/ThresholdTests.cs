using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Classical.Tests;

public class ThresholdTests
{
    [Fact]
    public void RangeIsInclusive()
    {
        var geometry = Masks.Geometry(ImageSize.Of3D(5, 1, 1), Vector3D.One);
        using var image = Image.FromPixels<float>(geometry, [-1f, 0f, 0.5f, 1f, float.NaN]);
        using var mask = Thresholds.Range(image, 0, 1);
        Assert.Equal([0, 1, 1, 1, 0], Oracle.Pixels<byte>(mask));
        ImageAssert.SameGeometry(image, mask);
    }

    [Fact]
    public void OtsuOfTwoValuesSplitsThem()
    {
        // Values 0 and 10 (per-integer bins 0..10): every split between them gives the same variance and the first
        // wins, so the threshold is 0 and "above the threshold" is exactly the tens.
        var geometry = Masks.Geometry(ImageSize.Of3D(4, 4, 2), Vector3D.One);
        using var image = Masks.Create(geometry, (x, _, _) => x < 1 ? 10 : 0, ElementType.Int16);
        Assert.Equal(0, Thresholds.Otsu(image));
        using var constant = Masks.Create(geometry, (_, _, _) => 42, ElementType.UInt8);
        Assert.Equal(42, Thresholds.Otsu(constant));
    }

    [Fact]
    public void OtsuMatchesSkimageOnBimodalData()
    {
        // Two noisy classes (soft tissue around 40 HU, fat around -100 HU) in int16 and float64, with and without a
        // mask that hides a third, brighter class.
        TestData.RequirePython("numpy", "skimage");
        var size = ImageSize.Of3D(40, 30, 12);
        var random = new Random(21);
        var ints = new short[size.VoxelCount];
        var floats = new double[size.VoxelCount];
        var mask = new byte[size.VoxelCount];
        for (int i = 0; i < ints.Length; i++)
        {
            double u = random.NextDouble();
            double mean = u < 0.35 ? -100 : u < 0.85 ? 40 : 700;
            double v = mean + (Normal(random) * 25);
            ints[i] = (short)Math.Round(v);
            floats[i] = v;
            mask[i] = mean < 500 ? (byte)1 : (byte)0;
        }

        using var folder = TestData.CreateTempFolder();
        Oracle.Write<short>(folder.File("ints.raw"), ints);
        Oracle.Write<double>(folder.File("floats.raw"), floats);
        Oracle.Write<byte>(folder.File("mask.raw"), mask);
        const string script = """
            import sys, numpy as np
            from skimage.filters import threshold_otsu
            f = sys.argv[1]
            i = np.fromfile(f + '/ints.raw', '<i2'); d = np.fromfile(f + '/floats.raw', '<f8'); m = np.fromfile(f + '/mask.raw', np.uint8).astype(bool)
            for t in (threshold_otsu(i), threshold_otsu(i[m]), threshold_otsu(d), threshold_otsu(d[m]), threshold_otsu(d[m], nbins=64)):
                print(repr(float(t)))
            """;
        var expected = Oracle.Run(folder, script).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var geometry = Masks.Geometry(size, new Vector3D(0.7, 0.7, 3));
        using var intImage = Image.FromPixels<short>(geometry, ints);
        using var floatImage = Image.FromPixels<double>(geometry, floats);
        using var maskImage = Masks.FromBytes(geometry, mask);
        double[] actual =
        [
            Thresholds.Otsu(intImage), Thresholds.Otsu(intImage, maskImage), Thresholds.Otsu(floatImage),
            Thresholds.Otsu(floatImage, maskImage), Thresholds.Otsu(floatImage, maskImage, bins: 64),
        ];
        Assert.Equal(expected, actual);

        // The masked thresholds fall between fat and soft tissue; the unmasked ones between soft tissue and bone.
        Assert.InRange(actual[1], -60, 0);
        Assert.InRange(actual[0], 100, 600);
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
