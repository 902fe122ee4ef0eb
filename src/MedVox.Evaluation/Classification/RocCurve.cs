namespace MedVox.Evaluation.Classification;

/// <summary>
/// The receiver operating characteristic of scores against binary labels: one point per distinct score threshold
/// (a case is positive when its score is at least the threshold), from (0, 0) at +∞ down to (1, 1), as
/// scikit-learn's <c>roc_curve(drop_intermediate=False)</c>.
/// </summary>
public sealed record RocCurve(IReadOnlyList<double> Thresholds, IReadOnlyList<double> FalsePositiveRates, IReadOnlyList<double> TruePositiveRates)
{
    /// <summary>
    /// Area under the ROC curve by the rank statistic (Mann–Whitney U): the probability that a random positive scores
    /// above a random negative, ties counting one half (average ranks). NaN when either class is absent.
    /// </summary>
    public static double Auc(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        CheckInputs(scores, labels);
        var order = SortedIndices(scores);
        long positives = 0;
        double rankSum = 0;
        int i = 0;
        while (i < order.Length)
        {
            int j = i;
            while (j + 1 < order.Length && scores[order[j + 1]] == scores[order[i]])
            {
                j++;
            }

            // Ranks i+1 .. j+1 share the average rank.
            double rank = ((i + 1) + (j + 1)) / 2.0;
            for (int k = i; k <= j; k++)
            {
                if (labels[order[k]])
                {
                    positives++;
                    rankSum += rank;
                }
            }

            i = j + 1;
        }

        long negatives = order.Length - positives;
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }

        return (rankSum - (positives * (positives + 1) / 2.0)) / ((double)positives * negatives);
    }

    public static RocCurve Compute(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        CheckInputs(scores, labels);
        var order = SortedIndices(scores);
        long positives = 0;
        foreach (bool label in labels)
        {
            positives += label ? 1 : 0;
        }

        long negatives = labels.Length - positives;
        var thresholds = new List<double> { double.PositiveInfinity };
        var fpr = new List<double> { 0 };
        var tpr = new List<double> { 0 };
        long tp = 0, fp = 0;
        for (int i = order.Length - 1; i >= 0; i--)
        {
            if (labels[order[i]])
            {
                tp++;
            }
            else
            {
                fp++;
            }

            if (i == 0 || scores[order[i - 1]] != scores[order[i]])
            {
                thresholds.Add(scores[order[i]]);
                fpr.Add(negatives == 0 ? double.NaN : (double)fp / negatives);
                tpr.Add(positives == 0 ? double.NaN : (double)tp / positives);
            }
        }

        return new RocCurve(thresholds, fpr, tpr);
    }

    internal static void CheckInputs(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        if (scores.Length != labels.Length)
        {
            throw new ArgumentException($"{scores.Length} scores but {labels.Length} labels.", nameof(labels));
        }

        for (int i = 0; i < scores.Length; i++)
        {
            if (double.IsNaN(scores[i]))
            {
                throw new ArgumentException($"Score {i} is NaN.", nameof(scores));
            }
        }
    }

    /// <summary>Indices ordered by ascending score.</summary>
    private static int[] SortedIndices(ReadOnlySpan<double> scores)
    {
        var keys = scores.ToArray();
        var order = new int[keys.Length];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(keys, order);
        return order;
    }
}
