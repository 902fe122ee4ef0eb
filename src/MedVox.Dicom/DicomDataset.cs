using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace MedVox.Dicom;

/// <summary>
/// A parsed data set (or sequence item): elements in file order, values kept as offsets into one shared buffer (the
/// header bytes of the file), decoded on request. Private elements are kept like any other.
/// </summary>
public sealed class DicomDataset
{
    private readonly List<DicomElement> _elements = [];
    private bool _sorted = true;
    private Encoding? _encoding;
    private string? _characterSetWarning;

    internal DicomDataset(byte[] buffer, DicomEncoding encoding, DicomDataset? parent, string? path)
    {
        Buffer = buffer;
        Encoding = encoding;
        Parent = parent;
        Path = path;
    }

    /// <summary>An empty data set (files without file meta information have an empty meta group).</summary>
    public static DicomDataset Empty(string? path = null) => new([], DicomEncoding.ExplicitLittle, null, path);

    /// <summary>The file this data set came from, for messages.</summary>
    public string? Path { get; }

    public DicomEncoding Encoding { get; }

    /// <summary>The data set holding the sequence this item belongs to; null at top level.</summary>
    public DicomDataset? Parent { get; }

    public IReadOnlyList<DicomElement> Elements => _elements;

    public int Count => _elements.Count;

    /// <summary>Set when the character set had to fall back (Latin-1 for an unknown Specific Character Set); reported as a file warning.</summary>
    public string? CharacterSetWarning
    {
        get
        {
            _ = TextEncoding;
            return _characterSetWarning;
        }
    }

    internal byte[] Buffer { get; }

    internal void Add(DicomElement element)
    {
        if (_elements.Count > 0 && _elements[^1].Tag >= element.Tag)
        {
            _sorted = false;
        }

        _elements.Add(element);
    }

    public bool Contains(DicomTag tag) => IndexOf(tag) >= 0;

    public bool TryGetElement(DicomTag tag, out DicomElement element)
    {
        int index = IndexOf(tag);
        element = index >= 0 ? _elements[index] : default;
        return index >= 0;
    }

    /// <summary>The raw value bytes (in the data set's byte order); empty when absent.</summary>
    public ReadOnlySpan<byte> GetBytes(DicomTag tag) =>
        TryGetElement(tag, out var e) && !e.IsSequence ? Buffer.AsSpan(e.Offset, e.Length) : default;

    public ReadOnlySpan<byte> GetBytes(DicomElement element) =>
        element.IsSequence ? default : Buffer.AsSpan(element.Offset, element.Length);

    /// <summary>The items of sequence <paramref name="tag"/>; empty when absent or not a sequence.</summary>
    public IReadOnlyList<DicomDataset> GetSequence(DicomTag tag) =>
        TryGetElement(tag, out var e) && e.Items is not null ? e.Items : [];

    /// <summary>The whole string value (all values with their backslashes), trailing padding removed; null when absent.</summary>
    public string? GetString(DicomTag tag) => TryGetElement(tag, out var e) ? GetString(e) : null;

    public string GetString(DicomElement element)
    {
        if (element.IsSequence)
        {
            return string.Empty;
        }

        var bytes = Buffer.AsSpan(element.Offset, element.Length);
        if (!element.VR.IsString() && element.VR != DicomVR.UN)
        {
            return string.Join('\\', GetNumbersAsText(element));
        }

        var text = UsesCharacterSet(element.VR) ? TextEncoding.GetString(bytes) : System.Text.Encoding.Latin1.GetString(bytes);
        return element.VR is DicomVR.UT or DicomVR.ST or DicomVR.LT or DicomVR.UR
            ? text.TrimEnd(' ', '\0')
            : text.Trim(' ', '\0');
    }

    /// <summary>The values of a multi-valued string element, each trimmed; empty when absent.</summary>
    public string[] GetStrings(DicomTag tag)
    {
        var text = GetString(tag);
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        var values = text.Split('\\');
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = values[i].Trim(' ', '\0');
        }

        return values;
    }

    /// <summary>
    /// The first value as an integer (IS, US, SS, UL, SL, or a DS holding an integer); null when absent or empty.
    /// Throws <see cref="InvalidImageFileException"/> when the value is not a number.
    /// </summary>
    public int? GetInt(DicomTag tag, int index = 0)
    {
        var values = GetDoubles(tag);
        if (values.Length <= index)
        {
            return null;
        }

        double value = values[index];
        if (value != Math.Floor(value) || value < int.MinValue || value > int.MaxValue)
        {
            throw new InvalidImageFileException($"value {value.ToString(CultureInfo.InvariantCulture)} of {DicomDictionary.KeywordOf(tag)} is not an integer", Path, tag.ToString());
        }

        return (int)value;
    }

    /// <summary>The first value as a number; null when absent or empty.</summary>
    public double? GetDouble(DicomTag tag, int index = 0)
    {
        var values = GetDoubles(tag);
        return values.Length > index ? values[index] : null;
    }

    /// <summary>
    /// All values as numbers (DS/IS text, or binary US/SS/UL/SL/FL/FD/...), empty when absent. Throws
    /// <see cref="InvalidImageFileException"/> naming the element when text is not a number.
    /// </summary>
    public double[] GetDoubles(DicomTag tag)
    {
        if (!TryGetElement(tag, out var e) || e.IsSequence || e.Length == 0)
        {
            return [];
        }

        var bytes = Buffer.AsSpan(e.Offset, e.Length);
        bool big = Encoding.BigEndian;
        switch (e.VR)
        {
            case DicomVR.US: return Binary(bytes, 2, b => big ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b));
            case DicomVR.SS: return Binary(bytes, 2, b => big ? BinaryPrimitives.ReadInt16BigEndian(b) : BinaryPrimitives.ReadInt16LittleEndian(b));
            case DicomVR.UL: return Binary(bytes, 4, b => big ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b));
            case DicomVR.SL: return Binary(bytes, 4, b => big ? BinaryPrimitives.ReadInt32BigEndian(b) : BinaryPrimitives.ReadInt32LittleEndian(b));
            case DicomVR.FL or DicomVR.OF: return Binary(bytes, 4, b => big ? BinaryPrimitives.ReadSingleBigEndian(b) : BinaryPrimitives.ReadSingleLittleEndian(b));
            case DicomVR.FD or DicomVR.OD: return Binary(bytes, 8, b => big ? BinaryPrimitives.ReadDoubleBigEndian(b) : BinaryPrimitives.ReadDoubleLittleEndian(b));
            case DicomVR.SV: return Binary(bytes, 8, b => big ? BinaryPrimitives.ReadInt64BigEndian(b) : BinaryPrimitives.ReadInt64LittleEndian(b));
            case DicomVR.UV: return Binary(bytes, 8, b => big ? BinaryPrimitives.ReadUInt64BigEndian(b) : BinaryPrimitives.ReadUInt64LittleEndian(b));
            case DicomVR.UN when !Encoding.ExplicitVR || bytes.Length is 2 or 4:
                // Implicit VR files read with an unknown tag, or UN-coded numbers: only text is safe to guess.
                break;
        }

        var text = System.Text.Encoding.Latin1.GetString(bytes);
        var parts = text.Split('\\');
        var values = new List<double>(parts.Length);
        foreach (var part in parts)
        {
            var trimmed = part.Trim(' ', '\0');
            if (trimmed.Length == 0)
            {
                continue;
            }

            if (!double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            {
                throw new InvalidImageFileException($"{DicomDictionary.KeywordOf(tag)} holds '{trimmed}', which is not a number", Path, tag.ToString(), "the file is corrupt");
            }

            values.Add(value);
        }

        return [.. values];
    }

    /// <summary>The encoding of text values: this data set's Specific Character Set, else the enclosing one's.</summary>
    public Encoding TextEncoding
    {
        get
        {
            if (_encoding is null)
            {
                if (TryGetElement(DicomTag.SpecificCharacterSet, out var e) && e.Length > 0)
                {
                    var terms = System.Text.Encoding.Latin1.GetString(Buffer, e.Offset, e.Length).Split('\\');
                    _encoding = DicomCharacterSet.FromTerms(terms, out var warning);
                    _characterSetWarning = warning;
                }
                else
                {
                    _encoding = Parent?.TextEncoding ?? DicomCharacterSet.Default;
                }
            }

            return _encoding;
        }
    }

    public override string ToString() => $"DICOM data set, {Count} elements";

    private static bool UsesCharacterSet(DicomVR vr) =>
        vr is DicomVR.SH or DicomVR.LO or DicomVR.ST or DicomVR.LT or DicomVR.PN or DicomVR.UC or DicomVR.UT;

    private IEnumerable<string> GetNumbersAsText(DicomElement element)
    {
        var values = element.VR.ValueSize() > 0 && element.VR is not (DicomVR.OW or DicomVR.OB or DicomVR.AT)
            ? GetDoubles(element.Tag)
            : [];
        foreach (var value in values)
        {
            yield return value.ToString(CultureInfo.InvariantCulture);
        }
    }

    private static double[] Binary(ReadOnlySpan<byte> bytes, int size, ReadValue read)
    {
        var values = new double[bytes.Length / size];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = read(bytes.Slice(i * size, size));
        }

        return values;
    }

    private delegate double ReadValue(ReadOnlySpan<byte> bytes);

    private int IndexOf(DicomTag tag)
    {
        var elements = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_elements);
        if (_sorted)
        {
            int lo = 0, hi = elements.Length - 1;
            while (lo <= hi)
            {
                int mid = (lo + hi) >>> 1;
                uint value = elements[mid].Tag.Value;
                if (value == tag.Value)
                {
                    return mid;
                }

                if (value < tag.Value)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }

            return -1;
        }

        for (int i = 0; i < elements.Length; i++)
        {
            if (elements[i].Tag == tag)
            {
                return i;
            }
        }

        return -1;
    }
}
