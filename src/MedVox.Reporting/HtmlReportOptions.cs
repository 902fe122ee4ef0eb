using MedVox.Evaluation.Classification;
using MedVox.Evaluation.Detection;
using MedVox.Reporting.Snapshots;

namespace MedVox.Reporting;

/// <summary>What an <see cref="EvaluationHtmlReport"/> shows besides the segmentation metrics.</summary>
public sealed record HtmlReportOptions
{
    public static HtmlReportOptions Default { get; } = new();

    /// <summary>Free lines about the run, shown at the top as given (e.g. "method: classical baseline", the machine, the date, the command).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Images of cases for snapshots. Without an entry a case is still drawn from the label-map paths the evaluation recorded, as outlines on grey.</summary>
    public IReadOnlyList<CaseImages> Images { get; init; } = [];

    /// <summary>Cases to draw; null draws the worst and the median case by mean Dice over labels; empty draws none.</summary>
    public IReadOnlyList<string>? SnapshotCases { get; init; }

    public SnapshotOptions Snapshot { get; init; } = SnapshotOptions.Default;

    /// <summary>Binary classifiers: a metrics table and their ROC curves in one chart.</summary>
    public IReadOnlyList<NamedResult<BinaryClassification>> BinaryClassifications { get; init; } = [];

    /// <summary>Multi-class classifiers: confusion matrix, per-class and averaged metrics.</summary>
    public IReadOnlyList<NamedResult<MulticlassClassification>> MulticlassClassifications { get; init; } = [];

    /// <summary>Detectors: sensitivities at the FROC operating points and their FROC curves in one chart.</summary>
    public IReadOnlyList<NamedResult<FrocResult>> Detections { get; init; } = [];
}
