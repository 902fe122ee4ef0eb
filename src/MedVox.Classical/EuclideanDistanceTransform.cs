using System.Buffers;
using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Classical;

/// <summary>
/// Exact Euclidean distance transform with per-axis spacing (mm): the distance from every voxel to the nearest feature
/// voxel, as scipy's <c>distance_transform_edt(~features, sampling=spacing)</c> computes it. Separable and linear in
/// the voxel count: a binary scan along z, then the lower envelope of parabolas (Felzenszwalb and Huttenlocher, 2012)
/// along y and along x, each pass parallel over lines. Distances are physical for any orthonormal direction matrix,
/// since a rotation preserves lengths and only spacing scales the index axes.
/// </summary>
public static class EuclideanDistanceTransform
{
    /// <summary>
    /// Writes the squared distance (mm²) from each voxel to the nearest voxel whose value in <paramref name="features"/>
    /// has any bit of <paramref name="featureBits"/> set; +∞ everywhere when there is none. Both arrays hold
    /// <c>nx * ny * nz</c> voxels, x fastest.
    /// </summary>
    public static void ComputeSquared(byte[] features, int nx, int ny, int nz, Vector3D spacing, double[] output, byte featureBits = 0xFF)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(nx, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ny, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(nz, 1);
        long count = (long)nx * ny * nz;
        if (features.Length < count || output.Length < count)
        {
            throw new ArgumentException($"A {nx}x{ny}x{nz} grid needs {count} voxels; features has {features.Length}, output {output.Length}.");
        }

        for (int axis = 0; axis < 3; axis++)
        {
            if (!(spacing[axis] > 0) || !double.IsFinite(spacing[axis]))
            {
                throw new ArgumentOutOfRangeException(nameof(spacing), $"Spacing must be positive and finite, got {spacing}.");
            }
        }

        // The order z, y, x makes the sums (dz² + dy²) + dx², the order in which scipy adds its axes (numpy's axis 0 is
        // z), so that distances agree with scipy to the last bit and tolerance comparisons (NSD) decide alike.
        ScanAlongZ(features, nx, ny, nz, spacing.Z, output, featureBits);
        if (ny > 1)
        {
            EnvelopeAlongY(output, nx, ny, nz, spacing.Y);
        }

        if (nx > 1)
        {
            EnvelopeAlongX(output, nx, ny, nz, spacing.X);
        }
    }

    /// <summary>
    /// The distance map (float64, mm) of a mask image: for every voxel, the distance to the nearest non-zero voxel, in
    /// the mask's geometry (which the result keeps). Requires an orthonormal direction (any rotation or flip).
    /// </summary>
    public static Image Compute(Image mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (mask.Channels != 1 || mask.Size.T != 1)
        {
            throw new ArgumentException("The distance transform takes a single-channel 3D (or 2D) mask.", nameof(mask));
        }

        int nx = mask.Size.X, ny = mask.Size.Y, nz = mask.Size.Z;
        long count = mask.Size.VoxelCount;
        if (count > Array.MaxLength)
        {
            throw new ArgumentException($"{count} voxels exceed what one distance map holds ({Array.MaxLength}).", nameof(mask));
        }

        var features = new byte[count];
        var reader = new NonZeroReader(mask, features);
        mask.ElementType.Dispatch(ref reader);
        var squared = new double[count];
        ComputeSquared(features, nx, ny, nz, mask.Geometry.Spacing, squared);
        var result = Image.Create(mask.Geometry, ElementType.Float64);
        Parallel.For(0, nz, z =>
        {
            for (int y = 0; y < ny; y++)
            {
                var row = result.GetRow<double>(y, z);
                var source = squared.AsSpan((int)((((long)z * ny) + y) * nx), nx);
                for (int x = 0; x < row.Length; x++)
                {
                    row[x] = Math.Sqrt(source[x]);
                }
            }
        });
        return result;
    }

    /// <summary>First pass: distance along z (in voxels, then squared mm) to the nearest feature in the same column.</summary>
    private static void ScanAlongZ(byte[] features, int nx, int ny, int nz, double spacing, double[] output, byte bits)
    {
        long slice = (long)nx * ny;
        Parallel.For(0, ny, y =>
        {
            var previous = output.AsSpan((int)((long)y * nx), nx);
            var first = features.AsSpan((int)((long)y * nx), nx);
            for (int x = 0; x < nx; x++)
            {
                previous[x] = (first[x] & bits) != 0 ? 0 : double.PositiveInfinity;
            }

            for (int z = 1; z < nz; z++)
            {
                int offset = (int)((z * slice) + ((long)y * nx));
                var row = output.AsSpan(offset, nx);
                var feature = features.AsSpan(offset, nx);
                for (int x = 0; x < nx; x++)
                {
                    row[x] = (feature[x] & bits) != 0 ? 0 : previous[x] + 1;
                }

                previous = row;
            }

            for (int z = nz - 2; z >= 0; z--)
            {
                int offset = (int)((z * slice) + ((long)y * nx));
                var row = output.AsSpan(offset, nx);
                var next = output.AsSpan((int)(offset + slice), nx);
                for (int x = 0; x < nx; x++)
                {
                    double candidate = next[x] + 1;
                    if (candidate < row[x])
                    {
                        row[x] = candidate;
                    }
                }
            }

            for (int z = 0; z < nz; z++)
            {
                var row = output.AsSpan((int)((z * slice) + ((long)y * nx)), nx);
                for (int x = 0; x < nx; x++)
                {
                    double d = row[x] * spacing;
                    row[x] = d * d;
                }
            }
        });
    }

    /// <summary>Second pass: lower envelope along y, one slice per task (a slice stays in cache while its columns are processed).</summary>
    private static void EnvelopeAlongY(double[] data, int nx, int ny, int nz, double spacing)
    {
        Parallel.For(0, nz, z =>
        {
            double[] line = ArrayPool<double>.Shared.Rent(ny);
            double[] result = ArrayPool<double>.Shared.Rent(ny);
            int[] sites = ArrayPool<int>.Shared.Rent(ny);
            double[] bounds = ArrayPool<double>.Shared.Rent(ny + 1);
            double[] heights = ArrayPool<double>.Shared.Rent(ny);
            try
            {
                var slice = data.AsSpan((int)((long)z * nx * ny), nx * ny);
                var f = line.AsSpan(0, ny);
                var d = result.AsSpan(0, ny);
                for (int x = 0; x < nx; x++)
                {
                    bool any = false;
                    for (int y = 0; y < ny; y++)
                    {
                        double value = slice[(y * nx) + x];
                        f[y] = value;
                        any |= value != double.PositiveInfinity;
                    }

                    if (!any)
                    {
                        continue;
                    }

                    LowerEnvelope(f, d, spacing, sites, bounds, heights);
                    for (int y = 0; y < ny; y++)
                    {
                        slice[(y * nx) + x] = d[y];
                    }
                }
            }
            finally
            {
                ArrayPool<double>.Shared.Return(line);
                ArrayPool<double>.Shared.Return(result);
                ArrayPool<int>.Shared.Return(sites);
                ArrayPool<double>.Shared.Return(bounds);
                ArrayPool<double>.Shared.Return(heights);
            }
        });
    }

    /// <summary>Third pass: lower envelope along the contiguous rows.</summary>
    private static void EnvelopeAlongX(double[] data, int nx, int ny, int nz, double spacing)
    {
        Parallel.For(0, nz, z =>
        {
            double[] line = ArrayPool<double>.Shared.Rent(nx);
            int[] sites = ArrayPool<int>.Shared.Rent(nx);
            double[] bounds = ArrayPool<double>.Shared.Rent(nx + 1);
            double[] heights = ArrayPool<double>.Shared.Rent(nx);
            try
            {
                var f = line.AsSpan(0, nx);
                for (int y = 0; y < ny; y++)
                {
                    var row = data.AsSpan((int)((((long)z * ny) + y) * nx), nx);
                    if (row.IndexOfAnyExcept(double.PositiveInfinity) < 0)
                    {
                        continue;
                    }

                    row.CopyTo(f);
                    LowerEnvelope(f, row, spacing, sites, bounds, heights);
                }
            }
            finally
            {
                ArrayPool<double>.Shared.Return(line);
                ArrayPool<int>.Shared.Return(sites);
                ArrayPool<double>.Shared.Return(bounds);
                ArrayPool<double>.Shared.Return(heights);
            }
        });
    }

    /// <summary>
    /// d[q] = min over p of ((q - p) * spacing)² + f[p], skipping infinite f (Felzenszwalb and Huttenlocher's 1D
    /// algorithm with positions in mm). Needs at least one finite f. The scratch spans hold at least n (sites,
    /// heights) and n + 1 (bounds) values.
    /// </summary>
    internal static void LowerEnvelope(ReadOnlySpan<double> f, Span<double> d, double spacing, Span<int> sites, Span<double> bounds, Span<double> heights)
    {
        int n = f.Length;
        int k = -1;
        for (int q = 0; q < n; q++)
        {
            double fq = f[q];
            if (fq == double.PositiveInfinity)
            {
                continue;
            }

            // Parabola q: (x - xq)² + fq = x² - 2·x·xq + hq with hq = fq + xq²; it overtakes parabola p at
            // x = (hq - hp) / (2·(xq - xp)).
            double xq = q * spacing;
            double hq = fq + (xq * xq);
            double intersection = double.NegativeInfinity;
            while (k >= 0)
            {
                intersection = (hq - heights[k]) / (2 * (xq - (sites[k] * spacing)));
                if (intersection > bounds[k])
                {
                    break;
                }

                k--;
                intersection = double.NegativeInfinity;
            }

            k++;
            sites[k] = q;
            heights[k] = hq;
            bounds[k] = intersection;
        }

        int j = 0;
        int next = k > 0 ? 1 : -1;
        double nextBound = next > 0 ? bounds[1] : double.PositiveInfinity;
        for (int q = 0; q < n; q++)
        {
            double xq = q * spacing;
            while (nextBound < xq)
            {
                j = next;
                next = j < k ? j + 1 : -1;
                nextBound = next > 0 ? bounds[next] : double.PositiveInfinity;
            }

            int p = sites[j];
            double dx = (q - p) * spacing;
            d[q] = (dx * dx) + f[p];
        }
    }

    private readonly struct NonZeroReader(Image mask, byte[] features) : IElementVisitor
    {
        public void Visit<T>()
            where T : unmanaged, System.Numerics.INumber<T>, System.Numerics.IMinMaxValue<T>
        {
            var image = mask;
            var target = features;
            Parallel.For(0, image.Size.Z, z =>
            {
                for (int y = 0; y < image.Size.Y; y++)
                {
                    var row = image.GetRow<T>(y, z);
                    var destination = target.AsSpan((int)((((long)z * image.Size.Y) + y) * image.Size.X), row.Length);
                    for (int x = 0; x < row.Length; x++)
                    {
                        destination[x] = T.IsZero(row[x]) ? (byte)0 : (byte)1;
                    }
                }
            });
        }
    }
}
