using System.Globalization;

namespace MedVox.Cli.Commands;

/// <summary>Memory sizes as the command line takes them: 24GB, 512MB, 1.5GiB, 800M, 2T (binary units: 1 GB = 2^30 bytes), or bytes.</summary>
internal static class MemorySize
{
    public static long Parse(string text, string option)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().ToUpperInvariant().Replace("IB", "B", StringComparison.Ordinal);
        int shift = 0;
        foreach (var (suffix, bits) in new[] { ("TB", 40), ("GB", 30), ("MB", 20), ("KB", 10), ("T", 40), ("G", 30), ("M", 20), ("K", 10), ("B", 0) })
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal))
            {
                t = t[..^suffix.Length].Trim();
                shift = bits;
                break;
            }
        }

        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value > 0) || value * Math.Pow(2, shift) > long.MaxValue / 2.0)
        {
            throw new MedVoxException($"'{text}' is not a memory size", field: option, hint: "write it as e.g. 24GB, 512MB or 1.5GiB");
        }

        return (long)(value * Math.Pow(2, shift));
    }
}
