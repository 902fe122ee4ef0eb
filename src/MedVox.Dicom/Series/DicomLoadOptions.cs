using MedVox.Memory;

namespace MedVox.Dicom.Series;

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
