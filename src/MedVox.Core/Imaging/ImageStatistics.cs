using System.Numerics;

namespace MedVox.Imaging;

/// <summary>Minimum, maximum, mean and standard deviation over all finite elements of an image.</summary>
public readonly record struct ImageStatistics(double Min, double Max, double Mean, double StandardDeviation, long Count)
{
    /// <summary>Computes the statistics in one pass, in parallel over slices (NaN and infinities are ignored).</summary>
    public static ImageStatistics Compute(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var visitor = new Visitor(image);
        image.ElementType.Dispatch(ref visitor);
        return visitor.Result;
    }

    private struct Visitor(Image image) : IElementVisitor
    {
        public ImageStatistics Result;

        public void Visit<T>()
            where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var source = image;
            int slabs = source.Size.Z * source.Size.T;
            var partial = new Partial[slabs];
            Parallel.For(0, slabs, slab =>
            {
                int z = slab % source.Size.Z, t = slab / source.Size.Z;
                var acc = Partial.Empty;
                for (int y = 0; y < source.Size.Y; y++)
                {
                    acc.Add(source.GetRow<T>(y, z, t));
                }

                partial[slab] = acc;
            });

            var total = Partial.Empty;
            foreach (var p in partial)
            {
                total.Merge(p);
            }

            Result = total.ToStatistics();
        }
    }

    /// <summary>Running sums per slab; merged with Chan's formula so that large images keep precision.</summary>
    private struct Partial
    {
        public double Min, Max, Mean, M2;
        public long Count;

        public static Partial Empty => new() { Min = double.PositiveInfinity, Max = double.NegativeInfinity };

        public void Add<T>(ReadOnlySpan<T> values)
            where T : unmanaged, INumber<T>
        {
            double sum = 0, sumSquares = 0, min = Min, max = Max;
            long count = 0;
            foreach (var value in values)
            {
                double v = double.CreateTruncating(value);
                if (!double.IsFinite(v))
                {
                    continue;
                }

                sum += v;
                sumSquares += v * v;
                min = Math.Min(min, v);
                max = Math.Max(max, v);
                count++;
            }

            if (count == 0)
            {
                return;
            }

            double mean = sum / count;
            var row = new Partial { Min = min, Max = max, Mean = mean, M2 = Math.Max(0, sumSquares - (sum * mean)), Count = count };
            Merge(row);
        }

        public void Merge(Partial other)
        {
            if (other.Count == 0)
            {
                return;
            }

            Min = Math.Min(Min, other.Min);
            Max = Math.Max(Max, other.Max);
            long n = Count + other.Count;
            double delta = other.Mean - Mean;
            Mean += delta * other.Count / n;
            M2 += other.M2 + (delta * delta * Count * other.Count / n);
            Count = n;
        }

        public readonly ImageStatistics ToStatistics() => Count == 0
            ? new ImageStatistics(double.NaN, double.NaN, double.NaN, double.NaN, 0)
            : new ImageStatistics(Min, Max, Mean, Math.Sqrt(M2 / Count), Count);
    }
}
