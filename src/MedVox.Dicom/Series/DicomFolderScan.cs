namespace MedVox.Dicom.Series;

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
