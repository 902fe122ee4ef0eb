using System.Numerics;
using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Classical;

/// <summary>
/// Separable Gaussian smoothing with sigmas in mm (divided by each axis' spacing), as scipy.ndimage.gaussian_filter
/// computes it: kernel radius round(truncate * sigma in voxels), borders mirrored ("reflect": d c b a | a b c d).
/// The result is float32 in the input's geometry. The x pass runs over rows, the y pass over the rows of a slice and
/// the z pass over the rows of a y-plane, each weighted row added as a whole span (SIMD), in parallel over slices
/// and planes, in place in the output.
/// </summary>
public static class GaussianFilter
{
    /// <summary>Kernel extent in sigmas, scipy's default.</summary>
    public const double DefaultTruncate = 4.0;

    /// <summary>Smooths with the same sigma (mm) along every axis.</summary>
    public static Image Smooth(Image image, double sigmaMm, double truncate = DefaultTruncate) =>
        Smooth(image, new Vector3D(sigmaMm, sigmaMm, sigmaMm), truncate);

    /// <summary>Smooths with sigma (mm) per physical index axis (x, y, z); 0 leaves an axis alone.</summary>
    public static Image Smooth(Image image, Vector3D sigmaMm, double truncate = DefaultTruncate)
    {
        BinaryMask.RequireScalarVolume(image, nameof(image));
        for (int axis = 0; axis < 3; axis++)
        {
            if (!(sigmaMm[axis] >= 0) || !double.IsFinite(sigmaMm[axis]))
            {
                throw new ArgumentOutOfRangeException(nameof(sigmaMm), $"Sigmas must be finite numbers of mm >= 0, got {sigmaMm}.");
            }
        }

        if (!(truncate > 0) || !double.IsFinite(truncate))
        {
            throw new ArgumentOutOfRangeException(nameof(truncate), $"The truncation must be a positive number of sigmas, got {truncate}.");
        }

        var output = image.ConvertTo(ElementType.Float32);
        try
        {
            SmoothInPlace(output, sigmaMm, truncate);
        }
        catch
        {
            output.Dispose();
            throw;
        }

        return output;
    }

    /// <summary>Smooths a contiguous float32 volume in place.</summary>
    internal static void SmoothInPlace(Image volume, Vector3D sigmaMm, double truncate = DefaultTruncate)
    {
        var spacing = volume.Geometry.Spacing;
        var size = volume.Size;
        var kx = Kernel(sigmaMm.X / spacing.X, truncate);
        var ky = Kernel(sigmaMm.Y / spacing.Y, truncate);
        var kz = Kernel(sigmaMm.Z / spacing.Z, truncate);
        if (kx.Length > 1 && size.X > 1)
        {
            AlongX(volume, kx);
        }

        if (ky.Length > 1 && size.Y > 1)
        {
            AlongY(volume, ky);
        }

        if (kz.Length > 1 && size.Z > 1)
        {
            AlongZ(volume, kz);
        }
    }

    /// <summary>The half kernel (centre weight first) of scipy's _gaussian_kernel1d, normalised to sum 1.</summary>
    internal static float[] Kernel(double sigma, double truncate)
    {
        if (sigma <= 0)
        {
            return [1f];
        }

        int radius = (int)((truncate * sigma) + 0.5);
        var weights = new double[radius + 1];
        double sum = 0;
        for (int k = 0; k <= radius; k++)
        {
            weights[k] = Math.Exp(-0.5 / (sigma * sigma) * k * k);
            sum += k == 0 ? weights[k] : 2 * weights[k];
        }

        var result = new float[radius + 1];
        for (int k = 0; k <= radius; k++)
        {
            result[k] = (float)(weights[k] / sum);
        }

        return result;
    }

    /// <summary>scipy's "reflect" boundary: the index of the mirrored sample for any integer position.</summary>
    internal static int Reflect(int i, int n)
    {
        int period = 2 * n;
        int m = i % period;
        if (m < 0)
        {
            m += period;
        }

        return m < n ? m : period - 1 - m;
    }

    private static void AlongX(Image volume, float[] kernel)
    {
        int nx = volume.Size.X, ny = volume.Size.Y, radius = kernel.Length - 1;
        Parallel.For(0, volume.Size.Z, () => new float[nx + (2 * radius)], (z, _, padded) =>
        {
            for (int y = 0; y < ny; y++)
            {
                var row = volume.GetRow<float>(y, z);
                for (int i = 0; i < padded.Length; i++)
                {
                    padded[i] = row[Reflect(i - radius, nx)];
                }

                var p = padded.AsSpan();
                MultiplyInto(row, p.Slice(radius, nx), kernel[0]);
                for (int k = 1; k <= radius; k++)
                {
                    AddPair(row, p.Slice(radius - k, nx), p.Slice(radius + k, nx), kernel[k]);
                }
            }

            return padded;
        }, _ => { });
    }

    private static void AlongY(Image volume, float[] kernel)
    {
        int nx = volume.Size.X, ny = volume.Size.Y;
        Parallel.For(0, volume.Size.Z, () => new float[nx * ny], (z, _, copy) =>
        {
            for (int y = 0; y < ny; y++)
            {
                volume.GetRow<float>(y, z).CopyTo(copy.AsSpan(y * nx, nx));
            }

            Convolve(copy, ny, nx, kernel, volume, z, alongZ: false);
            return copy;
        }, _ => { });
    }

    private static void AlongZ(Image volume, float[] kernel)
    {
        int nx = volume.Size.X, nz = volume.Size.Z;
        Parallel.For(0, volume.Size.Y, () => new float[nx * nz], (y, _, copy) =>
        {
            for (int z = 0; z < nz; z++)
            {
                volume.GetRow<float>(y, z).CopyTo(copy.AsSpan(z * nx, nx));
            }

            Convolve(copy, nz, nx, kernel, volume, y, alongZ: true);
            return copy;
        }, _ => { });
    }

    /// <summary>
    /// Convolves across the <paramref name="lines"/> rows (of <paramref name="nx"/> values) copied from one slice (y
    /// rows of slice <paramref name="fixedIndex"/>) or one y-plane (z rows of row <paramref name="fixedIndex"/>) and
    /// writes the result back into the volume.
    /// </summary>
    private static void Convolve(float[] source, int lines, int nx, float[] kernel, Image volume, int fixedIndex, bool alongZ)
    {
        int radius = kernel.Length - 1;
        for (int j = 0; j < lines; j++)
        {
            var output = alongZ ? volume.GetRow<float>(fixedIndex, j) : volume.GetRow<float>(j, fixedIndex);
            MultiplyInto(output, source.AsSpan(j * nx, nx), kernel[0]);
            for (int k = 1; k <= radius; k++)
            {
                int below = Reflect(j - k, lines), above = Reflect(j + k, lines);
                AddPair(output, source.AsSpan(below * nx, nx), source.AsSpan(above * nx, nx), kernel[k]);
            }
        }
    }

    private static void MultiplyInto(Span<float> output, ReadOnlySpan<float> a, float w)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var wv = new Vector<float>(w);
            for (; i <= output.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                (new Vector<float>(a[i..]) * wv).CopyTo(output[i..]);
            }
        }

        for (; i < output.Length; i++)
        {
            output[i] = a[i] * w;
        }
    }

    private static void AddPair(Span<float> output, ReadOnlySpan<float> a, ReadOnlySpan<float> b, float w)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var wv = new Vector<float>(w);
            for (; i <= output.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                (new Vector<float>(output[i..]) + ((new Vector<float>(a[i..]) + new Vector<float>(b[i..])) * wv)).CopyTo(output[i..]);
            }
        }

        for (; i < output.Length; i++)
        {
            output[i] += (a[i] + b[i]) * w;
        }
    }
}
