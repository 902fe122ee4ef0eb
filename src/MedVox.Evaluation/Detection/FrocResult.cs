namespace MedVox.Evaluation.Detection;

/// <summary>
/// The free-response ROC of a detector over a set of cases: sensitivity (detected lesions / all lesions) against mean
/// false positives per case, one point per distinct score, starting at (0, 0) for threshold +∞.
/// </summary>
public sealed class FrocResult
{
    internal FrocResult(IReadOnlyList<FrocPoint> curve, IReadOnlyList<DetectionCaseResult> cases, int lesionCount, DetectionOptions options)
    {
        Curve = curve;
        Cases = cases;
        LesionCount = lesionCount;
        Options = options;
        SensitivitiesAtRates = [.. options.FalsePositiveRates.Select(r => SensitivityAt(r, options.Interpolation))];
        double sum = 0;
        foreach (double s in SensitivitiesAtRates)
        {
            sum += s;
        }

        CompetitionPerformanceMetric = SensitivitiesAtRates.Count == 0 ? double.NaN : sum / SensitivitiesAtRates.Count;
    }

    public IReadOnlyList<FrocPoint> Curve { get; }

    public IReadOnlyList<DetectionCaseResult> Cases { get; }

    public int CaseCount => Cases.Count;

    public int LesionCount { get; }

    public DetectionOptions Options { get; }

    /// <summary>Sensitivity at each of <see cref="DetectionOptions.FalsePositiveRates"/>, in that order.</summary>
    public IReadOnlyList<double> SensitivitiesAtRates { get; }

    /// <summary>The mean of <see cref="SensitivitiesAtRates"/> (LUNA16's CPM with the default rates).</summary>
    public double CompetitionPerformanceMetric { get; }

    /// <summary>Sensitivity at <paramref name="falsePositivesPerCase"/>, read off the curve as <paramref name="interpolation"/> says.</summary>
    public double SensitivityAt(double falsePositivesPerCase, FrocInterpolation interpolation = FrocInterpolation.Linear)
    {
        if (LesionCount == 0 || double.IsNaN(falsePositivesPerCase))
        {
            return double.NaN;
        }

        // The last point at or below the rate (np.interp's "searchsorted right − 1"); the curve's rates never decrease.
        int j = -1;
        for (int i = 0; i < Curve.Count && Curve[i].FalsePositivesPerCase <= falsePositivesPerCase; i++)
        {
            j = i;
        }

        if (j < 0)
        {
            return Curve[0].Sensitivity;
        }

        var below = Curve[j];
        if (interpolation == FrocInterpolation.Step || j == Curve.Count - 1 || below.FalsePositivesPerCase == falsePositivesPerCase)
        {
            return below.Sensitivity;
        }

        var above = Curve[j + 1];
        double t = (falsePositivesPerCase - below.FalsePositivesPerCase) / (above.FalsePositivesPerCase - below.FalsePositivesPerCase);
        return below.Sensitivity + (t * (above.Sensitivity - below.Sensitivity));
    }
}
