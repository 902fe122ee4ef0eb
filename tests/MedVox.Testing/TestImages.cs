using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Testing;

/// <summary>Small synthetic images with non-trivial geometry and deterministic content, for round trips and operations.</summary>
public static class TestImages
{
    /// <summary>An oblique, anisotropic geometry with a non-zero origin (rotation about z by 30 degrees and a flip of k).</summary>
    public static ImageGeometry ObliqueGeometry(ImageSize size)
    {
        double c = Math.Cos(Math.PI / 6), s = Math.Sin(Math.PI / 6);
        var direction = Matrix3D.FromColumns(new Vector3D(c, s, 0), new Vector3D(-s, c, 0), new Vector3D(0, 0, -1));
        return new ImageGeometry(size, new Vector3D(0.7, 0.8, 2.5), new Vector3D(-120.25, 33.5, 71.125), direction, size.T > 1 ? 2.0 : 1.0);
    }

    /// <summary>
    /// An image whose every element is a distinct function of its position (wrapping within the type's range), so that
    /// any swapped axis, flipped row or byte-order slip changes values.
    /// </summary>
    public static Image Pattern(ElementType type, ImageSize size, int channels = 1, ImageGeometry? geometry = null)
    {
        var image = Image.Create(geometry ?? ObliqueGeometry(size), type, channels);
        for (int t = 0; t < size.T; t++)
        {
            for (int z = 0; z < size.Z; z++)
            {
                for (int y = 0; y < size.Y; y++)
                {
                    for (int x = 0; x < size.X; x++)
                    {
                        for (int c = 0; c < channels; c++)
                        {
                            image.SetValue(x, y, z, PatternValue(type, x, y, z, t, c), t, c);
                        }
                    }
                }
            }
        }

        return image;
    }

    public static double PatternValue(ElementType type, int x, int y, int z, int t, int c)
    {
        long v = (x * 7) + (y * 131) + (z * 1031) + (t * 7919) + (c * 3);
        return type switch
        {
            ElementType.UInt8 => v % 256,
            ElementType.Int8 => (v % 256) - 128,
            ElementType.UInt16 => v % 65536,
            ElementType.Int16 => (v % 65536) - 32768,
            ElementType.Float32 or ElementType.Float64 => (v * 0.25) - 1000.5,
            _ => v - 50_000,
        };
    }
}
