namespace MedVox.Dicom.Series;

/// <summary>Progress of a scan or load: <paramref name="Stage"/> is "scan" (headers) or "load" (pixels).</summary>
public readonly record struct DicomProgress(string Stage, int Done, int Total);
