using System.Globalization;

namespace MedVox.IO.Formats;

/// <summary>Parses and formats the numbers of text headers, with errors that name the file and the field.</summary>
internal static class HeaderValues
{
    private static readonly char[] Blanks = [' ', '\t'];

    /// <summary>Splits on spaces and tabs, dropping empty parts.</summary>
    public static string[] Words(string text) => text.Split(Blanks, StringSplitOptions.RemoveEmptyEntries);

    public static long ParseInteger(string text, string path, string field)
    {
        if (long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out long value))
        {
            return value;
        }

        throw new InvalidImageFileException($"'{Shorten(text)}' is not an integer", path, field);
    }

    /// <summary>A double; "nan" and "inf" parse (callers decide whether they are allowed).</summary>
    public static double ParseDouble(string text, string path, string field)
    {
        if (TryParseDouble(text, out double value))
        {
            return value;
        }

        throw new InvalidImageFileException($"'{Shorten(text)}' is not a number", path, field);
    }

    public static bool TryParseDouble(string text, out double value)
    {
        string trimmed = text.Trim();
        if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        // C's strtod spellings, as teem and ITK write them.
        switch (trimmed.ToLowerInvariant())
        {
            case "nan" or "-nan" or "+nan":
                value = double.NaN;
                return true;
            case "inf" or "+inf" or "infinity" or "+infinity":
                value = double.PositiveInfinity;
                return true;
            case "-inf" or "-infinity":
                value = double.NegativeInfinity;
                return true;
            default:
                return false;
        }
    }

    /// <summary>Exactly <paramref name="count"/> whitespace-separated integers.</summary>
    public static long[] ParseIntegers(string text, int count, string path, string field)
    {
        var words = Words(text);
        CheckCount(words.Length, count, path, field);
        var values = new long[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = ParseInteger(words[i], path, field);
        }

        return values;
    }

    /// <summary>Exactly <paramref name="count"/> whitespace-separated doubles.</summary>
    public static double[] ParseDoubles(string text, int count, string path, string field)
    {
        var words = Words(text);
        CheckCount(words.Length, count, path, field);
        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = ParseDouble(words[i], path, field);
        }

        return values;
    }

    /// <summary>Throws unless every value is finite.</summary>
    public static void RequireFinite(ReadOnlySpan<double> values, string path, string field)
    {
        foreach (double v in values)
        {
            if (!double.IsFinite(v))
            {
                throw new InvalidImageFileException($"{Format(v)} is not a finite number", path, field);
            }
        }
    }

    /// <summary>Shortest text that parses back to the same double ("R"), with C spellings for NaN and infinities.</summary>
    public static string Format(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        return value.ToString("R", CultureInfo.InvariantCulture);
    }

    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Join(ReadOnlySpan<double> values, string separator = " ")
    {
        var parts = new string[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            parts[i] = Format(values[i]);
        }

        return string.Join(separator, parts);
    }

    public static string Join(ReadOnlySpan<long> values)
    {
        var parts = new string[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            parts[i] = Format(values[i]);
        }

        return string.Join(' ', parts);
    }

    /// <summary>Text cut to a length that fits a one-line error message.</summary>
    public static string Shorten(string text, int max = 60) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "...");

    private static void CheckCount(int found, int count, string path, string field)
    {
        if (found != count)
        {
            throw new InvalidImageFileException($"expected {count} value(s), found {found}", path, field);
        }
    }
}
