using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Memory;

namespace MedVox.Dicom.Series;

/// <summary>What to do when slice positions are not evenly spaced (missing slices, variable spacing).</summary>
public enum IrregularSpacingPolicy
{
    /// <summary>Fail with a message giving the gaps.</summary>
    Refuse,

    /// <summary>Load with the usual (median) spacing and a warning giving the gaps; voxels past a gap are misplaced.</summary>
    Warn,

    /// <summary>Interpolate linearly onto a uniform grid from the first to the last slice at the usual spacing.</summary>
    Resample,
}

/// <summary>Progress of a scan or load: <paramref name="Stage"/> is "scan" (headers) or "load" (pixels).</summary>
public readonly record struct DicomProgress(string Stage, int Done, int Total);

/// <summary>Options of <see cref="DicomSeriesScanner.Scan(string, DicomScanOptions?)"/>.</summary>
public sealed record DicomScanOptions
{
    public static DicomScanOptions Default { get; } = new();

    /// <summary>Look into sub-folders too (default).</summary>
    public bool Recursive { get; init; } = true;

    /// <summary>Files parsed at once; the processor count by default.</summary>
    public int MaxParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Relative tolerance on slice spacing (and on duplicate positions) before it counts as irregular.</summary>
    public double SpacingTolerance { get; init; } = 0.01;

    public IProgress<DicomProgress>? Progress { get; init; }
}

/// <summary>Options of <see cref="DicomSeriesLoader"/>.</summary>
public sealed record DicomLoadOptions
{
    public static DicomLoadOptions Default { get; } = new();

    /// <summary>
    /// The series to load: a SeriesInstanceUID, or "UID#n" for stack n of a series split by orientation or size (as
    /// <see cref="DicomSeriesInfo.Id"/> gives it). Null loads the only series of the folder, and fails listing them when there are several.
    /// </summary>
    public string? SeriesUid { get; init; }

    public IrregularSpacingPolicy IrregularSpacing { get; init; } = IrregularSpacingPolicy.Warn;

    /// <summary>Apply RescaleSlope/RescaleIntercept (CT in Hounsfield units): int16 where exact, float32 otherwise.</summary>
    public bool ApplyRescale { get; init; } = true;

    /// <summary>Invert MONOCHROME1 images so that higher values are brighter, as MONOCHROME2.</summary>
    public bool InvertMonochrome1 { get; init; } = true;

    /// <summary>Convert YBR_FULL / YBR_FULL_422 colour to RGB.</summary>
    public bool ConvertYbrToRgb { get; init; } = true;

    /// <summary>Files decoded at once; the processor count by default.</summary>
    public int MaxParallelism { get; init; } = Environment.ProcessorCount;

    public AllocationOptions Allocation { get; init; } = AllocationOptions.Default;

    public IProgress<DicomProgress>? Progress { get; init; }

    /// <summary>Scan settings used when loading from a folder.</summary>
    public DicomScanOptions Scan { get; init; } = DicomScanOptions.Default;
}

/// <summary>A file of a folder that holds no loadable image, and why (not DICOM, no pixel data, unreadable).</summary>
public sealed record DicomSkippedFile(string Path, string Reason);

/// <summary>A study of a scanned folder, with its series.</summary>
public sealed record DicomStudyInfo(string StudyInstanceUID, string? StudyDate, string? StudyDescription, string? PatientID, string? PatientName, IReadOnlyList<DicomSeriesInfo> Series);

/// <summary>What <see cref="DicomSeriesScanner.Scan(string, DicomScanOptions?)"/> found in a folder.</summary>
public sealed record DicomFolderScan(string Folder, IReadOnlyList<DicomStudyInfo> Studies, IReadOnlyList<DicomSkippedFile> Skipped)
{
    /// <summary>All series (stacks) of all studies.</summary>
    public IEnumerable<DicomSeriesInfo> Series => Studies.SelectMany(s => s.Series);
}

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

/// <summary>A loaded volume and what the loader noticed.</summary>
public sealed class DicomVolume : IDisposable
{
    private readonly List<string> _warnings;

    internal DicomVolume(Image image, List<string> warnings, DicomSeriesInfo series)
    {
        Image = image;
        _warnings = warnings;
        Series = series;
    }

    /// <summary>The volume (LPS geometry); owned by this object until taken with <see cref="TakeImage"/>.</summary>
    public Image Image { get; private set; }

    /// <summary>What the user should know: skipped files, gaps, tilt, inversions, character set fallbacks...</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    public DicomSeriesInfo Series { get; }

    internal void AddWarning(string warning) => _warnings.Add(warning);

    private bool _taken;

    /// <summary>Hands the image over to the caller, who then disposes it.</summary>
    public Image TakeImage()
    {
        _taken = true;
        return Image;
    }

    public void Dispose()
    {
        if (!_taken)
        {
            Image.Dispose();
        }
    }
}
