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

    /// <summary>The k-th smallest value (0-based) of <paramref name="values"/>, which it reorders (Hoare's selection).</summary>
    internal static T Select<T>(Span<T> values, int k)
        where T : INumber<T>
    {
        int left = 0, right = values.Length - 1;
        while (left < right)
        {
            T pivot = values[(left + right) >>> 1];
            int i = left, j = right;
            while (i <= j)
            {
                while (values[i] < pivot)
                {
                    i++;
                }

                while (pivot < values[j])
                {
                    j--;
                }

                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }

            if (k <= j)
            {
                right = j;
            }
            else if (k >= i)
            {
                left = i;
            }
            else
            {
                break;
            }
        }

        return values[k];
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

            // Per output row, the window's source rows are copied once into a block, mirrored in x, so the inner loop
            // indexes one array.
            Parallel.For(0, nz, () => (new T[window], new T[rows * xmap.Length]), (z, _, scratch) =>
            {
                var (values, block) = scratch;
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
                            var copy = block.AsSpan(r * width, width);
                            for (int i = 0; i < width; i++)
                            {
                                copy[i] = row[xmap[i]];
                            }
                        }
                    }

                    var output = target.GetRow<T>(y, z);
                    for (int x = 0; x < nx; x++)
                    {
                        int n = 0;
                        for (int k = 0; k < rows; k++)
                        {
                            block.AsSpan((k * width) + x, (2 * ax) + 1).CopyTo(values.AsSpan(n));
                            n += (2 * ax) + 1;
                        }

                        output[x] = Select(values.AsSpan(), window / 2);
                    }
                }

                return scratch;
            }, _ => { });
        }
    }
}
