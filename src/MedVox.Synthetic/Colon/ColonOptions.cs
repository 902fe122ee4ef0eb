using MedVox.Memory;

namespace MedVox.Synthetic.Colon;

/// <summary>Grid and content of CT colonography phantoms (same field of view and grid rules as the abdomen).</summary>
public sealed record ColonOptions
{
    /// <summary>Voxels along x and y (16 to 1024); the default field of view is 380 x 380 x 300 mm.</summary>
    public int Size { get; init; } = 128;

    public int? Slices { get; init; }

    public double? Spacing { get; init; }

    public double? SliceSpacing { get; init; }

    /// <summary>Noise SD (HU); drawn in [10, 20] per case when null.</summary>
    public double? NoiseSd { get; init; }

    /// <summary>Tagged fluid (oral contrast, ~500-700 HU) pooled in the dependent lumen.</summary>
    public bool TaggedFluid { get; init; } = true;

    /// <summary>Polyps per case (0 to 20).</summary>
    public int PolypCount { get; init; } = 3;

    public AllocationOptions? Allocation { get; init; }

    internal Abdomen.AbdomenOptions Grid => new()
    {
        Size = Size,
        Slices = Slices,
        Spacing = Spacing,
        SliceSpacing = SliceSpacing,
        NoiseSd = NoiseSd,
        Allocation = Allocation,
    };
}
