using System.Buffers.Binary;

namespace MedVox.Dicom;

/// <summary>Why <see cref="DicomStreamParser.Parse"/> returned.</summary>
public enum DicomParseStatus
{
    /// <summary>The data set ended with the data.</summary>
    Completed,

    /// <summary>The top-level pixel data element was reached and reported.</summary>
    PixelData,

    /// <summary>The buffer ended inside the data set and more bytes exist: read more and parse again from the start.</summary>
    NeedMoreData,
}

/// <summary>The encoding of a data set: VR explicit or implicit, byte order.</summary>
public readonly record struct DicomEncoding(bool ExplicitVR, bool BigEndian)
{
    public static DicomEncoding ExplicitLittle => new(true, false);

    public static DicomEncoding ImplicitLittle => new(false, false);

    public static DicomEncoding Of(TransferSyntax syntax) => new(syntax.ExplicitVR, syntax.BigEndian);
}

/// <summary>
/// A streaming tokeniser for DICOM data sets (PS3.5 7): elements, sequences and items of defined and undefined
/// length, nested, reported to an <see cref="IDicomParserObserver"/> without copying values. Every length is checked
/// against the bytes left before it is used, nesting is capped, and every step consumes bytes, so corrupt input ends
/// in <see cref="DicomFormatException"/>, never in a hang, a huge allocation or an out-of-range access.
/// </summary>
public ref struct DicomStreamParser
{
    /// <summary>Deepest nesting of sequences accepted (structured reports rarely exceed 20).</summary>
    public const int MaxDepth = 64;

    private const uint Undefined = 0xFFFFFFFF;

    private readonly ReadOnlySpan<byte> _buffer;
    private readonly long _baseOffset;
    private readonly bool _moreData;
    private readonly IDicomParserObserver _observer;
    private int _position;

    /// <param name="buffer">The bytes to parse, starting where the data set starts.</param>
    /// <param name="baseOffset">Position of <paramref name="buffer"/>[0] in the file, for pixel data offsets and messages.</param>
    /// <param name="moreData">True when the file continues past the buffer (so running out asks for more instead of failing).</param>
    /// <param name="observer">Receives the tokens.</param>
    public DicomStreamParser(ReadOnlySpan<byte> buffer, long baseOffset, bool moreData, IDicomParserObserver observer)
    {
        _buffer = buffer;
        _baseOffset = baseOffset;
        _moreData = moreData;
        _observer = observer;
    }

    /// <summary>Where parsing stopped, relative to the buffer.</summary>
    public readonly int Position => _position;

    /// <summary>
    /// Parses a top-level data set from <paramref name="start"/>. With <paramref name="stopAtPixelData"/> parsing ends at
    /// the top-level (7FE0,0010), whose location goes to <see cref="IDicomParserObserver.OnPixelData"/>.
    /// </summary>
    public DicomParseStatus Parse(int start, DicomEncoding encoding, bool stopAtPixelData = true)
    {
        _position = start;
        try
        {
            return ParseDataset(-1, 0, encoding, stopAtPixelData, topLevel: true);
        }
        catch (NeedMoreDataSignal)
        {
            return DicomParseStatus.NeedMoreData;
        }
    }

    /// <summary>
    /// Parses elements of one group only (the file meta group 0002, explicit VR little endian unless a broken writer
    /// chose otherwise), stopping before the first element of another group; <see cref="Position"/> is then after it.
    /// </summary>
    public DicomParseStatus ParseGroup(int start, ushort group, DicomEncoding encoding)
    {
        _position = start;
        try
        {
            while (_position + 8 <= _buffer.Length)
            {
                if (ReadUInt16(_position, encoding.BigEndian) != group)
                {
                    return DicomParseStatus.Completed;
                }

                ParseElement(-1, 0, encoding, stopAtPixelData: false, topLevel: false);
            }

            if (_moreData)
            {
                return DicomParseStatus.NeedMoreData;
            }

            return DicomParseStatus.Completed;
        }
        catch (NeedMoreDataSignal)
        {
            return DicomParseStatus.NeedMoreData;
        }
    }

    private DicomParseStatus ParseDataset(int end, int depth, DicomEncoding encoding, bool stopAtPixelData, bool topLevel)
    {
        while (true)
        {
            if (end >= 0 && _position >= end)
            {
                if (_position > end)
                {
                    throw Error($"an element runs {_position - end} bytes past the end of its item");
                }

                return DicomParseStatus.Completed;
            }

            int left = _buffer.Length - _position;
            if (left < 8)
            {
                if (_moreData)
                {
                    throw NeedMoreDataSignal.Instance;
                }

                if (topLevel)
                {
                    // Up to 7 stray bytes after the last element (odd padding) are tolerated, as DCMTK and pydicom do.
                    return DicomParseStatus.Completed;
                }

                throw Error(end < 0 ? "the file ends inside an item of undefined length" : "the file ends inside an item");
            }

            ushort group = ReadUInt16(_position, encoding.BigEndian);
            ushort element = ReadUInt16(_position + 2, encoding.BigEndian);
            if (group == 0xFFFE)
            {
                if (element == 0xE00D && !topLevel)
                {
                    // Item delimitation: ends an item of undefined length (tolerated in a defined-length item).
                    _position += 8;
                    return DicomParseStatus.Completed;
                }

                throw Error($"unexpected {(element == 0xE0DD ? "sequence delimiter" : "item tag")} (FFFE,{element:X4}) in a data set");
            }

            var status = ParseElement(end, depth, encoding, stopAtPixelData, topLevel);
            if (status == DicomParseStatus.PixelData)
            {
                return status;
            }
        }
    }

    private DicomParseStatus ParseElement(int end, int depth, DicomEncoding encoding, bool stopAtPixelData, bool topLevel)
    {
        int start = _position;
        var tag = new DicomTag(ReadUInt16(start, encoding.BigEndian), ReadUInt16(start + 2, encoding.BigEndian));
        DicomVR vr;
        uint length;
        int headerLength;
        if (encoding.ExplicitVR)
        {
            if (!DicomVRExtensions.TryParse(_buffer[start + 4], _buffer[start + 5], out vr))
            {
                throw Error($"element {tag} has an invalid VR {Printable(_buffer[start + 4])}{Printable(_buffer[start + 5])}", tag);
            }

            if (vr.HasLongLength())
            {
                if (_buffer.Length - start < 12)
                {
                    MoreOrTruncated(tag);
                }

                length = ReadUInt32(start + 8, encoding.BigEndian);
                headerLength = 12;
            }
            else
            {
                length = ReadUInt16(start + 6, encoding.BigEndian);
                headerLength = 8;
            }
        }
        else
        {
            vr = DicomDictionary.ImplicitVR(tag);
            length = ReadUInt32(start + 4, encoding.BigEndian);
            headerLength = 8;
        }

        int valueStart = start + headerLength;
        bool isPixelData = topLevel && (tag == DicomTag.PixelData || tag == DicomTag.FloatPixelData || tag == DicomTag.DoubleFloatPixelData);
        if (isPixelData && stopAtPixelData)
        {
            _position = valueStart;
            _observer.OnPixelData(tag, vr, _baseOffset + valueStart, length == Undefined ? null : length);
            return DicomParseStatus.PixelData;
        }

        if (length == Undefined)
        {
            _position = valueStart;
            if (vr is DicomVR.OB or DicomVR.OW)
            {
                // Encapsulated pixel data inside an item (icon images): keep the fragments region as raw bytes.
                int fragmentsStart = _position;
                SkipFragments(tag, encoding);
                _observer.OnElement(tag, vr, fragmentsStart, _position - fragmentsStart);
                return DicomParseStatus.Completed;
            }

            if (vr == DicomVR.SQ || vr == DicomVR.UN || !encoding.ExplicitVR)
            {
                // CP-246: an undefined-length UN element is a sequence encoded in implicit VR little endian; in implicit
                // VR any undefined-length element that is not pixel data is a sequence (private ones included).
                var inner = vr == DicomVR.UN && encoding.ExplicitVR ? DicomEncoding.ImplicitLittle : encoding;
                ParseSequence(tag, DicomVR.SQ, -1, depth + 1, inner);
                return DicomParseStatus.Completed;
            }

            throw Error($"element {tag} ({vr.Name()}) has undefined length, which only sequences and pixel data may have", tag);
        }

        long valueEnd = (long)valueStart + length;
        if (end >= 0 && valueEnd > end)
        {
            throw Error($"element {tag} claims {length} bytes, past the end of its item ({end - valueStart} bytes left)", tag);
        }

        if (valueEnd > _buffer.Length)
        {
            MoreOrTruncated(tag, length, _buffer.Length - valueStart);
        }

        if (vr == DicomVR.SQ)
        {
            _position = valueStart;
            ParseSequence(tag, vr, (int)valueEnd, depth + 1, encoding);

            // A last item that overruns a too-short sequence length is accepted (DCMTK does too); parsing goes on after it.
            _position = Math.Max(_position, (int)valueEnd);
            return DicomParseStatus.Completed;
        }

        _observer.OnElement(tag, vr, valueStart, (int)length);
        _position = (int)valueEnd;
        return DicomParseStatus.Completed;
    }

    private void ParseSequence(DicomTag tag, DicomVR vr, int end, int depth, DicomEncoding encoding)
    {
        if (depth > MaxDepth)
        {
            throw Error($"sequences are nested more than {MaxDepth} deep", tag);
        }

        _observer.OnSequenceStart(tag, vr);
        while (true)
        {
            if (end >= 0 && _position >= end)
            {
                break;
            }

            if (_buffer.Length - _position < 8)
            {
                MoreOrTruncated(tag);
            }

            ushort group = ReadUInt16(_position, encoding.BigEndian);
            ushort element = ReadUInt16(_position + 2, encoding.BigEndian);
            uint length = ReadUInt32(_position + 4, encoding.BigEndian);
            if (group == 0xFFFE && element == 0xE0DD)
            {
                _position += 8;
                break;
            }

            if (group != 0xFFFE || element != 0xE000)
            {
                throw Error($"sequence {tag} holds ({group:X4},{element:X4}) where an item was expected", tag);
            }

            _position += 8;
            _observer.OnItemStart();
            if (length == Undefined)
            {
                ParseDataset(-1, depth, encoding, stopAtPixelData: false, topLevel: false);
            }
            else
            {
                long itemEnd = (long)_position + length;
                if (itemEnd > _buffer.Length)
                {
                    MoreOrTruncated(tag, length, _buffer.Length - _position);
                }

                ParseDataset((int)itemEnd, depth, encoding, stopAtPixelData: false, topLevel: false);
            }

            _observer.OnItemEnd();
        }

        _observer.OnSequenceEnd();
    }

    private void SkipFragments(DicomTag tag, DicomEncoding encoding)
    {
        while (true)
        {
            if (_buffer.Length - _position < 8)
            {
                MoreOrTruncated(tag);
            }

            ushort group = ReadUInt16(_position, encoding.BigEndian);
            ushort element = ReadUInt16(_position + 2, encoding.BigEndian);
            uint length = ReadUInt32(_position + 4, encoding.BigEndian);
            _position += 8;
            if (group == 0xFFFE && element == 0xE0DD)
            {
                return;
            }

            if (group != 0xFFFE || element != 0xE000 || length == Undefined)
            {
                throw Error($"encapsulated element {tag} holds ({group:X4},{element:X4}) where a fragment was expected", tag);
            }

            if ((long)_position + length > _buffer.Length)
            {
                MoreOrTruncated(tag, length, _buffer.Length - _position);
            }

            _position += (int)length;
        }
    }

    private readonly void MoreOrTruncated(DicomTag tag, long wanted = -1, long left = -1)
    {
        if (_moreData)
        {
            throw NeedMoreDataSignal.Instance;
        }

        throw Error(wanted >= 0
            ? $"element {tag} claims {wanted} bytes but only {Math.Max(left, 0)} remain in the file"
            : $"the file ends inside element {tag}", tag);
    }

    private readonly DicomFormatException Error(string what, DicomTag? tag = null) =>
        new(what, _baseOffset + _position, tag);

    private readonly ushort ReadUInt16(int offset, bool bigEndian) => bigEndian
        ? BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(offset, 2))
        : BinaryPrimitives.ReadUInt16LittleEndian(_buffer.Slice(offset, 2));

    private readonly uint ReadUInt32(int offset, bool bigEndian) => bigEndian
        ? BinaryPrimitives.ReadUInt32BigEndian(_buffer.Slice(offset, 4))
        : BinaryPrimitives.ReadUInt32LittleEndian(_buffer.Slice(offset, 4));

    private static string Printable(byte b) => b is >= 0x20 and < 0x7F ? ((char)b).ToString() : $"\\x{b:X2}";

    /// <summary>Unwinds the recursion when the buffer ends early and more data exists; rare (headers larger than the first read).</summary>
    private sealed class NeedMoreDataSignal : Exception
    {
        public static readonly NeedMoreDataSignal Instance = new();
    }
}

/// <summary>Malformed DICOM structure at a byte offset; turned into <see cref="InvalidImageFileException"/> with the file name by the readers.</summary>
public sealed class DicomFormatException(string what, long offset, DicomTag? tag) : Exception($"{what} (at byte {offset})")
{
    public string What { get; } = what;

    public long Offset { get; } = offset;

    public DicomTag? Tag { get; } = tag;
}
