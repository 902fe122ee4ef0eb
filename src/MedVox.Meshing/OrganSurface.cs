using MedVox.Imaging;

namespace MedVox.Meshing;

/// <summary>A structure to mesh: its name (the file name) and the label values that make it up.</summary>
public sealed record MeshLabel(string Name, IReadOnlyList<long> Values)
{
    public MeshLabel(string name, long value)
        : this(name, [value])
    {
    }

    /// <summary>The name used for a value without one: label_N.</summary>
    public static string DefaultName(long value) => $"label_{value}";
}

/// <summary>
/// One organ's surface and what <c>medvox mesh</c> reports about it: size, area, enclosed and voxel volume, the
/// volume change of each optional step, and the topology a printer cares about.
/// </summary>
public sealed record OrganSurface
{
    public required MeshLabel Label { get; init; }

    /// <summary>The final mesh (empty when the label has no voxel).</summary>
    public required TriangleMesh Mesh { get; init; }

    public long VoxelCount { get; init; }

    /// <summary>Voxel count times voxel volume (mL).</summary>
    public double VoxelVolumeMl { get; init; }

    /// <summary>Iso-level of the smoothed indicator at which the surface was extracted.</summary>
    public double Level { get; init; }

    /// <summary>Enclosed volume right after extraction (mL).</summary>
    public double ExtractedVolumeMl { get; init; }

    /// <summary>Relative change of enclosed volume by Taubin smoothing (null when not smoothed).</summary>
    public double? SmoothingVolumeChange { get; init; }

    /// <summary>Relative change of enclosed volume by decimation (null when not decimated).</summary>
    public double? DecimationVolumeChange { get; init; }

    /// <summary>Enclosed volume of the final mesh (mL).</summary>
    public double VolumeMl { get; init; }

    /// <summary>Surface area of the final mesh (mm²).</summary>
    public double AreaMm2 { get; init; }

    public required MeshTopology Topology { get; init; }

    /// <summary>The sides of the image the label touches ("x=0", "z=last", ...), where the surface is closed by padding.</summary>
    public IReadOnlyList<string> BorderSides { get; init; } = [];

    public bool IsEmpty => VoxelCount == 0;

    /// <summary>
    /// Builds one organ: extraction (<see cref="LabelSurface"/>), then the optional Taubin smoothing and quadric
    /// decimation of <paramref name="options"/>, measuring the volume after each step.
    /// </summary>
    public static OrganSurface Build(Image labels, MeshLabel label, LabelInventory inventory, SurfaceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(inventory);
        options ??= new SurfaceOptions();
        options.Validate();
        long count = 0;
        VoxelBox? box = null;
        foreach (long value in label.Values)
        {
            if (inventory.Extents.TryGetValue(value, out var extent))
            {
                count += extent.VoxelCount;
                box = box is { } b ? b.Union(extent.Box) : extent.Box;
            }
        }

        if (box is not { } bounds)
        {
            return new OrganSurface { Label = label, Mesh = TriangleMesh.Empty, Topology = MeshTopology.Analyze(TriangleMesh.Empty) };
        }

        var extracted = LabelSurface.Extract(labels, label.Values, options, new LabelExtent(count, bounds));
        var mesh = extracted.Mesh;
        double extractedVolume = mesh.EnclosedVolume();
        double? smoothing = null, decimation = null;
        if (options.SmoothingIterations > 0)
        {
            mesh = TaubinSmoothing.Smooth(mesh, options.SmoothingIterations);
            double after = mesh.EnclosedVolume();
            smoothing = (after - extractedVolume) / extractedVolume;
        }

        if (options.Decimation > 0)
        {
            double before = mesh.EnclosedVolume();
            mesh = QuadricDecimation.Decimate(mesh, options.Decimation);
            decimation = (mesh.EnclosedVolume() - before) / before;
        }

        return new OrganSurface
        {
            Label = label,
            Mesh = mesh,
            VoxelCount = count,
            VoxelVolumeMl = extracted.VoxelVolume / 1000,
            Level = extracted.Level,
            ExtractedVolumeMl = extractedVolume / 1000,
            SmoothingVolumeChange = smoothing,
            DecimationVolumeChange = decimation,
            VolumeMl = mesh.EnclosedVolume() / 1000,
            AreaMm2 = mesh.SurfaceArea(),
            Topology = MeshTopology.Analyze(mesh),
            BorderSides = SidesTouched(bounds, labels.Size),
        };
    }

    private static List<string> SidesTouched(VoxelBox box, ImageSize size)
    {
        var sides = new List<string>();
        if (box.MinX == 0)
        {
            sides.Add("x=0");
        }

        if (box.MaxX == size.X - 1)
        {
            sides.Add("x=last");
        }

        if (box.MinY == 0)
        {
            sides.Add("y=0");
        }

        if (box.MaxY == size.Y - 1)
        {
            sides.Add("y=last");
        }

        if (box.MinZ == 0)
        {
            sides.Add("z=0");
        }

        if (box.MaxZ == size.Z - 1)
        {
            sides.Add("z=last");
        }

        return sides;
    }
}
