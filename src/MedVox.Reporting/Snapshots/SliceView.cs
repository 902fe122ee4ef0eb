namespace MedVox.Reporting.Snapshots;

/// <summary>
/// A view through a volume, in the radiological convention: axial seen from the feet (patient's right on the image's
/// left, anterior at the top), coronal seen from the front (right on the left, superior at the top), sagittal seen
/// from the patient's left (anterior on the left, superior at the top).
/// </summary>
public enum SliceView
{
    Axial,
    Coronal,
    Sagittal,
}
