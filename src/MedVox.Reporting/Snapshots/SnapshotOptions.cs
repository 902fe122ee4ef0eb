namespace MedVox.Reporting.Snapshots;

/// <summary>How case snapshots are drawn.</summary>
public sealed record SnapshotOptions
{
    public static SnapshotOptions Default { get; } = new();

    /// <summary>
    /// The grey-level window; null chooses one: <see cref="IntensityWindow.CtSoftTissue"/> when the image looks like CT
    /// (its 0.5th percentile on the shown slices is below −500, i.e. air in Hounsfield units), else the
    /// <see cref="LowerPercentile"/>–<see cref="UpperPercentile"/> range of the shown slices.
    /// </summary>
    public IntensityWindow? Window { get; init; }

    /// <summary>Percentile (0–100) shown black by the automatic window of non-CT images.</summary>
    public double LowerPercentile { get; init; } = 0.5;

    /// <summary>Percentile (0–100) shown white by the automatic window of non-CT images.</summary>
    public double UpperPercentile { get; init; } = 99.5;

    /// <summary>Pixels of the longest physical side of the volume; every view of a case shares this scale.</summary>
    public int PanelSize { get; init; } = 360;

    /// <summary>A fixed scale (image pixels per millimetre) instead of <see cref="PanelSize"/>.</summary>
    public double? PixelsPerMillimetre { get; init; }

    /// <summary>Width in pixels of prediction contours; reference contours are drawn twice as wide beneath them, so that both show where they coincide.</summary>
    public float LineWidth { get; init; } = 2;

    /// <summary>Names of the labels to outline; null outlines every evaluated label.</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>Views to draw, in order (views one voxel thick, such as those across a 2D image, are left out).</summary>
    public IReadOnlyList<SliceView> Views { get; init; } = [SliceView.Axial, SliceView.Coronal, SliceView.Sagittal];

    /// <summary>Whether to print the patient directions (R, L, A, P, S, I) at the edges of each view.</summary>
    public bool OrientationLetters { get; init; } = true;

    internal void Validate()
    {
        if (!(LowerPercentile >= 0) || !(UpperPercentile <= 100) || !(LowerPercentile < UpperPercentile))
        {
            throw new ArgumentOutOfRangeException(nameof(LowerPercentile), $"Window percentiles must satisfy 0 <= lower < upper <= 100, got {LowerPercentile} and {UpperPercentile}.");
        }

        if (PanelSize is < 16 or > 8192)
        {
            throw new ArgumentOutOfRangeException(nameof(PanelSize), $"The panel size must be 16 to 8192 pixels, got {PanelSize}.");
        }

        if (PixelsPerMillimetre is { } scale && (!(scale > 0) || scale > 1000))
        {
            throw new ArgumentOutOfRangeException(nameof(PixelsPerMillimetre), $"The scale must be positive and at most 1000 pixels per mm, got {scale}.");
        }

        if (!(LineWidth > 0) || LineWidth > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(LineWidth), $"The line width must be in (0, 32] pixels, got {LineWidth}.");
        }

        ArgumentNullException.ThrowIfNull(Views);
    }
}
