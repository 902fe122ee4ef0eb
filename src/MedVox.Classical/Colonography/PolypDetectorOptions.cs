namespace MedVox.Classical.Colonography;

/// <summary>Thresholds of <see cref="PolypDetector"/>; the defaults suit CT colonography of 0.5-1.5 mm voxels.</summary>
public sealed record PolypDetectorOptions
{
    /// <summary>Below this (HU) a voxel is gas.</summary>
    public double GasHu { get; init; } = -600;

    /// <summary>Above this (HU) a voxel in the lumen is tagged fluid (oral contrast).</summary>
    public double TaggedFluidHu { get; init; } = 200;

    /// <summary>Gaussian sigma (mm) applied after cleansing and before taking derivatives.</summary>
    public double SmoothingMm { get; init; } = 1.0;

    /// <summary>Surface voxels at least this cap-like count (1 = cap, 0.75 = ridge such as a haustral fold).</summary>
    public double MinShapeIndex { get; init; } = 0.9;

    /// <summary>Curvedness range (1/mm): 0.08 is a sphere of 12.5 mm radius (flatter is wall), 0.5 one of 2 mm (sharper is noise).</summary>
    public double MinCurvedness { get; init; } = 0.08;

    /// <inheritdoc cref="MinCurvedness"/>
    public double MaxCurvedness { get; init; } = 0.5;

    /// <summary>Clusters of cap-like surface smaller than this (mm^3 of voxels) are dropped.</summary>
    public double MinClusterVolumeMm3 { get; init; } = 10;

    /// <summary>Clusters of fewer surface voxels than this are dropped whatever their volume (single noisy voxels on coarse grids).</summary>
    public int MinClusterVoxels { get; init; } = 3;

    internal void Validate()
    {
        Check(GasHu < TaggedFluidHu, $"the gas threshold ({GasHu} HU) must lie below the tagged-fluid threshold ({TaggedFluidHu} HU)");
        Check(SmoothingMm >= 0 && double.IsFinite(SmoothingMm), $"the smoothing must be a finite number of mm >= 0, got {SmoothingMm}");
        Check(MinShapeIndex is >= 0 and <= 1, $"the minimum shape index must lie in [0, 1], got {MinShapeIndex}");
        Check(MinCurvedness >= 0 && MaxCurvedness > MinCurvedness && double.IsFinite(MaxCurvedness), $"the curvedness range must satisfy 0 <= min < max, got [{MinCurvedness}, {MaxCurvedness}]");
        Check(MinClusterVoxels >= 1, $"the minimum cluster size must be at least 1 voxel, got {MinClusterVoxels}");
        Check(MinClusterVolumeMm3 >= 0 && double.IsFinite(MinClusterVolumeMm3), $"the minimum cluster volume must be a finite number of mm^3 >= 0, got {MinClusterVolumeMm3}");
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException($"Polyp detector options: {message}.");
        }
    }
}
