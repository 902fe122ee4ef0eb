namespace MedVox.Evaluation.Detection;

/// <summary>How candidates are matched to lesions and where the FROC curve is read.</summary>
public sealed record DetectionOptions
{
    public static DetectionOptions Default { get; } = new();

    /// <summary>
    /// A candidate hits a lesion when its distance to the lesion centre is at most this times the lesion diameter.
    /// 0.5 (within the radius) is the LUNA16 rule and common CAD practice; larger values accept looser hits.
    /// </summary>
    public double HitDistanceFactor { get; init; } = 0.5;

    /// <summary>False positives per case at which sensitivity is reported; LUNA16's seven by default, whose mean is the CPM.</summary>
    public IReadOnlyList<double> FalsePositiveRates { get; init; } = [0.125, 0.25, 0.5, 1, 2, 4, 8];

    public FrocInterpolation Interpolation { get; init; } = FrocInterpolation.Linear;
}
