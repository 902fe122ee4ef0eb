using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Reporting;

/// <summary>
/// Where the report finds the images of one case for its snapshots. Each of image, prediction and reference is taken
/// from memory when given, else read from its path; prediction and reference paths default to those the evaluation
/// recorded (<see cref="Evaluation.Segmentation.CaseResult.PredictionPath"/>, <see cref="Evaluation.Segmentation.CaseResult.ReferencePath"/>).
/// Images given in memory stay the caller's: the report does not dispose them.
/// </summary>
/// <param name="CaseId">The case, as in the segmentation report.</param>
public sealed record CaseImages(string CaseId)
{
    /// <summary>The image shown in grey levels (for nnU-Net folders, the first channel CASE_0000).</summary>
    public string? ImagePath { get; init; }

    public string? PredictionPath { get; init; }

    public string? ReferencePath { get; init; }

    public Image? Image { get; init; }

    public Image? Prediction { get; init; }

    public Image? Reference { get; init; }

    /// <summary>A physical point (LPS, mm) the slices pass through, instead of the centre of the reference foreground.</summary>
    public Vector3D? Point { get; init; }
}
