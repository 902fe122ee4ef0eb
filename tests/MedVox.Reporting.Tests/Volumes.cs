using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Reporting.Tests;

/// <summary>Small synthetic images for tests.</summary>
internal static class Volumes
{
    public static ImageGeometry Geometry(int x, int y, int z, Vector3D spacing, Matrix3D? direction = null) =>
        new(ImageSize.Of3D(x, y, z), spacing, new Vector3D(-20, 35, 12.5), direction ?? Matrix3D.Identity);

    /// <summary>An image of <paramref name="type"/> whose voxel (x, y, z) holds <paramref name="value"/>(x, y, z).</summary>
    public static Image Create(ImageGeometry geometry, Func<int, int, int, double> value, ElementType type = ElementType.UInt8)
    {
        var image = Image.Create(geometry, type);
        for (int z = 0; z < geometry.Size.Z; z++)
        {
            for (int y = 0; y < geometry.Size.Y; y++)
            {
                for (int x = 0; x < geometry.Size.X; x++)
                {
                    double v = value(x, y, z);
                    if (v != 0)
                    {
                        image.SetValue(x, y, z, v);
                    }
                }
            }
        }

        return image;
    }

    /// <summary>A box of <paramref name="value"/> with inclusive index bounds.</summary>
    public static Image Box(ImageGeometry geometry, Index3 min, Index3 max, int value = 1) =>
        Create(geometry, (x, y, z) => x >= min.X && x <= max.X && y >= min.Y && y <= max.Y && z >= min.Z && z <= max.Z ? value : 0);
}
