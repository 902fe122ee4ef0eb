namespace MedVox.Evaluation.Classification;

/// <summary>Class-averaged metrics (macro: mean of per-class values; micro: from pooled counts).</summary>
public sealed record AveragedMetrics(double Precision, double Recall, double Specificity, double F1, double RocAuc);
