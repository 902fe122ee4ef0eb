using MedVox.Memory;

namespace MedVox.Synthetic;

/// <summary>What <c>medvox phantom KIND --out DIR [--cases N] [--size S] [--seed K]</c> asks for.</summary>
public sealed record PhantomOptions
{
    /// <summary>Number of cases (patients, or slices for the head kind), 1 to 100000.</summary>
    public int Cases { get; init; } = 4;

    /// <summary>Grid size: in-plane voxels of 3D kinds (default 128), side of 2D images (default 256).</summary>
    public int? Size { get; init; }

    public int Seed { get; init; } = 1;

    /// <summary>File ending of the images written (a format ImageFile knows).</summary>
    public string FileEnding { get; init; } = ".nii.gz";

    /// <summary>Where large volumes live while they are generated.</summary>
    public AllocationOptions? Allocation { get; init; }

    /// <summary>Finer control of the abdomen and colon grids (spacing, slices, noise, contrast); Size overrides its size.</summary>
    public Abdomen.AbdomenOptions? Abdomen { get; init; }

    public Colon.ColonOptions? Colon { get; init; }
}

/// <summary>What was written.</summary>
public sealed record PhantomDatasetResult(PhantomKind Kind, string Directory, int Cases, string Layout, IReadOnlyList<string> Files);
