namespace MedVox.Learning.Data;

/// <summary>
/// Statistics of foreground intensities (voxels whose label is above 0) of one channel, as nnU-Net's fingerprint keeps
/// them; NaN when there is no foreground. Percentiles interpolate linearly between order statistics (numpy's default).
/// </summary>
public sealed record IntensityStatistics
{
    public double Mean { get; init; }

    /// <summary>Population standard deviation (numpy's ddof=0).</summary>
    public double StandardDeviation { get; init; }

    public double Median { get; init; }

    public double Min { get; init; }

    public double Max { get; init; }

    public double Percentile00_5 { get; init; }

    public double Percentile99_5 { get; init; }

    /// <summary>Voxels the mean, deviation, min and max are computed over.</summary>
    public long Count { get; init; }

    /// <summary>Values the median and percentiles are computed from (all foreground voxels, or a uniform sample of them).</summary>
    public long Sampled { get; init; }

    public static IntensityStatistics Empty { get; } = new()
    {
        Mean = double.NaN,
        StandardDeviation = double.NaN,
        Median = double.NaN,
        Min = double.NaN,
        Max = double.NaN,
        Percentile00_5 = double.NaN,
        Percentile99_5 = double.NaN,
    };

    /// <summary>Everything from <paramref name="values"/>, which is sorted in place.</summary>
    public static IntensityStatistics FromSample(float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length == 0)
        {
            return Empty;
        }

        var moments = Moments.Empty;
        moments.Add(values);
        return FromMoments(moments, values);
    }

    /// <summary>Exact moments and extremes from <paramref name="moments"/>, order statistics from <paramref name="sample"/> (sorted in place).</summary>
    internal static IntensityStatistics FromMoments(Moments moments, float[] sample)
    {
        if (moments.Count == 0 || sample.Length == 0)
        {
            return Empty with { Count = moments.Count };
        }

        Array.Sort(sample);
        return new IntensityStatistics
        {
            Mean = moments.Mean,
            StandardDeviation = Math.Sqrt(moments.M2 / moments.Count),
            Min = moments.Min,
            Max = moments.Max,
            Median = Percentile(sample, 50),
            Percentile00_5 = Percentile(sample, 0.5),
            Percentile99_5 = Percentile(sample, 99.5),
            Count = moments.Count,
            Sampled = sample.Length,
        };
    }

    /// <summary>numpy.percentile with linear interpolation over sorted values.</summary>
    public static double Percentile(ReadOnlySpan<float> sorted, double percent)
    {
        if (sorted.IsEmpty)
        {
            return double.NaN;
        }

        double position = percent / 100 * (sorted.Length - 1);
        int low = (int)Math.Floor(position);
        int high = Math.Min(low + 1, sorted.Length - 1);
        double fraction = position - low;
        return sorted[low] + ((sorted[high] - (double)sorted[low]) * fraction);
    }
}

/// <summary>Running count, mean, sum of squared deviations, min and max; merged with Chan's formula.</summary>
internal struct Moments
{
    public long Count;
    public double Mean, M2, Min, Max;

    public static Moments Empty => new() { Min = double.PositiveInfinity, Max = double.NegativeInfinity };

    public void Add(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
        {
            Add(v);
        }
    }

    public void Add(double v)
    {
        Count++;
        double delta = v - Mean;
        Mean += delta / Count;
        M2 += delta * (v - Mean);
        Min = Math.Min(Min, v);
        Max = Math.Max(Max, v);
    }

    public void Merge(in Moments other)
    {
        if (other.Count == 0)
        {
            return;
        }

        if (Count == 0)
        {
            this = other;
            return;
        }

        long n = Count + other.Count;
        double delta = other.Mean - Mean;
        Mean += delta * other.Count / n;
        M2 += other.M2 + (delta * delta * Count * other.Count / n);
        Min = Math.Min(Min, other.Min);
        Max = Math.Max(Max, other.Max);
        Count = n;
    }
}
