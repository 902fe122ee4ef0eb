namespace MedVox.Evaluation.Segmentation;

/// <summary>The metrics of one label of one case.</summary>
public sealed record LabelResult(LabelDefinition Label, SegmentationMetrics Metrics);
