namespace MedVox.Evaluation.Segmentation;

/// <summary>
/// One column of the per-case table and of the summary: its name in CSV/JSON (snake_case, unit in the name), what it
/// is, and how to read it off <see cref="SegmentationMetrics"/>. Writers and the console table iterate <see cref="All"/>
/// so that they always agree.
/// </summary>
public sealed class SegmentationMetric
{
    private readonly Func<SegmentationMetrics, double> _selector;

    private SegmentationMetric(string name, string title, string description, bool higherIsBetter, bool summarized, Func<SegmentationMetrics, double> selector)
    {
        Name = name;
        Title = title;
        Description = description;
        HigherIsBetter = higherIsBetter;
        Summarized = summarized;
        _selector = selector;
    }

    public static SegmentationMetric Dice { get; } = new("dice", "Dice", "Dice similarity coefficient", true, true, m => m.Dice);

    public static SegmentationMetric Iou { get; } = new("iou", "IoU", "intersection over union (Jaccard)", true, true, m => m.Iou);

    public static SegmentationMetric Hausdorff { get; } = new("hd_mm", "HD", "Hausdorff distance (mm)", false, true, m => m.HausdorffDistance);

    public static SegmentationMetric Hausdorff95 { get; } = new("hd95_mm", "HD95", "95th-percentile Hausdorff distance (mm)", false, true, m => m.HausdorffDistance95);

    public static SegmentationMetric Assd { get; } = new("assd_mm", "ASSD", "average symmetric surface distance (mm)", false, true, m => m.AverageSymmetricSurfaceDistance);

    public static SegmentationMetric Nsd { get; } = new("nsd", "NSD", "normalized surface Dice at the tolerance", true, true, m => m.NormalizedSurfaceDice);

    public static SegmentationMetric NsdTolerance { get; } = new("nsd_tolerance_mm", "NSD tol.", "NSD tolerance (mm)", false, false, m => m.SurfaceTolerance);

    public static SegmentationMetric ReferenceVolume { get; } = new("reference_volume_mm3", "Ref. vol.", "reference volume (mm³)", false, true, m => m.ReferenceVolume);

    public static SegmentationMetric PredictionVolume { get; } = new("prediction_volume_mm3", "Pred. vol.", "prediction volume (mm³)", false, true, m => m.PredictionVolume);

    public static SegmentationMetric VolumeDifference { get; } = new("volume_difference_mm3", "Vol. diff.", "prediction − reference volume (mm³)", false, true, m => m.VolumeDifference);

    public static SegmentationMetric RelativeVolumeDifference { get; } = new("relative_volume_difference", "Rel. vol. diff.", "(prediction − reference) / reference volume", false, true, m => m.RelativeVolumeDifference);

    public static SegmentationMetric ReferenceVoxels { get; } = new("reference_voxels", "Ref. voxels", "reference voxels", false, false, m => m.ReferenceVoxels);

    public static SegmentationMetric PredictionVoxels { get; } = new("prediction_voxels", "Pred. voxels", "prediction voxels", false, false, m => m.PredictionVoxels);

    public static SegmentationMetric TruePositiveVoxels { get; } = new("true_positive_voxels", "TP", "voxels in both", false, false, m => m.TruePositiveVoxels);

    public static SegmentationMetric FalsePositiveVoxels { get; } = new("false_positive_voxels", "FP", "prediction voxels outside the reference", false, false, m => m.FalsePositiveVoxels);

    public static SegmentationMetric FalseNegativeVoxels { get; } = new("false_negative_voxels", "FN", "reference voxels missed", false, false, m => m.FalseNegativeVoxels);

    public static SegmentationMetric ReferenceSurfaceVoxels { get; } = new("reference_surface_voxels", "Ref. surface", "reference boundary voxels", false, false, m => m.ReferenceSurfaceVoxels);

    public static SegmentationMetric PredictionSurfaceVoxels { get; } = new("prediction_surface_voxels", "Pred. surface", "prediction boundary voxels", false, false, m => m.PredictionSurfaceVoxels);

    /// <summary>Every column, in table order.</summary>
    public static IReadOnlyList<SegmentationMetric> All { get; } =
    [
        Dice, Iou, Hausdorff, Hausdorff95, Assd, Nsd, NsdTolerance, ReferenceVolume, PredictionVolume, VolumeDifference,
        RelativeVolumeDifference, ReferenceVoxels, PredictionVoxels, TruePositiveVoxels, FalsePositiveVoxels,
        FalseNegativeVoxels, ReferenceSurfaceVoxels, PredictionSurfaceVoxels,
    ];

    /// <summary>The columns with summary statistics (the metrics; not the counts).</summary>
    public static IReadOnlyList<SegmentationMetric> SummarizedMetrics { get; } = [.. All.Where(m => m.Summarized)];

    /// <summary>Column name in CSV and JSON.</summary>
    public string Name { get; }

    /// <summary>Short heading for tables.</summary>
    public string Title { get; }

    public string Description { get; }

    public bool HigherIsBetter { get; }

    /// <summary>Whether the summary gives statistics of this column.</summary>
    public bool Summarized { get; }

    public double ValueOf(SegmentationMetrics metrics) => _selector(metrics);

    public override string ToString() => Name;
}
