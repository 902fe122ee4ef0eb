namespace MedVox.Reporting.Plots;

/// <summary>
/// Tukey box-plot numbers of finite values: quartiles by linear interpolation (numpy's default percentile, as
/// matplotlib's boxplot), whiskers at the furthest values within 1.5 IQR of the box.
/// </summary>
internal readonly record struct BoxStatistics(double Q1, double Median, double Q3, double WhiskerLow, double WhiskerHigh, int Count)
{
    /// <summary>The statistics of the finite values of <paramref name="values"/>; null when there are none.</summary>
    public static BoxStatistics? Compute(IEnumerable<double> values)
    {
        var sorted = values.Where(double.IsFinite).ToList();
        if (sorted.Count == 0)
        {
            return null;
        }

        sorted.Sort();
        double q1 = Percentile(sorted, 25), median = Percentile(sorted, 50), q3 = Percentile(sorted, 75);
        double reach = 1.5 * (q3 - q1);
        double low = sorted.First(v => v >= q1 - reach);
        double high = sorted.Last(v => v <= q3 + reach);
        return new BoxStatistics(q1, median, q3, low, high, sorted.Count);
    }

    internal static double Percentile(List<double> sorted, double percent)
    {
        double position = (sorted.Count - 1) * percent / 100;
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Count - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }
}
