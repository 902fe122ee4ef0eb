using System.Globalization;

namespace MedVox.Dicom;

/// <summary>One entry of the data dictionary (PS3.6).</summary>
/// <param name="Tag">The tag (for repeating groups, the first group of the range).</param>
/// <param name="VR">The VR; for "US or SS" and "OB or OW" the first listed, see <see cref="AlternateVR"/>.</param>
/// <param name="AlternateVR">The second VR of an ambiguous entry ("US or SS" gives SS), else <see cref="DicomVR.None"/>.</param>
/// <param name="Multiplicity">Value multiplicity as PS3.6 writes it ("1", "2-n", ...).</param>
/// <param name="Keyword">The keyword (PixelSpacing).</param>
/// <param name="Name">The name (Pixel Spacing).</param>
/// <param name="Retired">True for retired attributes.</param>
public sealed record DicomDictionaryEntry(DicomTag Tag, DicomVR VR, DicomVR AlternateVR, string Multiplicity, string Keyword, string Name, bool Retired);

/// <summary>
/// Names and VRs of standard tags, from the generated tables in DicomDictionary.Generated.cs (see
/// tools/gen-dicom-dictionary.py for the provenance). Parsed once on first use.
/// </summary>
public static partial class DicomDictionary
{
    private static readonly Lazy<Tables> Data = new(Build);

    /// <summary>Number of exact (non-repeating) entries.</summary>
    public static int Count => ExactCount;

    /// <summary>The entry for <paramref name="tag"/>, including repeating groups (60xx overlays...), or null.</summary>
    public static DicomDictionaryEntry? Find(DicomTag tag)
    {
        var tables = Data.Value;
        int index = Array.BinarySearch(tables.Tags, tag.Value);
        if (index >= 0)
        {
            return tables.Entries[index];
        }

        foreach (var (mask, value, entry) in tables.Masks)
        {
            if ((tag.Value & mask) == value)
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>The VR implicit VR encoding assumes for <paramref name="tag"/>: the dictionary's, LO for private creators, UL for group lengths, else UN.</summary>
    public static DicomVR ImplicitVR(DicomTag tag)
    {
        if (tag.Element == 0)
        {
            return DicomVR.UL;
        }

        if (tag.IsPrivate)
        {
            return tag.IsPrivateCreator ? DicomVR.LO : DicomVR.UN;
        }

        var entry = Find(tag);
        if (entry is null)
        {
            return DicomVR.UN;
        }

        // Pixel data and similar "OB or OW" elements are OW in implicit VR (PS3.5 A.1).
        return entry.AlternateVR == DicomVR.OW ? DicomVR.OW : entry.VR;
    }

    /// <summary>The tag for a keyword (case-sensitive), or null.</summary>
    public static DicomTag? FindKeyword(string keyword) =>
        Data.Value.ByKeyword.TryGetValue(keyword, out var tag) ? tag : null;

    /// <summary>Keyword of a tag, "PrivateCreator"/"PrivateTag" for private ones, or the tag text when unknown.</summary>
    public static string KeywordOf(DicomTag tag)
    {
        if (tag.IsPrivate)
        {
            return tag.IsPrivateCreator ? "PrivateCreator" : "PrivateTag";
        }

        return Find(tag)?.Keyword ?? tag.ToString();
    }

    private sealed record Tables(uint[] Tags, DicomDictionaryEntry[] Entries, List<(uint Mask, uint Value, DicomDictionaryEntry Entry)> Masks, Dictionary<string, DicomTag> ByKeyword);

    private static Tables Build()
    {
        var tags = new uint[ExactCount];
        var entries = new DicomDictionaryEntry[ExactCount];
        var byKeyword = new Dictionary<string, DicomTag>(ExactCount, StringComparer.Ordinal);
        int count = 0;
        foreach (var line in ExactTable.AsSpan().EnumerateLines())
        {
            if (line.IsEmpty)
            {
                continue;
            }

            var entry = ParseRecord(line, out _, out _);
            tags[count] = entry.Tag.Value;
            entries[count++] = entry;
            if (entry.Keyword.Length > 0)
            {
                byKeyword.TryAdd(entry.Keyword, entry.Tag);
            }
        }

        if (count != ExactCount)
        {
            throw new InvalidOperationException($"The generated dictionary has {count} entries, {ExactCount} expected.");
        }

        var masks = new List<(uint, uint, DicomDictionaryEntry)>();
        foreach (var line in MaskTable.AsSpan().EnumerateLines())
        {
            if (!line.IsEmpty)
            {
                var entry = ParseRecord(line, out uint mask, out uint value);
                masks.Add((mask, value, entry));
            }
        }

        return new Tables(tags, entries, masks, byKeyword);
    }

    private static DicomDictionaryEntry ParseRecord(ReadOnlySpan<char> line, out uint mask, out uint value)
    {
        Span<Range> parts = stackalloc Range[7];
        int n = line.Split(parts, '|');
        if (n != 6)
        {
            throw new InvalidOperationException($"Bad dictionary record: {line}");
        }

        var tagText = line[parts[0]];
        mask = 0;
        value = 0;
        for (int i = 0; i < 8; i++)
        {
            char c = tagText[i];
            mask <<= 4;
            value <<= 4;
            if (c != 'X')
            {
                mask |= 0xF;
                value |= uint.Parse(c.ToString(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }

        var vrText = line[parts[1]];
        DicomVR vr = DicomVR.None, alternate = DicomVR.None;
        if (vrText.Length == 2)
        {
            vr = DicomVRExtensions.Parse(vrText.ToString());
        }
        else if (vrText.Length == 8 && vrText[2..6].SequenceEqual(" or "))
        {
            vr = DicomVRExtensions.Parse(vrText[..2].ToString());
            alternate = DicomVRExtensions.Parse(vrText[6..].ToString());
        }

        return new DicomDictionaryEntry(new DicomTag(value), vr, alternate, line[parts[2]].ToString(), line[parts[3]].ToString(), line[parts[4]].ToString(), line[parts[5]].Length > 0);
    }
}
