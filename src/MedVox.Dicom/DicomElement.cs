namespace MedVox.Dicom;

/// <summary>
/// One element of a data set: its tag, VR and where its value lies in the data set's buffer (no copy), or its items
/// when it is a sequence. Values are read through the owning <see cref="DicomDataset"/>.
/// </summary>
public readonly struct DicomElement
{
    internal DicomElement(DicomTag tag, DicomVR vr, int offset, int length, IReadOnlyList<DicomDataset>? items)
    {
        Tag = tag;
        VR = vr;
        Offset = offset;
        Length = length;
        Items = items;
    }

    public DicomTag Tag { get; }

    public DicomVR VR { get; }

    /// <summary>Value length in bytes (0 for sequences).</summary>
    public int Length { get; }

    /// <summary>The items of a sequence, else null.</summary>
    public IReadOnlyList<DicomDataset>? Items { get; }

    public bool IsSequence => Items is not null;

    internal int Offset { get; }

    public override string ToString() => $"{Tag} {VR.Name()} {(IsSequence ? $"{Items!.Count} item(s)" : $"{Length} bytes")}";
}
