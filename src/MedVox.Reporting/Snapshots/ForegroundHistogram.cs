using System.Numerics;
using MedVox.Imaging;

namespace MedVox.Reporting.Snapshots;

/// <summary>Foreground voxel counts per index along each source axis of a label map (one pass, parallel over slices).</summary>
internal sealed class ForegroundHistogram
{
    private ForegroundHistogram(long[][] counts) => Counts = counts;

    /// <summary>Counts[axis][index]: foreground voxels in that plane.</summary>
    public long[][] Counts { get; }

    public long Total
    {
        get
        {
            long total = 0;
            foreach (long c in Counts[2])
            {
                total += c;
            }

            return total;
        }
    }

    public static ForegroundHistogram Compute(Image labels, LabelLookup lookup)
    {
        var visitor = new Visitor(labels, lookup);
        labels.ElementType.Dispatch(ref visitor);
        return new ForegroundHistogram(visitor.Counts);
    }

    /// <summary>The mean index of the foreground along <paramref name="axis"/>.</summary>
    public double Mean(int axis)
    {
        double sum = 0, count = 0;
        var counts = Counts[axis];
        for (int i = 0; i < counts.Length; i++)
        {
            sum += (double)i * counts[i];
            count += counts[i];
        }

        return count == 0 ? (counts.Length - 1) / 2.0 : sum / count;
    }

    /// <summary><paramref name="index"/> if its plane holds foreground, else the nearest plane that does (or <paramref name="index"/> when none does).</summary>
    public int NearestWithForeground(int axis, int index)
    {
        var counts = Counts[axis];
        for (int d = 0; d < counts.Length; d++)
        {
            if (index - d >= 0 && counts[index - d] > 0)
            {
                return index - d;
            }

            if (index + d < counts.Length && counts[index + d] > 0)
            {
                return index + d;
            }
        }

        return index;
    }

    private struct Visitor(Image image, LabelLookup lookup) : IElementVisitor
    {
        public long[][] Counts = [];

        public void Visit<T>()
            where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var source = image;
            var set = lookup;
            var size = source.Size;
            int channels = source.Channels;
            var xs = new long[size.X];
            var ys = new long[size.Y];
            var zs = new long[size.Z];
            var gate = new Lock();
            Parallel.For(0, size.Z, z =>
            {
                var localX = new long[size.X];
                var localY = new long[size.Y];
                long slice = 0;
                for (int y = 0; y < size.Y; y++)
                {
                    var row = source.GetRow<T>(y, z);
                    long inRow = 0;
                    for (int x = 0; x < size.X; x++)
                    {
                        if (set.Contains(double.CreateTruncating(row[x * channels])))
                        {
                            localX[x]++;
                            inRow++;
                        }
                    }

                    localY[y] += inRow;
                    slice += inRow;
                }

                zs[z] = slice;
                lock (gate)
                {
                    for (int x = 0; x < xs.Length; x++)
                    {
                        xs[x] += localX[x];
                    }

                    for (int y = 0; y < ys.Length; y++)
                    {
                        ys[y] += localY[y];
                    }
                }
            });
            Counts = [xs, ys, zs];
        }
    }
}
