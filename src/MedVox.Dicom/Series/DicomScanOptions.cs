namespace MedVox.Dicom.Series;

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
