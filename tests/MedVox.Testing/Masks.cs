using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Testing;

/// <summary>Small synthetic label maps for tests.</summary>
public static class Masks
{
    public static ImageGeometry Geometry(ImageSize size, Vector3D spacing, Matrix3D? direction = null, Vector3D? origin = null) =>
        new(size, spacing, origin ?? new Vector3D(-12.5, 40, 7.25), direction ?? Matrix3D.Identity);

    /// <summary>A uint8 image whose voxel (x, y, z) holds <paramref name="value"/>(x, y, z).</summary>
    public static Image Create(ImageGeometry geometry, Func<int, int, int, int> value, ElementType type = ElementType.UInt8)
    {
        var image = Image.Create(geometry, type);
        for (int z = 0; z < geometry.Size.Z; z++)
        {
            for (int y = 0; y < geometry.Size.Y; y++)
            {
                for (int x = 0; x < geometry.Size.X; x++)
                {
                    int v = value(x, y, z);
                    if (v != 0)
                    {
                        image.SetValue(x, y, z, v);
                    }
                }
            }
        }

        return image;
    }

    /// <summary>A binary box mask with inclusive index bounds.</summary>
    public static Image Box(ImageGeometry geometry, Index3 min, Index3 max, int value = 1) =>
        Create(geometry, (x, y, z) =>
            x >= min.X && x <= max.X && y >= min.Y && y <= max.Y && z >= min.Z && z <= max.Z ? value : 0);

    /// <summary>Random blobs: a few ellipsoids (in mm) and sprinkled single voxels, so boundaries have every shape.</summary>
    public static byte[] RandomBlobs(ImageSize size, Vector3D spacing, int seed, int blobs = 4, double noise = 0.002)
    {
        var random = new Random(seed);
        var mask = new byte[size.VoxelCount];
        var extent = new Vector3D(size.X * spacing.X, size.Y * spacing.Y, size.Z * spacing.Z);
        for (int b = 0; b < blobs; b++)
        {
            var centre = new Vector3D(random.NextDouble() * extent.X, random.NextDouble() * extent.Y, random.NextDouble() * extent.Z);
            var radii = new Vector3D(
                (0.08 + (random.NextDouble() * 0.25)) * extent.X,
                (0.08 + (random.NextDouble() * 0.25)) * extent.Y,
                (0.15 + (random.NextDouble() * 0.3)) * extent.Z);
            for (int z = 0; z < size.Z; z++)
            {
                for (int y = 0; y < size.Y; y++)
                {
                    for (int x = 0; x < size.X; x++)
                    {
                        double dx = ((x * spacing.X) - centre.X) / radii.X;
                        double dy = ((y * spacing.Y) - centre.Y) / radii.Y;
                        double dz = ((z * spacing.Z) - centre.Z) / radii.Z;
                        if ((dx * dx) + (dy * dy) + (dz * dz) <= 1)
                        {
                            mask[(((long)z * size.Y) + y) * size.X + x] = 1;
                        }
                    }
                }
            }
        }

        for (int i = 0; i < mask.Length; i++)
        {
            if (random.NextDouble() < noise)
            {
                mask[i] ^= 1;
            }
        }

        return mask;
    }

    public static Image FromBytes(ImageGeometry geometry, byte[] voxels) => Image.FromPixels<byte>(geometry, voxels);
}
