namespace MedVox.Evaluation.Segmentation;

/// <summary>
/// Per label and metric: mean, standard deviation, median, min and max over the evaluated cases; and, as nnU-Net's
/// "foreground_mean", the mean over labels of each label's mean (labels whose mean is NaN left out).
/// </summary>
public sealed class SegmentationSummary
{
    private SegmentationSummary(IReadOnlyList<LabelSummary> labels, IReadOnlyDictionary<string, double> foregroundMean, int evaluatedCases)
    {
        Labels = labels;
        ForegroundMean = foregroundMean;
        EvaluatedCases = evaluatedCases;
    }

    public IReadOnlyList<LabelSummary> Labels { get; }

    /// <summary>Mean over labels of the label means, by metric name.</summary>
    public IReadOnlyDictionary<string, double> ForegroundMean { get; }

    /// <summary>Cases that contributed (skipped cases do not).</summary>
    public int EvaluatedCases { get; }

    public static SegmentationSummary Compute(IEnumerable<CaseResult> cases, LabelSet labels)
    {
        ArgumentNullException.ThrowIfNull(cases);
        ArgumentNullException.ThrowIfNull(labels);
        var evaluated = cases.Where(c => c.IsEvaluated).ToList();
        var summaries = new List<LabelSummary>();
        foreach (var label in labels.Evaluated)
        {
            var values = evaluated.Select(c => c[label.Name]).OfType<SegmentationMetrics>().ToList();
            var statistics = new Dictionary<string, MetricStatistics>(StringComparer.Ordinal);
            foreach (var metric in SegmentationMetric.SummarizedMetrics)
            {
                statistics[metric.Name] = MetricStatistics.Compute(values.Select(metric.ValueOf));
            }

            summaries.Add(new LabelSummary(label, statistics));
        }

        var foreground = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var metric in SegmentationMetric.SummarizedMetrics)
        {
            var means = summaries.Select(s => s[metric].Mean).Where(m => !double.IsNaN(m)).ToList();
            foreground[metric.Name] = means.Count == 0 ? double.NaN : means.Average();
        }

        return new SegmentationSummary(summaries, foreground, evaluated.Count);
    }
}
