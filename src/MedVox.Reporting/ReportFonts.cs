using System.Reflection;
using ScottPlot;
using SkiaSharp;

namespace MedVox.Reporting;

/// <summary>
/// The typeface of every text in plots and snapshots: DejaVu Sans embedded in this assembly, so that text renders on
/// machines without any font (Skia's Linux build without fontconfig finds none there, and text would silently vanish).
/// ScottPlot resolves fonts through a global list; a resolver for <see cref="FamilyName"/> alone is put first, which
/// leaves every other font name to ScottPlot's own resolvers.
/// </summary>
internal static class ReportFonts
{
    /// <summary>A family name no system font has, so that only the embedded font can answer it.</summary>
    public const string FamilyName = "MedVox Report Sans";

    private static readonly Lazy<byte[]> RegularBytes = new(() => Load("DejaVuSans.ttf"));
    private static readonly Lazy<byte[]> BoldBytes = new(() => Load("DejaVuSans-Bold.ttf"));
    private static readonly Lock Gate = new();
    private static bool _registered;

    /// <summary>A new typeface of the embedded font (the caller disposes it).</summary>
    public static SKTypeface Create(bool bold = false)
    {
        using var data = SKData.CreateCopy(bold ? BoldBytes.Value : RegularBytes.Value);
        return SKTypeface.FromData(data) ?? throw new InvalidOperationException("The embedded report font could not be loaded.");
    }

    /// <summary>Makes <see cref="FamilyName"/> known to ScottPlot (once per process).</summary>
    public static void RegisterWithScottPlot()
    {
        lock (Gate)
        {
            if (_registered)
            {
                return;
            }

            Fonts.FontResolvers.Insert(0, new Resolver());
            _registered = true;
        }
    }

    /// <summary>Sets every text of <paramref name="plot"/> to the embedded font.</summary>
    public static void Apply(Plot plot)
    {
        RegisterWithScottPlot();
        plot.Font.Set(FamilyName);
        plot.Legend.FontName = FamilyName;
    }

    private static byte[] Load(string file)
    {
        string name = $"MedVox.Reporting.Fonts.{file}";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The report font {name} is missing from the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private sealed class Resolver : IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
            fontName == FamilyName ? Create(bold) : null;

        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing width) =>
            fontName == FamilyName ? Create(weight >= FontWeight.SemiBold) : null;
    }
}
