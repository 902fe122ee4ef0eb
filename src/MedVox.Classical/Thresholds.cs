using System.Numerics;
using MedVox.Imaging;

namespace MedVox.Classical;

/// <summary>Intensity thresholds: a range mask, and Otsu's threshold from the histogram (of the voxels in a mask, if given).</summary>
public static class Thresholds
{
    /// <summary>The largest number of unit bins an integer image gets before its histogram falls back to equal bins.</summary>
    public const int MaxIntegerBins = 1 << 20;

    /// <summary>A uint8 mask (0/1), 1 where <paramref name="lower"/> &lt;= value &lt;= <paramref name="upper"/> (NaN is outside).</summary>
    public static Image Range(Image image, double lower, double upper) => RangeMask(image, lower, upper).ToImage();

    internal static BinaryMask RangeMask(Image image, double lower, double upper)
    {
        BinaryMask.RequireScalarVolume(image, nameof(image));
        if (double.IsNaN(lower) || double.IsNaN(upper))
        {
            throw new ArgumentOutOfRangeException(nameof(lower), "Threshold bounds must not be NaN.");
        }

        var mask = new BinaryMask(image.Geometry);
        var visitor = new RangeVisitor(image, mask.Voxels, lower, upper);
        image.ElementType.Dispatch(ref visitor);
        return mask;
    }

    /// <summary>
    /// Otsu's threshold as skimage.filters.threshold_otsu computes it: integer images are histogrammed per integer value
    /// (up to <see cref="MaxIntegerBins"/> values; wider ranges and floating-point images use <paramref name="bins"/>
    /// equal bins between the minimum and maximum, as numpy.histogram), and the threshold is the bin centre that
    /// maximises the between-class variance. Voxels above it are foreground. With <paramref name="mask"/>, only voxels
    /// where the mask is non-zero count (skimage on <c>image[mask]</c>). NaN voxels are ignored.
    /// </summary>
    public static double Otsu(Image image, Image? mask = null, int bins = 256)
    {
        BinaryMask.RequireScalarVolume(image, nameof(image));
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 2);
        byte[]? selection = null;
        if (mask is not null)
        {
            if (mask.Size.X != image.Size.X || mask.Size.Y != image.Size.Y || mask.Size.Z != image.Size.Z)
            {
                throw new ArgumentException($"The mask has size {mask.Size}, the image {image.Size}.", nameof(mask));
            }

            selection = BinaryMask.FromImage(mask, nameof(mask)).Voxels;
        }

        var visitor = new OtsuVisitor(image, selection, bins);
        image.ElementType.Dispatch(ref visitor);
        return visitor.Result.Value;
    }

    /// <summary>skimage's rule on a histogram: argmax over i of w1(i)·w2(i+1)·(m1(i) − m2(i+1))², summed in its order.</summary>
    internal static double OtsuFromHistogram(long[] counts, double[] centers, bool integerCenters)
    {
        int n = counts.Length;
        var weight1 = new long[n];
        var weight2 = new long[n];
        var mean1 = new double[n];
        var mean2 = new double[n];
        Cumulate(counts, centers, integerCenters, weight1, mean1, fromLow: true);
        Cumulate(counts, centers, integerCenters, weight2, mean2, fromLow: false);

        int best = 0;
        double bestVariance = double.NegativeInfinity;
        for (int i = 0; i < n - 1; i++)
        {
            double d = mean1[i] - mean2[i + 1];
            double variance = (double)(weight1[i] * weight2[i + 1]) * (d * d);
            if (variance > bestVariance)
            {
                bestVariance = variance;
                best = i;
            }
        }

        return centers[best];
    }

    /// <summary>
    /// Cumulative class weight and mean from the low end (class 1) or the high end (class 2), as skimage sums them:
    /// integer centres in integer arithmetic, others in floating point.
    /// </summary>
    private static void Cumulate(long[] counts, double[] centers, bool integerCenters, long[] weights, double[] means, bool fromLow)
    {
        int n = counts.Length;
        long w = 0;
        double s = 0;
        long si = 0;
        for (int k = 0; k < n; k++)
        {
            int i = fromLow ? k : n - 1 - k;
            w += counts[i];
            weights[i] = w;
            if (integerCenters)
            {
                si += counts[i] * (long)centers[i];
                means[i] = (double)si / w;
            }
            else
            {
                s += counts[i] * centers[i];
                means[i] = s / w;
            }
        }
    }

    /// <summary>numpy.histogram's bin of a value for equal bins over [first, last] (edges from linspace, last bin closed).</summary>
    internal static int NumpyBin(double value, double first, double last, int bins, double[] edges)
    {
        double norm = bins / (last - first);
        int index = (int)((value - first) * norm);
        if (index == bins)
        {
            index--;
        }

        if (value < edges[index])
        {
            index--;
        }
        else if (value >= edges[index + 1] && index != bins - 1)
        {
            index++;
        }

        return index;
    }

    /// <summary>numpy.linspace(first, last, bins + 1).</summary>
    internal static double[] NumpyEdges(double first, double last, int bins)
    {
        var edges = new double[bins + 1];
        double step = (last - first) / bins;
        for (int i = 0; i <= bins; i++)
        {
            edges[i] = first + (i * step);
        }

        edges[bins] = last;
        return edges;
    }

    private readonly struct RangeVisitor(Image image, byte[] target, double lower, double upper) : IElementVisitor
    {
        public void Visit<T>()
            where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var (source, voxels, lo, hi) = (image, target, lower, upper);
            int nx = source.Size.X, ny = source.Size.Y;
            Parallel.For(0, source.Size.Z, z =>
            {
                for (int y = 0; y < ny; y++)
                {
                    var row = source.GetRow<T>(y, z);
                    var destination = voxels.AsSpan(((z * ny) + y) * nx, nx);
                    for (int x = 0; x < row.Length; x++)
                    {
                        double v = double.CreateTruncating(row[x]);
                        destination[x] = v >= lo && v <= hi ? (byte)1 : (byte)0;
                    }
                }
            });
        }
    }

    private sealed class Holder
    {
        public double Value;
    }

    private readonly struct OtsuVisitor(Image image, byte[]? selection, int bins) : IElementVisitor
    {
        public Holder Result { get; } = new();

        public void Visit<T>()
            where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var (min, max, count, first) = Extremes<T>();
            if (count == 0)
            {
                throw new ArgumentException("Otsu's threshold needs at least one voxel (inside the mask, not NaN).", nameof(image));
            }

            if (min == max)
            {
                // skimage returns the single value when every voxel holds it.
                Result.Value = first;
                return;
            }

            bool integer = !image.ElementType.IsFloatingPoint();
            long[] counts;
            double[] centers;
            if (integer && max - min < MaxIntegerBins)
            {
                int n = (int)(max - min) + 1;
                centers = new double[n];
                for (int i = 0; i < n; i++)
                {
                    centers[i] = min + i;
                }

                counts = Histogram<T>(n, min, max, unitBins: true, null);
            }
            else
            {
                var edges = NumpyEdges(min, max, bins);
                centers = new double[bins];
                for (int i = 0; i < bins; i++)
                {
                    centers[i] = (edges[i] + edges[i + 1]) / 2.0;
                }

                counts = Histogram<T>(bins, min, max, unitBins: false, edges);
                integer = false;
            }

            // skimage takes the histogram over the image's range, so both ends are occupied; nothing to trim.
            Result.Value = OtsuFromHistogram(counts, centers, integer && max - min < MaxIntegerBins);
        }

        private (double Min, double Max, long Count, double First) Extremes<T>()
            where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var source = image;
            var chosen = selection;
            int nx = source.Size.X, ny = source.Size.Y, nz = source.Size.Z;
            var mins = new double[nz];
            var maxs = new double[nz];
            var counts = new long[nz];
            var firsts = new double[nz];
            Parallel.For(0, nz, z =>
            {
                double lo = double.PositiveInfinity, hi = double.NegativeInfinity, head = double.NaN;
                long n = 0;
                for (int y = 0; y < ny; y++)
                {
                    var row = source.GetRow<T>(y, z);
                    int offset = ((z * ny) + y) * nx;
                    for (int x = 0; x < row.Length; x++)
                    {
                        double v = double.CreateTruncating(row[x]);
                        if ((chosen is not null && chosen[offset + x] == 0) || double.IsNaN(v))
                        {
                            continue;
                        }

                        if (n == 0)
                        {
                            head = v;
                        }

                        n++;
                        lo = Math.Min(lo, v);
                        hi = Math.Max(hi, v);
                    }
                }

                (mins[z], maxs[z], counts[z], firsts[z]) = (lo, hi, n, head);
            });

            double min = double.PositiveInfinity, max = double.NegativeInfinity, first = double.NaN;
            long count = 0;
            for (int z = 0; z < nz; z++)
            {
                if (counts[z] > 0 && count == 0)
                {
                    first = firsts[z];
                }

                count += counts[z];
                min = Math.Min(min, mins[z]);
                max = Math.Max(max, maxs[z]);
            }

            return (min, max, count, first);
        }

        private long[] Histogram<T>(int n, double min, double max, bool unitBins, double[]? edges)
            where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var source = image;
            var chosen = selection;
            int nx = source.Size.X, ny = source.Size.Y;
            var total = new long[n];
            var gate = new object();
            Parallel.For(0, source.Size.Z, () => new long[n], (z, _, local) =>
            {
                for (int y = 0; y < ny; y++)
                {
                    var row = source.GetRow<T>(y, z);
                    int offset = ((z * ny) + y) * nx;
                    for (int x = 0; x < row.Length; x++)
                    {
                        double v = double.CreateTruncating(row[x]);
                        if ((chosen is not null && chosen[offset + x] == 0) || double.IsNaN(v))
                        {
                            continue;
                        }

                        local[unitBins ? (int)(v - min) : NumpyBin(v, min, max, n, edges!)]++;
                    }
                }

                return local;
            }, local =>
            {
                lock (gate)
                {
                    for (int i = 0; i < n; i++)
                    {
                        total[i] += local[i];
                    }
                }
            });
            return total;
        }
    }
}
