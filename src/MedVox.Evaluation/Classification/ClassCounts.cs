namespace MedVox.Evaluation.Classification;

/// <summary>
/// One-vs-rest counts of a class and the ratios made of them. A ratio whose denominator is zero is NaN (undefined), as
/// in MONAI's confusion-matrix metrics; scikit-learn reports 0 there by default (<c>zero_division="warn"</c>).
/// </summary>
public readonly record struct ClassCounts(long TruePositives, long FalsePositives, long TrueNegatives, long FalseNegatives)
{
    /// <summary>TP / (TP + FP), the positive predictive value.</summary>
    public double Precision => Ratio(TruePositives, TruePositives + FalsePositives);

    /// <summary>TP / (TP + FN), the sensitivity.</summary>
    public double Recall => Ratio(TruePositives, TruePositives + FalseNegatives);

    /// <summary>TN / (TN + FP).</summary>
    public double Specificity => Ratio(TrueNegatives, TrueNegatives + FalsePositives);

    /// <summary>2TP / (2TP + FP + FN): the harmonic mean of precision and recall where both are defined.</summary>
    public double F1 => Ratio(2 * TruePositives, (2 * TruePositives) + FalsePositives + FalseNegatives);

    public double Accuracy => Ratio(TruePositives + TrueNegatives, Total);

    public long Total => TruePositives + FalsePositives + TrueNegatives + FalseNegatives;

    public static ClassCounts operator +(ClassCounts a, ClassCounts b) => new(
        a.TruePositives + b.TruePositives, a.FalsePositives + b.FalsePositives, a.TrueNegatives + b.TrueNegatives, a.FalseNegatives + b.FalseNegatives);

    private static double Ratio(long numerator, long denominator) => denominator == 0 ? double.NaN : (double)numerator / denominator;
}
