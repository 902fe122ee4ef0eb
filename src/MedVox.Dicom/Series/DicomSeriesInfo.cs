using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Dicom.Series;

/// <summary>
/// One loadable volume of a folder: a series, or one stack of a series that mixes orientations or sizes. Geometry is
/// what <see cref="DicomSeriesLoader"/> will give (LPS): origin at the first slice in sorted order, direction columns
/// row cosine, column cosine, normal along increasing position. <see cref="Problems"/> prevent loading;
/// <see cref="Warnings"/> do not.
/// </summary>
public sealed class DicomSeriesInfo
{
    internal DicomSeriesInfo(string id, DicomSliceStack stack)
    {
        Id = id;
        Stack = stack;
    }

    /// <summary>SeriesInstanceUID, or "UID#n" for stack n (1-based) when the series splits into several stacks.</summary>
    public string Id { get; }

    public required string SeriesInstanceUID { get; init; }

    public required string StudyInstanceUID { get; init; }

    public int StackIndex { get; init; } = 1;

    public int StackCount { get; init; } = 1;

    public string? Modality { get; init; }

    public string? Description { get; init; }

    public int? SeriesNumber { get; init; }

    /// <summary>Slices (frames for enhanced multi-frame files) in the volume; time points count separately.</summary>
    public int SliceCount { get; init; }

    /// <summary>Files contributing to this volume.</summary>
    public int FileCount { get; init; }

    public required ImageSize Size { get; init; }

    public required Vector3D Spacing { get; init; }

    public required Vector3D Origin { get; init; }

    public required Matrix3D Direction { get; init; }

    /// <summary>Element type of the stored samples (before rescale).</summary>
    public ElementType StoredType { get; init; }

    public required IReadOnlyList<string> Problems { get; init; }

    public required IReadOnlyList<string> Warnings { get; init; }

    /// <summary>Gaps and irregular steps between slices (also in <see cref="Warnings"/>); refused or resampled by request.</summary>
    public IReadOnlyList<string> SpacingIrregularities { get; init; } = [];

    public bool CanLoad => Problems.Count == 0;

    internal DicomSliceStack Stack { get; }

    public override string ToString() =>
        $"{Id} {Modality} '{Description}' {SliceCount} slices {Size} spacing {Spacing}{(Problems.Count > 0 ? " [cannot load]" : string.Empty)}";
}
