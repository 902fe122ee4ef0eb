using System.Numerics;
using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Meshing;

/// <summary>
/// The indicator of a label (1 inside, 0 outside) in a box around it, padded with background on every side (beyond
/// the image border too, so that the isosurface closes there), and smoothed by a separable Gaussian with zero
/// boundary. Smoothing first makes the 0.5-isosurface smooth with sub-voxel vertex positions instead of the staircase
/// that marching cubes makes of a binary mask.
/// </summary>
internal sealed class MaskField
{
    private MaskField(float[] values, VoxelBox box)
    {
        Values = values;
        Box = box;
    }

    /// <summary>Field values over <see cref="Box"/>, x fastest.</summary>
    public float[] Values { get; }

    /// <summary>The box in the label map's index space (may extend beyond the image).</summary>
    public VoxelBox Box { get; }

    public ScalarVolume Volume => new ScalarVolume.Array(Values, Box.SizeX, Box.SizeY, Box.SizeZ);

    public Vector3D IndexOffset => new(Box.MinX, Box.MinY, Box.MinZ);

    /// <summary>Kernel radius in voxels for a sigma in voxels (three sigmas; 0 for no smoothing).</summary>
    public static int Radius(double sigma) => sigma > 0 ? (int)Math.Ceiling(3 * sigma) : 0;

    /// <summary>Builds the smoothed indicator of the voxels whose value is in <paramref name="values"/> inside <paramref name="bounds"/>.</summary>
    public static MaskField Build(Image labels, IReadOnlyCollection<long> values, VoxelBox bounds, Vector3D sigmaVoxels)
    {
        int rx = Radius(sigmaVoxels.X), ry = Radius(sigmaVoxels.Y), rz = Radius(sigmaVoxels.Z);
        // One background voxel beyond the kernel's reach on each side keeps the isosurface off the box border.
        var box = new VoxelBox(bounds.MinX - rx - 1, bounds.MinY - ry - 1, bounds.MinZ - rz - 1, bounds.MaxX + rx + 1, bounds.MaxY + ry + 1, bounds.MaxZ + rz + 1);
        if (box.VoxelCount > Array.MaxLength)
        {
            throw new MedVoxException($"a label spans {bounds}, too large a box to mesh at once ({box.VoxelCount} voxels)", hint: "crop or split the label map");
        }

        var field = new float[box.VoxelCount];
        var fill = new FillVisitor(labels, values, bounds, box, field);
        labels.ElementType.Dispatch(ref fill);
        var smoothed = new MaskField(field, box);
        smoothed.Smooth(sigmaVoxels, rx, ry, rz);
        return smoothed;
    }

    private void Smooth(Vector3D sigma, int rx, int ry, int rz)
    {
        int nx = Box.SizeX, ny = Box.SizeY, nz = Box.SizeZ, plane = nx * ny;
        var values = Values;
        if (rx > 0)
        {
            var w = Kernel(sigma.X, rx);
            Parallel.For(0, nz, z =>
            {
                var line = new float[nx];
                for (int y = 0; y < ny; y++)
                {
                    var row = values.AsSpan((z * plane) + (y * nx), nx);
                    row.CopyTo(line);
                    row.Clear();
                    for (int k = -rx; k <= rx; k++)
                    {
                        int from = Math.Max(0, -k), to = Math.Min(nx, nx - k);
                        Axpy(row[from..to], line.AsSpan(from + k, to - from), w[k + rx]);
                    }
                }
            });
        }

        if (ry > 0)
        {
            var w = Kernel(sigma.Y, ry);
            Parallel.For(0, nz, z =>
            {
                var copy = values.AsSpan(z * plane, plane).ToArray();
                var slice = values.AsSpan(z * plane, plane);
                slice.Clear();
                for (int y = 0; y < ny; y++)
                {
                    var row = slice.Slice(y * nx, nx);
                    for (int k = -ry; k <= ry; k++)
                    {
                        if (y + k >= 0 && y + k < ny)
                        {
                            Axpy(row, copy.AsSpan((y + k) * nx, nx), w[k + ry]);
                        }
                    }
                }
            });
        }

        if (rz > 0)
        {
            var w = Kernel(sigma.Z, rz);
            var source = (float[])values.Clone();
            Array.Clear(values);
            Parallel.For(0, nz, z =>
            {
                var slice = values.AsSpan(z * plane, plane);
                for (int k = -rz; k <= rz; k++)
                {
                    if (z + k >= 0 && z + k < nz)
                    {
                        Axpy(slice, source.AsSpan((z + k) * plane, plane), w[k + rz]);
                    }
                }
            });
        }
    }

    /// <summary>Normalised Gaussian weights for offsets -radius..radius.</summary>
    private static float[] Kernel(double sigma, int radius)
    {
        var weights = new double[(2 * radius) + 1];
        double sum = 0;
        for (int k = -radius; k <= radius; k++)
        {
            weights[k + radius] = Math.Exp(-(k * k) / (2 * sigma * sigma));
            sum += weights[k + radius];
        }

        var result = new float[weights.Length];
        for (int i = 0; i < weights.Length; i++)
        {
            result[i] = (float)(weights[i] / sum);
        }

        return result;
    }

    /// <summary>target += weight * source.</summary>
    private static void Axpy(Span<float> target, ReadOnlySpan<float> source, float weight)
    {
        int i = 0;
        var w = new Vector<float>(weight);
        for (; i + Vector<float>.Count <= target.Length; i += Vector<float>.Count)
        {
            (new Vector<float>(target[i..]) + (w * new Vector<float>(source[i..]))).CopyTo(target[i..]);
        }

        for (; i < target.Length; i++)
        {
            target[i] += weight * source[i];
        }
    }

    /// <summary>Writes 1 where the label map holds one of the values, inside the part of <paramref name="bounds"/> within the image.</summary>
    private readonly struct FillVisitor(Image labels, IReadOnlyCollection<long> values, VoxelBox bounds, VoxelBox box, float[] field) : IElementVisitor
    {
        public void Visit<T>()
            where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var image = labels;
            var target = field;
            var outer = box;
            var wanted = values.Select(v => T.CreateSaturating(v)).Distinct().ToArray();
            int x0 = Math.Max(0, bounds.MinX), x1 = Math.Min(image.Size.X - 1, bounds.MaxX);
            int y0 = Math.Max(0, bounds.MinY), y1 = Math.Min(image.Size.Y - 1, bounds.MaxY);
            int z0 = Math.Max(0, bounds.MinZ), z1 = Math.Min(image.Size.Z - 1, bounds.MaxZ);
            if (x0 > x1 || y0 > y1 || z0 > z1)
            {
                return;
            }

            Parallel.For(z0, z1 + 1, z =>
            {
                for (int y = y0; y <= y1; y++)
                {
                    var row = image.GetRow<T>(y, z).Slice(x0, x1 - x0 + 1);
                    var line = target.AsSpan((int)((((long)(z - outer.MinZ) * outer.SizeY) + (y - outer.MinY)) * outer.SizeX) + (x0 - outer.MinX), row.Length);
                    if (wanted.Length == 1)
                    {
                        T only = wanted[0];
                        for (int x = 0; x < row.Length; x++)
                        {
                            line[x] = row[x] == only ? 1f : 0f;
                        }
                    }
                    else
                    {
                        for (int x = 0; x < row.Length; x++)
                        {
                            line[x] = Array.IndexOf(wanted, row[x]) >= 0 ? 1f : 0f;
                        }
                    }
                }
            });
        }
    }
}
