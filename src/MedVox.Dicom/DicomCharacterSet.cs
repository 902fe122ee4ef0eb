using System.Text;

namespace MedVox.Dicom;

/// <summary>
/// Maps Specific Character Set (0008,0005) to a decoder. ISO_IR 100 (Latin-1) and ISO_IR 192 (UTF-8) are exact, as are
/// the other single-byte ISO 8859 sets, GB18030/GBK and ISO 2022 Japanese/Korean through .NET's code pages; anything
/// else falls back to Latin-1 (every byte kept as one character) with a warning saying so.
/// </summary>
public static class DicomCharacterSet
{
    /// <summary>Latin-1: the default (ASCII is a subset, and stray 8-bit bytes survive).</summary>
    public static Encoding Default => Encoding.Latin1;

    /// <summary>The encoding for the values of (0008,0005); <paramref name="warning"/> is set when a fallback was used.</summary>
    public static Encoding FromTerms(IReadOnlyList<string> terms, out string? warning)
    {
        warning = null;
        string? chosen = null;
        foreach (var raw in terms)
        {
            string term = raw.Trim();
            if (term.Length == 0 || term is "ISO_IR 6" or "ISO 2022 IR 6")
            {
                continue;
            }

            chosen ??= term;
        }

        if (chosen is null)
        {
            return Default;
        }

        int codePage = chosen switch
        {
            "ISO_IR 100" or "ISO 2022 IR 100" => 28591,
            "ISO_IR 192" => 65001,
            "ISO_IR 101" or "ISO 2022 IR 101" => 28592,
            "ISO_IR 109" or "ISO 2022 IR 109" => 28593,
            "ISO_IR 110" or "ISO 2022 IR 110" => 28594,
            "ISO_IR 144" or "ISO 2022 IR 144" => 28595,
            "ISO_IR 127" or "ISO 2022 IR 127" => 28596,
            "ISO_IR 126" or "ISO 2022 IR 126" => 28597,
            "ISO_IR 138" or "ISO 2022 IR 138" => 28598,
            "ISO_IR 148" or "ISO 2022 IR 148" => 28599,
            "ISO_IR 203" or "ISO 2022 IR 203" => 28605,
            "ISO_IR 166" or "ISO 2022 IR 166" => 874,
            "ISO_IR 13" or "ISO 2022 IR 13" => 932,
            "ISO 2022 IR 87" or "ISO 2022 IR 159" => 50220,
            "ISO 2022 IR 149" => 50225,
            "GB18030" => 54936,
            "GBK" => 936,
            _ => 0,
        };

        if (codePage == 28591)
        {
            return Encoding.Latin1;
        }

        if (codePage == 65001)
        {
            return Encoding.UTF8;
        }

        var encoding = codePage == 0 ? null : CodePagesEncodingProvider.Instance.GetEncoding(codePage);
        if (encoding is null)
        {
            warning = $"Specific Character Set '{chosen}' is not supported; text is decoded as Latin-1";
            return Default;
        }

        return encoding;
    }
}
