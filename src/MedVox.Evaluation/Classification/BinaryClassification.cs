namespace MedVox.Evaluation.Classification;

/// <summary>Binary classification metrics from scores and labels (true = positive).</summary>
/// <param name="Counts">Confusion counts at <paramref name="Threshold"/>.</param>
/// <param name="Threshold">A case is predicted positive when its score is at least this.</param>
/// <param name="RocAuc">Area under the ROC curve (threshold-free; NaN when a class is absent).</param>
/// <param name="Roc">The ROC curve.</param>
public sealed record BinaryClassification(ClassCounts Counts, double Threshold, double RocAuc, RocCurve Roc)
{
    public double Precision => Counts.Precision;

    /// <summary>Recall, the sensitivity.</summary>
    public double Recall => Counts.Recall;

    public double Specificity => Counts.Specificity;

    public double F1 => Counts.F1;

    public double Accuracy => Counts.Accuracy;

    /// <summary>Evaluates <paramref name="scores"/> (higher = more likely positive) against <paramref name="labels"/>.</summary>
    public static BinaryClassification Evaluate(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels, double threshold = 0.5)
    {
        RocCurve.CheckInputs(scores, labels);
        if (double.IsNaN(threshold))
        {
            throw new ArgumentException("The threshold is NaN.", nameof(threshold));
        }

        long tp = 0, fp = 0, tn = 0, fn = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            bool predicted = scores[i] >= threshold;
            if (labels[i])
            {
                if (predicted)
                {
                    tp++;
                }
                else
                {
                    fn++;
                }
            }
            else if (predicted)
            {
                fp++;
            }
            else
            {
                tn++;
            }
        }

        return new BinaryClassification(new ClassCounts(tp, fp, tn, fn), threshold, RocCurve.Auc(scores, labels), RocCurve.Compute(scores, labels));
    }
}
