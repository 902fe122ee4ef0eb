namespace MedVox.Evaluation.Classification;

/// <summary>
/// Multi-class (single-label) classification metrics: confusion matrix, per-class one-vs-rest metrics, and their
/// macro and micro averages.
/// <list type="bullet">
/// <item>Macro: the unweighted mean over classes, leaving out classes where the metric is NaN (as MONAI's reductions
/// do; scikit-learn would count an undefined precision as 0).</item>
/// <item>Micro: ratios of the counts pooled over classes; for single-label data micro precision = recall = F1 =
/// accuracy. Micro AUC is the AUC of all (case, class) score/indicator pairs together, scikit-learn's
/// <c>roc_auc_score(label_binarize(y), scores, average="micro")</c>.</item>
/// </list>
/// </summary>
public sealed record MulticlassClassification(ConfusionMatrix Matrix, IReadOnlyList<ClassMetrics> Classes, AveragedMetrics Macro, AveragedMetrics Micro)
{
    public double Accuracy
    {
        get
        {
            long correct = 0;
            for (int c = 0; c < Matrix.ClassCount; c++)
            {
                correct += Matrix[c, c];
            }

            return Matrix.Total == 0 ? double.NaN : (double)correct / Matrix.Total;
        }
    }

    /// <summary>
    /// Evaluates scores (<paramref name="scores"/>: one row of <paramref name="classNames"/>.Count values per case,
    /// row-major) against class indices. The predicted class is the highest score (the first on ties, as numpy's argmax).
    /// </summary>
    public static MulticlassClassification Evaluate(ReadOnlySpan<double> scores, ReadOnlySpan<int> labels, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        int k = classNames.Count;
        if (scores.Length != labels.Length * (long)k)
        {
            throw new ArgumentException($"{labels.Length} cases of {k} classes need {labels.Length * (long)k} scores; got {scores.Length}.", nameof(scores));
        }

        var predicted = new int[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            var row = scores.Slice(i * k, k);
            int best = 0;
            for (int c = 0; c < k; c++)
            {
                if (double.IsNaN(row[c]))
                {
                    throw new ArgumentException($"Score of case {i}, class {c} is NaN.", nameof(scores));
                }

                if (row[c] > row[best])
                {
                    best = c;
                }
            }

            predicted[i] = best;
        }

        var matrix = ConfusionMatrix.FromLabels(labels, predicted, classNames);
        var aucs = new double[k];
        var column = new double[labels.Length];
        var isClass = new bool[labels.Length];
        for (int c = 0; c < k; c++)
        {
            for (int i = 0; i < labels.Length; i++)
            {
                column[i] = scores[(i * k) + c];
                isClass[i] = labels[i] == c;
            }

            aucs[c] = RocCurve.Auc(column, isClass);
        }

        var flatLabels = new bool[scores.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            flatLabels[(i * k) + labels[i]] = true;
        }

        return Build(matrix, aucs, RocCurve.Auc(scores, flatLabels));
    }

    /// <summary>Evaluates predicted class indices without scores (AUCs are NaN).</summary>
    public static MulticlassClassification Evaluate(ReadOnlySpan<int> predicted, ReadOnlySpan<int> labels, IReadOnlyList<string> classNames)
    {
        var matrix = ConfusionMatrix.FromLabels(labels, predicted, classNames);
        var aucs = new double[matrix.ClassCount];
        Array.Fill(aucs, double.NaN);
        return Build(matrix, aucs, double.NaN);
    }

    private static MulticlassClassification Build(ConfusionMatrix matrix, double[] aucs, double microAuc)
    {
        var classes = new List<ClassMetrics>(matrix.ClassCount);
        var pooled = default(ClassCounts);
        for (int c = 0; c < matrix.ClassCount; c++)
        {
            var counts = new ClassCounts(matrix.TruePositives(c), matrix.FalsePositives(c), matrix.TrueNegatives(c), matrix.FalseNegatives(c));
            pooled += counts;
            classes.Add(new ClassMetrics(matrix.ClassNames[c], counts, aucs[c]));
        }

        var macro = new AveragedMetrics(
            MeanOfDefined(classes, m => m.Precision),
            MeanOfDefined(classes, m => m.Recall),
            MeanOfDefined(classes, m => m.Specificity),
            MeanOfDefined(classes, m => m.F1),
            MeanOfDefined(classes, m => m.RocAuc));
        var micro = new AveragedMetrics(pooled.Precision, pooled.Recall, pooled.Specificity, pooled.F1, microAuc);
        return new MulticlassClassification(matrix, classes, macro, micro);
    }

    private static double MeanOfDefined(List<ClassMetrics> classes, Func<ClassMetrics, double> metric)
    {
        double sum = 0;
        int count = 0;
        foreach (var c in classes)
        {
            double v = metric(c);
            if (!double.IsNaN(v))
            {
                sum += v;
                count++;
            }
        }

        return count == 0 ? double.NaN : sum / count;
    }
}
