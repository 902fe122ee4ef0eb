namespace MedVox.Classical.Atlas;

/// <summary>How a <see cref="ProbabilisticAtlas"/> is built and applied.</summary>
public sealed record AtlasOptions
{
    /// <summary>Cells per axis of the body-normalised atlas grid (the spatial division); 24 cells over a 300 mm body are 12.5 mm each.</summary>
    public int GridCells { get; init; } = 24;

    /// <summary>Pseudo-count added to every label in every cell, so that no label is impossible anywhere.</summary>
    public double PriorPseudoCount { get; init; } = 0.5;

    /// <summary>Width (HU) of the intensity histogram bins.</summary>
    public double BinWidthHu { get; init; } = 8;

    /// <summary>Gaussian smoothing of each label's intensity histogram, in bins.</summary>
    public double HistogramSigmaBins { get; init; } = 2;

    /// <summary>Labels kept as their largest connected component after classification (single organs such as the liver or pancreas).</summary>
    public IReadOnlyList<int> SingleComponentLabels { get; init; } = [];

    internal void Validate()
    {
        if (GridCells is < 2 or > 256)
        {
            throw new ArgumentException($"Atlas options: the grid must have 2 to 256 cells per axis, got {GridCells}.");
        }

        if (!(PriorPseudoCount > 0) || !double.IsFinite(PriorPseudoCount) || !(BinWidthHu > 0) || !double.IsFinite(BinWidthHu) ||
            !(HistogramSigmaBins >= 0) || !double.IsFinite(HistogramSigmaBins))
        {
            throw new ArgumentException("Atlas options: the pseudo-count and bin width must be positive and the histogram sigma >= 0.");
        }
    }
}
