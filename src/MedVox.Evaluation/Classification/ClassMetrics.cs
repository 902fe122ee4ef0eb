namespace MedVox.Evaluation.Classification;

/// <summary>One class of a multi-class evaluation, one-vs-rest.</summary>
/// <param name="Name">Class name.</param>
/// <param name="Counts">One-vs-rest counts; the support is TP + FN.</param>
/// <param name="RocAuc">AUC of this class's score column against "is this class" (NaN without scores or when the class is absent or universal).</param>
public sealed record ClassMetrics(string Name, ClassCounts Counts, double RocAuc)
{
    public long Support => Counts.TruePositives + Counts.FalseNegatives;

    public double Precision => Counts.Precision;

    public double Recall => Counts.Recall;

    public double Specificity => Counts.Specificity;

    public double F1 => Counts.F1;
}
