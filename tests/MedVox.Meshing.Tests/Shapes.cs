using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Meshing.Tests;

/// <summary>Voxelised analytic shapes (a voxel is inside when its centre is) and their exact volumes and areas.</summary>
internal static class Shapes
{
    /// <summary>A uint8 label map where <paramref name="inside"/> (a physical point, LPS mm) gives label <paramref name="value"/>.</summary>
    public static Image Voxelize(ImageGeometry geometry, Func<Vector3D, bool> inside, byte value = 1)
    {
        var image = Image.Create(geometry, ElementType.UInt8);
        var size = geometry.Size;
        Parallel.For(0, size.Z, z =>
        {
            for (int y = 0; y < size.Y; y++)
            {
                var row = image.GetRow<byte>(y, z);
                for (int x = 0; x < size.X; x++)
                {
                    if (inside(geometry.IndexToPhysical(x, y, z)))
                    {
                        row[x] = value;
                    }
                }
            }
        });
        return image;
    }

    /// <summary>A grid of <paramref name="extentMm"/> (per axis) with the given spacing, centred on <paramref name="center"/>.</summary>
    public static ImageGeometry Grid(Vector3D extentMm, Vector3D spacing, Vector3D center, Matrix3D? direction = null)
    {
        var size = ImageSize.Of3D((int)Math.Ceiling(extentMm.X / spacing.X), (int)Math.Ceiling(extentMm.Y / spacing.Y), (int)Math.Ceiling(extentMm.Z / spacing.Z));
        var d = direction ?? Matrix3D.Identity;
        var half = d * Vector3D.Scale(new Vector3D(size.X - 1, size.Y - 1, size.Z - 1), spacing) / 2;
        return new ImageGeometry(size, spacing, center - half, d);
    }

    public static long Count(Image labels, byte value = 1)
    {
        long count = 0;
        for (int z = 0; z < labels.Size.Z; z++)
        {
            for (int y = 0; y < labels.Size.Y; y++)
            {
                foreach (byte v in labels.GetRow<byte>(y, z))
                {
                    count += v == value ? 1 : 0;
                }
            }
        }

        return count;
    }

    /// <summary>Surface area of the ellipsoid with semi-axes a, b, c by midpoint quadrature of |r_θ x r_φ| (error far below 0.01%).</summary>
    public static double EllipsoidArea(double a, double b, double c)
    {
        const int n = 800;
        double area = 0;
        for (int i = 0; i < n; i++)
        {
            double theta = Math.PI * (i + 0.5) / n;
            double st = Math.Sin(theta), ct = Math.Cos(theta);
            for (int j = 0; j < 2 * n; j++)
            {
                double phi = Math.PI * (j + 0.5) / n;
                double sp = Math.Sin(phi), cp = Math.Cos(phi);
                // r = (a st cp, b st sp, c ct); r_θ x r_φ = st * (b c st cp, a c st sp, a b ct)
                double x = b * c * st * cp, y = a * c * st * sp, z = a * b * ct;
                area += st * Math.Sqrt((x * x) + (y * y) + (z * z));
            }
        }

        return area * (Math.PI / n) * (Math.PI / n);
    }
}
