namespace MedVox.Meshing;

/// <summary>How a label becomes a surface (see <see cref="LabelSurface"/>), and what is done to it afterwards.</summary>
public sealed record SurfaceOptions
{
    /// <summary>The default <see cref="SmoothingSigma"/>.</summary>
    public const double DefaultSigma = 0.8;

    /// <summary>
    /// Gaussian sigma, in voxels along each axis, applied to the label's 0/1 indicator before extraction; 0 gives plain
    /// marching cubes on the binary mask (a staircase whose area exceeds the true one by 10% or more).
    /// </summary>
    public double SmoothingSigma { get; init; } = DefaultSigma;

    /// <summary>
    /// Choose the iso-level so that the enclosed volume equals the label's voxel volume (default); otherwise extract at
    /// 0.5, where smoothing shrinks curved and thin parts.
    /// </summary>
    public bool MatchVoxelVolume { get; init; } = true;

    /// <summary>Taubin smoothing passes after extraction (0: none).</summary>
    public int SmoothingIterations { get; init; }

    /// <summary>Fraction of the triangles to remove by quadric-error decimation, in [0, 1) (0: none; 0.5 halves them).</summary>
    public double Decimation { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for values outside their ranges.</summary>
    public void Validate()
    {
        if (!(SmoothingSigma >= 0 && SmoothingSigma <= 5))
        {
            throw new ArgumentOutOfRangeException(nameof(SmoothingSigma), $"The smoothing sigma must be 0 to 5 voxels, got {SmoothingSigma}.");
        }

        if (SmoothingIterations is < 0 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(SmoothingIterations), $"Smoothing passes must be 0 to 10000, got {SmoothingIterations}.");
        }

        if (!(Decimation >= 0 && Decimation < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Decimation), $"The decimation must be at least 0 and below 1 (the fraction of triangles removed), got {Decimation}.");
        }
    }
}
