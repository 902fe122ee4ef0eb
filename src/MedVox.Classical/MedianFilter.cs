using System.Numerics;
using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Classical;

/// <summary>
/// Median over a small box: per axis, the voxels within <c>floor(radius mm / spacing)</c> steps, borders mirrored
/// ("reflect"), as scipy.ndimage.median_filter with <c>size = 2·r + 1</c> per axis. Keeps the element type (a median of
/// an odd count is one of the values) and the geometry. For noise on small structures; smooth large radii with
/// <see cref="GaussianFilter"/> instead.
/// </summary>
public static class MedianFilter
{
    /// <summary>The largest window, in voxels (11 x 11 x 11).</summary>
    public const int MaxWindow = 1331;

    public static Image Apply(Image image, double radiusMm) => Apply(image, new Vector3D(radiusMm, radiusMm, radiusMm));

    public static Image Apply(Image image, Vector3D radiusMm)
    {
        BinaryMask.RequireScalarVolume(image, nameof(image));
        var spacing = image.Geometry.Spacing;
        var radii = new int[3];
        long window = 1;
        for (int axis = 0; axis < 3; axis++)
        {
            if (!(radiusMm[axis] >= 0) || !double.IsFinite(radiusMm[axis]))
            {
                throw new ArgumentOutOfRangeException(nameof(radiusMm), $"Radii must be finite numbers of mm >= 0, got {radiusMm}.");
            }

            radii[axis] = image.Size[axis] == 1 ? 0 : (int)Math.Floor((radiusMm[axis] / spacing[axis]) + 1e-9);
            window *= (2L * radii[axis]) + 1;
        }

        if (window > MaxWindow)
        {
            throw new ArgumentOutOfRangeException(nameof(radiusMm), $"A {radiusMm} mm radius gives a window of {window} voxels, more than the {MaxWindow} a median handles; smooth with a Gaussian instead.");
        }

        var result = Image.Create(image.Geometry, image.ElementType);
        try
        {
            var visitor = new MedianVisitor(image, result, radii[0], radii[1], radii[2]);
            image.ElementType.Dispatch(ref visitor);
        }
        catch
        {
            result.Dispose();
            throw;
        }

        return result;
    }

    /// <summary>The <paramref name="rank"/>-th smallest (0-based) of <paramref name="count"/> sorted runs of <paramref name="length"/> values starting at run <paramref name="first"/>.</summary>
    private static T MergeSelect<T>(T[] runs, int first, int count, int length, int[] heads, int rank)
        where T : INumber<T>
    {
        heads.AsSpan(0, count).Clear();
        T value = T.Zero;
        for (int taken = 0; taken <= rank; taken++)
        {
            int best = -1;
            for (int k = 0; k < count; k++)
            {
                if (heads[k] < length && (best < 0 || runs[((first + k) * length) + heads[k]] < runs[((first + best) * length) + heads[best]]))
                {
                    best = k;
                }
            }

            value = runs[((first + best) * length) + heads[best]];
            heads[best]++;
        }

        return value;
    }

    private readonly struct MedianVisitor(Image image, Image result, int rx, int ry, int rz) : IElementVisitor
    {
        public void Visit<T>()
            where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var (source, target, ax, ay, az) = (image, result, rx, ry, rz);
            int nx = source.Size.X, ny = source.Size.Y, nz = source.Size.Z;
            int window = ((2 * ax) + 1) * ((2 * ay) + 1) * ((2 * az) + 1);
            var xmap = new int[nx + (2 * ax)];
            for (int i = 0; i < xmap.Length; i++)
            {
                xmap[i] = GaussianFilter.Reflect(i - ax, nx);
            }

            int rows = ((2 * ay) + 1) * ((2 * az) + 1);
            int span = (2 * ax) + 1;

            // Per output row, each x column of the window (its (2ry+1)(2rz+1) values) is gathered and sorted once; the
            // median of a voxel is then the middle of the 2rx+1 sorted columns around it, found by merging them.
            Parallel.For(0, nz, () => (new T[rows * xmap.Length], new int[span]), (z, _, scratch) =>
            {
                var (columns, heads) = scratch;
                int width = xmap.Length;
                for (int y = 0; y < ny; y++)
                {
                    int r = 0;
                    for (int dz = -az; dz <= az; dz++)
                    {
                        int zz = GaussianFilter.Reflect(z + dz, nz);
                        for (int dy = -ay; dy <= ay; dy++, r++)
                        {
                            var row = source.GetRow<T>(GaussianFilter.Reflect(y + dy, ny), zz);
                            for (int i = 0; i < width; i++)
                            {
                                columns[(i * rows) + r] = row[xmap[i]];
                            }
                        }
                    }

                    for (int i = 0; i < width; i++)
                    {
                        columns.AsSpan(i * rows, rows).Sort();
                    }

                    var output = target.GetRow<T>(y, z);
                    for (int x = 0; x < nx; x++)
                    {
                        output[x] = MergeSelect(columns, x, span, rows, heads, window / 2);
                    }
                }

                return scratch;
            }, _ => { });
        }
    }
}
