using System.Text.Json.Serialization;

namespace MedVox.Learning.Data;

/// <summary>Where a class's remembered voxels lie in the case's locations file: <see cref="Count"/> (x, y, z) triples from triple <see cref="Offset"/>.</summary>
public sealed record ClassLocations
{
    public int Value { get; init; }

    /// <summary>Voxels of this class in the preprocessed label.</summary>
    public long Voxels { get; init; }

    public long Offset { get; init; }

    public int Count { get; init; }
}

/// <summary>
/// The small JSON file beside each preprocessed case: its grid, where it came from (original geometry and crop box) and
/// its files. The image file holds float32 little-endian values channel after channel, each channel z-slices of y-rows
/// of x (the tensor layout [C, Z, Y, X]); the label file uint8 values in the same order; the locations file int32
/// (x, y, z) triples of remembered foreground voxels, class after class.
/// </summary>
public sealed record PreprocessedCaseInfo
{
    public const string CurrentFormat = "medvox-preprocessed-case/1";

    public const string Suffix = ".case.json";

    public string Format { get; init; } = CurrentFormat;

    public required string Id { get; init; }

    public required string PlanHash { get; init; }

    public int Channels { get; init; }

    /// <summary>The preprocessed grid (after crop and resampling).</summary>
    public required GeometryRecord Geometry { get; init; }

    /// <summary>The grid of the original images.</summary>
    public required GeometryRecord OriginalGeometry { get; init; }

    /// <summary>The crop box in the original index space (x, y, z).</summary>
    public required int[] CropStart { get; init; }

    public required int[] CropSize { get; init; }

    /// <summary>Index axis resampled on its own (nnU-Net's separate z), or null.</summary>
    public int? SeparateAxis { get; init; }

    public required string ImageFile { get; init; }

    public string? LabelFile { get; init; }

    public string? LocationsFile { get; init; }

    public IReadOnlyList<ClassLocations> ClassLocations { get; init; } = [];

    [JsonIgnore]
    public long VoxelCount => (long)Geometry.Size[0] * Geometry.Size[1] * Geometry.Size[2];

    [JsonIgnore]
    public long ImageBytes => VoxelCount * Channels * sizeof(float);

    [JsonIgnore]
    public long LabelBytes => LabelFile is null ? 0 : VoxelCount;

    [JsonIgnore]
    public long LocationsBytes
    {
        get
        {
            long triples = 0;
            foreach (var c in ClassLocations)
            {
                triples += c.Count;
            }

            return triples * 3 * sizeof(int);
        }
    }
}
