using MedVox.Geometry;

namespace MedVox.Imaging;

/// <summary>
/// Reorders and flips the index axes of an image so that they run along a requested anatomical orientation, without
/// resampling: every voxel keeps its value and its physical position. Reorienting back to the original code restores
/// the original pixels and geometry exactly.
/// </summary>
public static class Reorientation
{
    /// <summary>The orientation MedVox calls canonical: nibabel's closest canonical, RAS (i to the right, j anterior, k superior).</summary>
    public const string Canonical = "RAS";

    /// <summary>A copy of <paramref name="image"/> whose axes point as <paramref name="targetCode"/> says (e.g. "RAS", "LPS").</summary>
    public static Image Reorient(this Image image, string targetCode)
    {
        ArgumentNullException.ThrowIfNull(image);
        var source = Orientation.ClosestAxes(image.Geometry.Direction);
        var target = Orientation.ParseCode(targetCode);

        // For each new axis: the old axis that runs along the same anatomical axis, and whether it runs the other way.
        var sourceAxis = new int[3];
        var flip = new bool[3];
        for (int a = 0; a < 3; a++)
        {
            int old = Array.FindIndex(source, s => s.PhysicalAxis == target[a].PhysicalAxis);
            sourceAxis[a] = old;
            flip[a] = source[old].Negative != target[a].Negative;
        }

        var oldSize = image.Size;
        var oldGeometry = image.Geometry;
        var newSize = new ImageSize(oldSize[sourceAxis[0]], oldSize[sourceAxis[1]], oldSize[sourceAxis[2]], oldSize.T,
            oldSize.Rank == 2 && sourceAxis[2] == 2 ? 2 : Math.Max(oldSize.Rank, 3));

        var columns = new Vector3D[3];
        var spacing = new double[3];
        var originIndex = new double[3];
        for (int a = 0; a < 3; a++)
        {
            int old = sourceAxis[a];
            columns[a] = oldGeometry.Direction.Column(old) * (flip[a] ? -1 : 1);
            spacing[a] = oldGeometry.Spacing[old];
            originIndex[old] = flip[a] ? oldSize[old] - 1 : 0;
        }

        var geometry = new ImageGeometry(newSize, new Vector3D(spacing[0], spacing[1], spacing[2]),
            oldGeometry.IndexToPhysical(originIndex[0], originIndex[1], originIndex[2]),
            Matrix3D.FromColumns(columns[0], columns[1], columns[2]), oldGeometry.TimeSpacing);

        var result = Image.Create(geometry, image.ElementType, image.Channels);
        result.IsColor = image.IsColor;
        foreach (var (key, value) in image.Metadata)
        {
            result.Metadata[key] = value;
        }

        CopyPermuted(image, result, sourceAxis, flip);
        return result;
    }

    /// <summary>Reorients to <see cref="Canonical"/> (RAS).</summary>
    public static Image ToCanonical(this Image image) => image.Reorient(Canonical);

    private static void CopyPermuted(Image source, Image target, int[] sourceAxis, bool[] flip)
    {
        int pixelBytes = source.BytesPerPixel;
        var size = target.Size;
        var oldSize = source.Size;

        // For new index (x, y, z) the old index along old axis sourceAxis[a] is flip[a] ? n - 1 - v : v.
        Parallel.For(0, (long)size.Z * size.T, slab =>
        {
            int z = (int)(slab % size.Z), t = (int)(slab / size.Z);
            Span<int> oldIndex = stackalloc int[3];
            Span<int> stepX = stackalloc int[3];
            for (int a = 0; a < 3; a++)
            {
                stepX[a] = 0;
            }

            stepX[sourceAxis[0]] = flip[0] ? -1 : 1;
            for (int y = 0; y < size.Y; y++)
            {
                oldIndex[sourceAxis[1]] = flip[1] ? oldSize[sourceAxis[1]] - 1 - y : y;
                oldIndex[sourceAxis[2]] = flip[2] ? oldSize[sourceAxis[2]] - 1 - z : z;
                oldIndex[sourceAxis[0]] = flip[0] ? oldSize[sourceAxis[0]] - 1 : 0;
                var destination = target.GetRowBytes(y, z, t);
                if (sourceAxis[0] == 0)
                {
                    // Old rows stay rows: copy (reversed when flipped).
                    var row = source.GetRowBytes(oldIndex[1], oldIndex[2], t);
                    if (!flip[0])
                    {
                        row.CopyTo(destination);
                    }
                    else
                    {
                        for (int x = 0; x < size.X; x++)
                        {
                            row.Slice((size.X - 1 - x) * pixelBytes, pixelBytes).CopyTo(destination.Slice(x * pixelBytes, pixelBytes));
                        }
                    }

                    continue;
                }

                for (int x = 0; x < size.X; x++)
                {
                    int ox = oldIndex[0] + (x * stepX[0]), oy = oldIndex[1] + (x * stepX[1]), oz = oldIndex[2] + (x * stepX[2]);
                    source.GetRowBytes(oy, oz, t).Slice(ox * pixelBytes, pixelBytes).CopyTo(destination.Slice(x * pixelBytes, pixelBytes));
                }
            }
        });
    }
}
