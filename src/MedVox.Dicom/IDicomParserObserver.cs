namespace MedVox.Dicom;

/// <summary>
/// Receives the tokens of a data set from <see cref="DicomStreamParser"/>, in file order. The parser only tokenises;
/// what to keep is the observer's business (the data set builder keeps offsets into the parsed buffer, a scanner might
/// keep a few tags and ignore the rest). Value offsets are positions in the parsed buffer.
/// </summary>
public interface IDicomParserObserver
{
    /// <summary>An element with a value of <paramref name="length"/> bytes at <paramref name="offset"/> of the buffer.</summary>
    void OnElement(DicomTag tag, DicomVR vr, int offset, int length);

    /// <summary>Start of a sequence; items and their elements follow, then <see cref="OnSequenceEnd"/>.</summary>
    void OnSequenceStart(DicomTag tag, DicomVR vr);

    void OnItemStart();

    void OnItemEnd();

    void OnSequenceEnd();

    /// <summary>
    /// The top-level pixel data element: its value starts at <paramref name="offset"/> (which may lie beyond the
    /// parsed bytes) and has <paramref name="length"/> bytes, or is encapsulated when <paramref name="length"/> is null.
    /// Parsing stops here: pixel data is the last large element, and what follows (padding, signatures) is not needed.
    /// </summary>
    void OnPixelData(DicomTag tag, DicomVR vr, long offset, long? length);
}
