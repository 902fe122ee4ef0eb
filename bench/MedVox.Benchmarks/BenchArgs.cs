using System.Globalization;

namespace MedVox.Benchmarks;

/// <summary>The <c>--name value</c> options of the comparisons.</summary>
internal static class BenchArgs
{
    public static string Text(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    public static int Int(string[] args, string name, int fallback)
    {
        string text = Text(args, name, string.Empty);
        return text.Length > 0 ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
    }
}
