namespace MedVox.Classical.Abdomen;

/// <summary>Settings of <see cref="AbdomenBaselineSegmenter"/>.</summary>
public sealed record AbdomenBaselineOptions
{
    /// <summary>Label values to write.</summary>
    public AbdomenBaselineLabels Labels { get; init; } = new();

    /// <summary>Gaussian sigma (mm) of the smoothing before the HU windows (noise of 10-20 HU down to a few).</summary>
    public double SmoothingMm { get; init; } = 2.0;
}
