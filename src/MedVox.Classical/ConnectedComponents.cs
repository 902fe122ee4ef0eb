using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Classical;

/// <summary>
/// Connected components of binary masks (any element type; non-zero is foreground) in 3D (6, 18, 26 neighbours) or
/// per slice (4, 8), with sizes in voxels and millilitres, bounding boxes and physical centroids, and the usual
/// clean-ups: keep the largest component, remove components under a volume.
/// </summary>
public static class ConnectedComponents
{
    /// <summary>Labels the components of <paramref name="mask"/>; numbering and result match scipy.ndimage.label with the same structure.</summary>
    public static ComponentLabeling Label(Image mask, Connectivity connectivity = Connectivity.TwentySix)
    {
        var binary = BinaryMask.FromImage(mask, nameof(mask));
        var runs = RunLabeling.Build(binary, connectivity);
        var components = Measure(runs, binary.Geometry, connectivity.IsPlanar());
        var labels = Image.Create(binary.Geometry, ElementType.Int32);
        int nx = runs.Nx, ny = runs.Ny;
        Parallel.For(0, runs.Nz, z =>
        {
            for (int y = 0; y < ny; y++)
            {
                int row = (z * ny) + y;
                var target = labels.GetRow<int>(y, z);
                for (int r = runs.RowStart[row]; r < runs.RowStart[row + 1]; r++)
                {
                    target[runs.RunStart[r]..runs.RunEnd[r]].Fill(runs.RunLabel[r]);
                }
            }
        });
        return new ComponentLabeling(labels, components, runs);
    }

    /// <summary>A uint8 mask of the largest component (empty when the mask is); ties go to the first in raster order.</summary>
    public static Image KeepLargest(Image mask, Connectivity connectivity = Connectivity.TwentySix)
    {
        var binary = BinaryMask.FromImage(mask, nameof(mask));
        return KeepLargest(binary, connectivity).ToImage();
    }

    /// <summary>A uint8 mask without the components smaller than <paramref name="minimumMl"/> millilitres.</summary>
    public static Image RemoveSmall(Image mask, double minimumMl, Connectivity connectivity = Connectivity.TwentySix)
    {
        var binary = BinaryMask.FromImage(mask, nameof(mask));
        if (!(minimumMl >= 0) || !double.IsFinite(minimumMl))
        {
            throw new ArgumentOutOfRangeException(nameof(minimumMl), $"The minimum volume must be a finite number of mL >= 0, got {minimumMl}.");
        }

        return RemoveSmall(binary, minimumMl, connectivity).ToImage();
    }

    internal static BinaryMask KeepLargest(BinaryMask mask, Connectivity connectivity)
    {
        var runs = RunLabeling.Build(mask, connectivity);
        var sizes = runs.ComponentSizes();
        int best = 0;
        for (int label = 1; label < sizes.Length; label++)
        {
            if (sizes[label] > sizes[best])
            {
                best = label;
            }
        }

        var keep = new bool[sizes.Length];
        keep[best] = best > 0;
        var result = new BinaryMask(mask.Geometry);
        runs.Paint(result.Voxels, keep);
        return result;
    }

    internal static BinaryMask RemoveSmall(BinaryMask mask, double minimumMl, Connectivity connectivity)
    {
        var runs = RunLabeling.Build(mask, connectivity);
        var sizes = runs.ComponentSizes();
        double voxelMl = mask.VoxelVolumeMl;
        var keep = new bool[sizes.Length];
        for (int label = 1; label < sizes.Length; label++)
        {
            keep[label] = sizes[label] * voxelMl >= minimumMl;
        }

        var result = new BinaryMask(mask.Geometry);
        runs.Paint(result.Voxels, keep);
        return result;
    }

    /// <summary>Sizes, boxes, centroids and border contact of every component, in one pass over the runs.</summary>
    internal static Component[] Measure(RunLabeling runs, ImageGeometry geometry, bool planar)
    {
        int count = runs.ComponentCount;
        var voxels = new long[count + 1];
        var sumX = new double[count + 1];
        var sumY = new double[count + 1];
        var sumZ = new double[count + 1];
        var min = new Index3[count + 1];
        var max = new Index3[count + 1];
        Array.Fill(min, new Index3(int.MaxValue, int.MaxValue, int.MaxValue));
        Array.Fill(max, new Index3(-1, -1, -1));
        for (int z = 0; z < runs.Nz; z++)
        {
            for (int y = 0; y < runs.Ny; y++)
            {
                int row = (z * runs.Ny) + y;
                for (int r = runs.RowStart[row]; r < runs.RowStart[row + 1]; r++)
                {
                    int label = runs.RunLabel[r];
                    int x0 = runs.RunStart[r], x1 = runs.RunEnd[r];
                    long length = x1 - x0;
                    voxels[label] += length;
                    sumX[label] += (x0 + x1 - 1) * 0.5 * length;
                    sumY[label] += (double)y * length;
                    sumZ[label] += (double)z * length;
                    var (lo, hi) = (min[label], max[label]);
                    min[label] = new Index3(Math.Min(lo.X, x0), Math.Min(lo.Y, y), Math.Min(lo.Z, z));
                    max[label] = new Index3(Math.Max(hi.X, x1 - 1), Math.Max(hi.Y, y), Math.Max(hi.Z, z));
                }
            }
        }

        var touches = runs.TouchesBorder(planar);
        double voxelMl = geometry.Spacing.X * geometry.Spacing.Y * geometry.Spacing.Z / 1000.0;
        var components = new Component[count];
        for (int label = 1; label <= count; label++)
        {
            double n = voxels[label];
            var centroid = geometry.IndexToPhysical(sumX[label] / n, sumY[label] / n, sumZ[label] / n);
            components[label - 1] = new Component(label, voxels[label], voxels[label] * voxelMl, new VoxelBounds(min[label], max[label]), centroid, touches[label]);
        }

        return components;
    }
}
