namespace MedVox.Evaluation.Segmentation;

/// <summary>
/// One case: the metrics of every evaluated label, or the problems that kept it from being evaluated (missing file,
/// unreadable file, geometry mismatch, undeclared label values). A case with problems has no metrics.
/// </summary>
public sealed record CaseResult
{
    public CaseResult(string caseId, IReadOnlyList<LabelResult> labels, IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(caseId);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(problems);
        CaseId = caseId;
        Labels = labels;
        Problems = problems;
    }

    public string CaseId { get; }

    /// <summary>Per-label metrics in the label set's order; empty when the case was skipped.</summary>
    public IReadOnlyList<LabelResult> Labels { get; }

    /// <summary>One-line messages saying why the case was skipped; empty when it was evaluated.</summary>
    public IReadOnlyList<string> Problems { get; }

    public string? PredictionPath { get; init; }

    public string? ReferencePath { get; init; }

    public bool IsEvaluated => Problems.Count == 0;

    /// <summary>The metrics of the label named <paramref name="label"/>, or null.</summary>
    public SegmentationMetrics? this[string label]
    {
        get
        {
            foreach (var result in Labels)
            {
                if (result.Label.Name == label)
                {
                    return result.Metrics;
                }
            }

            return null;
        }
    }

    public static CaseResult Skipped(string caseId, params IReadOnlyList<string> problems) => new(caseId, [], problems);
}
