using System.Numerics;

namespace MedVox.Imaging;

/// <summary>
/// Minimum, maximum, mean and the sum of squared deviations of a stream of values (NaN and infinities are skipped),
/// accumulated per row and merged with Chan's formula, so that partial results of slabs combine without losing
/// precision on large images.
/// </summary>
public struct RunningMoments
{
    public double Min, Max, Mean, M2;
    public long Count;

    public static RunningMoments Empty => new() { Min = double.PositiveInfinity, Max = double.NegativeInfinity };

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
        var row = new RunningMoments { Min = min, Max = max, Mean = mean, M2 = Math.Max(0, sumSquares - (sum * mean)), Count = count };
        Merge(row);
    }

    public void Merge(RunningMoments other)
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
