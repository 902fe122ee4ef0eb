namespace MedVox.Evaluation.Segmentation;

/// <summary>The evaluation of a set of cases: every case (evaluated or skipped, sorted by ID), the summary, and whether anything went wrong.</summary>
public sealed class SegmentationReport
{
    public SegmentationReport(IEnumerable<CaseResult> cases, LabelSet labels, SegmentationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cases);
        ArgumentNullException.ThrowIfNull(labels);
        Cases = [.. cases.OrderBy(c => c.CaseId, StringComparer.Ordinal)];
        Labels = labels;
        Options = options ?? SegmentationOptions.Default;
        Summary = SegmentationSummary.Compute(Cases, labels);
    }

    public IReadOnlyList<CaseResult> Cases { get; }

    public LabelSet Labels { get; }

    public SegmentationOptions Options { get; }

    public SegmentationSummary Summary { get; }

    public string? PredictionFolder { get; init; }

    public string? ReferenceFolder { get; init; }

    public int EvaluatedCount => Cases.Count(c => c.IsEvaluated);

    public int SkippedCount => Cases.Count - EvaluatedCount;

    /// <summary>True when any case was skipped; the command line then exits with a non-zero code.</summary>
    public bool HasProblems => SkippedCount > 0;

    /// <summary>Every problem as "case: message", in case order.</summary>
    public IEnumerable<string> ProblemLines => Cases.SelectMany(c => c.Problems.Select(p => $"{c.CaseId}: {p}"));
}
