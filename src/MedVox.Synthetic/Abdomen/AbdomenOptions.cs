using MedVox.Memory;

namespace MedVox.Synthetic.Abdomen;

/// <summary>
/// Grid and appearance of abdomen phantoms. By default the grid covers a fixed field of view (380 x 380 mm in-plane,
/// 300 mm from the pelvis to the lung bases) with <see cref="Size"/> voxels each way; giving a spacing instead crops or
/// extends the field of view around the same centre.
/// </summary>
public sealed record AbdomenOptions
{
    /// <summary>In-plane field of view (mm) of the default grid.</summary>
    public const double FieldOfView = 380;

    /// <summary>Cranio-caudal extent (mm) of the default grid.</summary>
    public const double FieldOfViewZ = 300;

    /// <summary>Voxels along x and y (16 to 1024).</summary>
    public int Size { get; init; } = 128;

    /// <summary>Number of slices; <see cref="Size"/> when null.</summary>
    public int? Slices { get; init; }

    /// <summary>In-plane spacing (mm); <see cref="FieldOfView"/> / <see cref="Size"/> when null.</summary>
    public double? Spacing { get; init; }

    /// <summary>Slice spacing and thickness (mm); <see cref="FieldOfViewZ"/> / slices when null.</summary>
    public double? SliceSpacing { get; init; }

    /// <summary>Noise standard deviation (HU); drawn per case in [10, 20] when null; 0 gives noise-free images.</summary>
    public double? NoiseSd { get; init; }

    public ContrastPhase Contrast { get; init; } = ContrastPhase.Native;

    /// <summary>Where the volumes live (large ones can go to memory-mapped scratch files).</summary>
    public AllocationOptions? Allocation { get; init; }

    internal void Validate()
    {
        if (Size is < 16 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(Size), $"The abdomen grid size must be 16 to 1024 voxels, got {Size}.");
        }

        if (Slices is < 1 or > 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(Slices), $"The number of slices must be 1 to 4096, got {Slices}.");
        }

        if (Spacing is not null && !(Spacing > 0.1 && Spacing <= 20))
        {
            throw new ArgumentOutOfRangeException(nameof(Spacing), $"The in-plane spacing must be in (0.1, 20] mm, got {Spacing}.");
        }

        if (SliceSpacing is not null && !(SliceSpacing > 0.1 && SliceSpacing <= 20))
        {
            throw new ArgumentOutOfRangeException(nameof(SliceSpacing), $"The slice spacing must be in (0.1, 20] mm, got {SliceSpacing}.");
        }

        if (NoiseSd is not null && !(NoiseSd >= 0 && NoiseSd <= 500))
        {
            throw new ArgumentOutOfRangeException(nameof(NoiseSd), $"The noise SD must be 0 to 500 HU, got {NoiseSd}.");
        }
    }
}
