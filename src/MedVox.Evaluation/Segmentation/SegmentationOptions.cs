namespace MedVox.Evaluation.Segmentation;

/// <summary>How segmentations are compared.</summary>
public sealed record SegmentationOptions
{
    public static SegmentationOptions Default { get; } = new();

    /// <summary>Values of Dice, IoU and NSD when a mask is empty (see <see cref="EmptyMaskConvention"/>).</summary>
    public EmptyMaskConvention EmptyMasks { get; init; } = EmptyMaskConvention.Monai;

    /// <summary>Tolerance (mm) of the normalized surface Dice, for labels without their own in <see cref="SurfaceToleranceByLabel"/>.</summary>
    public double SurfaceTolerance { get; init; } = 1.0;

    /// <summary>Per-label NSD tolerances (mm) by label name, as the Decathlon set one per task and structure.</summary>
    public IReadOnlyDictionary<string, double>? SurfaceToleranceByLabel { get; init; }

    /// <summary>
    /// The value of HD, HD95 and ASSD when exactly one of the two masks is empty: +∞ as in MONAI, or a finite penalty
    /// such as the image diagonal (BraTS uses 373.13 mm).
    /// </summary>
    public double MissingSurfaceDistance { get; init; } = double.PositiveInfinity;

    /// <summary>How far (mm for spacing and origin, absolute for direction cosines) prediction and reference geometry may differ.</summary>
    public double GeometryTolerance { get; init; } = 1e-4;

    /// <summary>Cases evaluated at once by folder evaluation (0: as many as there are processors, at most 4, to bound memory).</summary>
    public int MaxParallelCases { get; init; }

    /// <summary>The NSD tolerance used for <paramref name="label"/>.</summary>
    public double ToleranceFor(string label) =>
        SurfaceToleranceByLabel is not null && SurfaceToleranceByLabel.TryGetValue(label, out double tolerance) ? tolerance : SurfaceTolerance;

    internal void Validate()
    {
        if (!(SurfaceTolerance >= 0) || !double.IsFinite(SurfaceTolerance))
        {
            throw new ArgumentOutOfRangeException(nameof(SurfaceTolerance), $"The NSD tolerance must be finite and non-negative, got {SurfaceTolerance}.");
        }

        if (SurfaceToleranceByLabel is not null)
        {
            foreach (var (label, tolerance) in SurfaceToleranceByLabel)
            {
                if (!(tolerance >= 0) || !double.IsFinite(tolerance))
                {
                    throw new ArgumentOutOfRangeException(nameof(SurfaceToleranceByLabel), $"The NSD tolerance of '{label}' must be finite and non-negative, got {tolerance}.");
                }
            }
        }

        if (double.IsNaN(MissingSurfaceDistance) || MissingSurfaceDistance < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MissingSurfaceDistance), $"The distance for a missing surface must be non-negative, got {MissingSurfaceDistance}.");
        }

        if (!(GeometryTolerance >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(GeometryTolerance), $"The geometry tolerance must be non-negative, got {GeometryTolerance}.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(MaxParallelCases);
    }
}
