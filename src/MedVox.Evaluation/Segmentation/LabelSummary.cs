namespace MedVox.Evaluation.Segmentation;

/// <summary>Statistics over the evaluated cases of each summarized metric of one label.</summary>
public sealed class LabelSummary
{
    private readonly Dictionary<string, MetricStatistics> _metrics;

    internal LabelSummary(LabelDefinition label, Dictionary<string, MetricStatistics> metrics)
    {
        Label = label;
        _metrics = metrics;
    }

    public LabelDefinition Label { get; }

    /// <summary>Statistics by metric name (<see cref="SegmentationMetric.Name"/>).</summary>
    public IReadOnlyDictionary<string, MetricStatistics> Metrics => _metrics;

    public MetricStatistics this[SegmentationMetric metric] => _metrics[metric.Name];
}
