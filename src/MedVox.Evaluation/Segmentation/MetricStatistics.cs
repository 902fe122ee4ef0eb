namespace MedVox.Evaluation.Segmentation;

/// <summary>
/// Statistics of one metric over cases. NaN values (undefined metrics, e.g. Dice of an empty reference under MONAI's
/// convention) are left out and counted in <see cref="NaNCount"/>, as MONAI's reductions do; infinite values (a
/// missed structure's distances) are kept, so the mean is then infinite and the standard deviation NaN.
/// </summary>
/// <param name="Mean">Arithmetic mean of the values used.</param>
/// <param name="StandardDeviation">Sample standard deviation (n − 1 in the denominator, as pandas); NaN below two values.</param>
/// <param name="Median">Median (mean of the middle two for an even count).</param>
/// <param name="Min">Smallest value used.</param>
/// <param name="Max">Largest value used.</param>
/// <param name="Count">Values used (all but NaN).</param>
/// <param name="NaNCount">NaN values left out.</param>
/// <param name="InfiniteCount">Infinite values among those used.</param>
public readonly record struct MetricStatistics(double Mean, double StandardDeviation, double Median, double Min, double Max, int Count, int NaNCount, int InfiniteCount)
{
    public static MetricStatistics Compute(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var used = new List<double>();
        int nan = 0, infinite = 0;
        foreach (double v in values)
        {
            if (double.IsNaN(v))
            {
                nan++;
                continue;
            }

            infinite += double.IsInfinity(v) ? 1 : 0;
            used.Add(v);
        }

        if (used.Count == 0)
        {
            return new MetricStatistics(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, 0, nan, 0);
        }

        used.Sort();
        double sum = 0;
        foreach (double v in used)
        {
            sum += v;
        }

        double mean = sum / used.Count;
        double std = double.NaN;
        if (used.Count > 1 && infinite == 0)
        {
            double squares = 0;
            foreach (double v in used)
            {
                squares += (v - mean) * (v - mean);
            }

            std = Math.Sqrt(squares / (used.Count - 1));
        }

        int middle = used.Count / 2;
        double median = used.Count % 2 == 1 ? used[middle] : (used[middle - 1] / 2) + (used[middle] / 2);
        return new MetricStatistics(mean, std, median, used[0], used[^1], used.Count, nan, infinite);
    }
}
