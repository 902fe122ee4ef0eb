namespace MedVox.IO.Formats;

/// <summary>Numbered data file names ("slice%03d.raw"), as MetaImage and NRRD headers give them, with one C integer conversion.</summary>
internal static class FileNamePattern
{
    /// <summary>Replaces the one %d (with optional zero flag and width, as %03d) in <paramref name="pattern"/> by <paramref name="value"/>.</summary>
    public static string Format(string pattern, long value, string path, string field)
    {
        int percent = pattern.IndexOf('%', StringComparison.Ordinal);
        int i = percent + 1;
        bool zeros = false;
        while (i < pattern.Length && pattern[i] is '0' or '-' or '+' or ' ')
        {
            zeros |= pattern[i] == '0';
            i++;
        }

        int width = 0;
        while (i < pattern.Length && char.IsAsciiDigit(pattern[i]))
        {
            width = Math.Min((width * 10) + (pattern[i] - '0'), 32);
            i++;
        }

        while (i < pattern.Length && pattern[i] == 'l')
        {
            i++;
        }

        if (percent < 0 || i >= pattern.Length || pattern[i] is not ('d' or 'i' or 'u') || pattern.IndexOf('%', i) >= 0)
        {
            throw new UnsupportedFormatException($"the data file pattern '{HeaderValues.Shorten(pattern)}' is not a file name with one %d", path, field);
        }

        string number = HeaderValues.Format(value);
        number = zeros ? number.PadLeft(width, '0') : number.PadLeft(width);
        return string.Concat(pattern.AsSpan(0, percent), number, pattern.AsSpan(i + 1));
    }
}
