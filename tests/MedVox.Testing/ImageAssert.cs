using MedVox.Imaging;
using Xunit;

namespace MedVox.Testing;

/// <summary>Comparisons of images: exact pixels and geometry within a tolerance.</summary>
public static class ImageAssert
{
    public static void SameGeometry(Image expected, Image actual, double tolerance = 1e-6)
    {
        Assert.Equal(expected.Size, actual.Size);
        Assert.True(expected.Geometry.IsEquivalent(actual.Geometry, tolerance),
            $"Geometry differs.\nExpected: {expected.Geometry}\nActual:   {actual.Geometry}");
        if (expected.Size.T > 1)
        {
            Assert.Equal(expected.Geometry.TimeSpacing, actual.Geometry.TimeSpacing, tolerance);
        }
    }

    /// <summary>Same element type, channels and bytes in every row.</summary>
    public static void SamePixels(Image expected, Image actual)
    {
        Assert.Equal(expected.ElementType, actual.ElementType);
        Assert.Equal(expected.Channels, actual.Channels);
        Assert.Equal(expected.Size, actual.Size);
        for (int t = 0; t < expected.Size.T; t++)
        {
            for (int z = 0; z < expected.Size.Z; z++)
            {
                for (int y = 0; y < expected.Size.Y; y++)
                {
                    if (!expected.GetRowBytes(y, z, t).SequenceEqual(actual.GetRowBytes(y, z, t)))
                    {
                        Assert.Fail($"Pixels differ in row y={y}, z={z}, t={t}.");
                    }
                }
            }
        }
    }

    /// <summary>Share of voxels where two uint8 label maps of the same size hold the same label.</summary>
    public static double LabelAgreement(Image a, Image b)
    {
        Assert.Equal(a.Size, b.Size);
        long same = 0, total = 0;
        for (int z = 0; z < a.Size.Z; z++)
        {
            for (int y = 0; y < a.Size.Y; y++)
            {
                ReadOnlySpan<byte> ra = a.GetRow<byte>(y, z), rb = b.GetRow<byte>(y, z);
                for (int x = 0; x < ra.Length; x++)
                {
                    same += ra[x] == rb[x] ? 1 : 0;
                    total++;
                }
            }
        }

        return (double)same / total;
    }

    public static void Identical(Image expected, Image actual, double tolerance = 1e-6)
    {
        SamePixels(expected, actual);
        SameGeometry(expected, actual, tolerance);
    }
}
