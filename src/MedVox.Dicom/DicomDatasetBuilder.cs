namespace MedVox.Dicom;

/// <summary>Builds a <see cref="DicomDataset"/> tree from parser tokens, keeping values as offsets into the parsed buffer.</summary>
internal sealed class DicomDatasetBuilder : IDicomParserObserver
{
    private readonly byte[] _buffer;
    private readonly DicomEncoding _encoding;
    private readonly string? _path;
    private readonly Stack<DicomDataset> _datasets = new();
    private readonly Stack<(DicomTag Tag, DicomVR VR, List<DicomDataset> Items)> _sequences = new();

    public DicomDatasetBuilder(byte[] buffer, DicomEncoding encoding, string? path)
    {
        _buffer = buffer;
        _encoding = encoding;
        _path = path;
        Root = new DicomDataset(buffer, encoding, null, path);
        _datasets.Push(Root);
    }

    public DicomDataset Root { get; }

    /// <summary>Where the top-level pixel data lies, once reported.</summary>
    public (DicomTag Tag, DicomVR VR, long Offset, long? Length)? PixelData { get; private set; }

    public void OnElement(DicomTag tag, DicomVR vr, int offset, int length) =>
        _datasets.Peek().Add(new DicomElement(tag, vr, offset, length, null));

    public void OnSequenceStart(DicomTag tag, DicomVR vr) => _sequences.Push((tag, vr, []));

    public void OnItemStart() =>
        _datasets.Push(new DicomDataset(_buffer, _encoding, _datasets.Peek(), _path));

    public void OnItemEnd()
    {
        var item = _datasets.Pop();
        _sequences.Peek().Items.Add(item);
    }

    public void OnSequenceEnd()
    {
        var (tag, vr, items) = _sequences.Pop();
        _datasets.Peek().Add(new DicomElement(tag, vr, 0, 0, items));
    }

    public void OnPixelData(DicomTag tag, DicomVR vr, long offset, long? length) => PixelData = (tag, vr, offset, length);
}
