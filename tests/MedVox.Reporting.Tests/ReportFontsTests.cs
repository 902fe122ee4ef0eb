using SkiaSharp;

namespace MedVox.Reporting.Tests;

/// <summary>
/// Text must not depend on installed fonts: Skia's Linux build without fontconfig finds none on a bare machine, and
/// text then silently vanishes. These tests check that the embedded font itself has the glyphs the report draws and
/// that ScottPlot resolves the report's family name to it, whatever fonts the machine has.
/// </summary>
public class ReportFontsTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EmbeddedFontHasTheGlyphsOfTheReport(bool bold)
    {
        using var typeface = ReportFonts.Create(bold);
        Assert.Equal("DejaVu Sans", typeface.FamilyName);
        using var font = new SKFont(typeface, 12);
        const string text = "RLAPSI Dice IoU HD95 (mm) ± ∞ − × ³ μ τ → ≤ ≥ · kidney_right 0123456789 1/8";
        var glyphs = font.GetGlyphs(text);
        for (int i = 0; i < glyphs.Length; i++)
        {
            Assert.True(glyphs[i] != 0, $"no glyph for '{text[i]}'");
        }
    }

    [Fact]
    public void ScottPlotResolvesTheReportFamilyToTheEmbeddedFont()
    {
        var plot = new ScottPlot.Plot();
        ReportFonts.Apply(plot);
        Assert.Equal(ReportFonts.FamilyName, plot.Axes.Title.Label.FontName);
        Assert.Equal(ReportFonts.FamilyName, plot.Axes.Bottom.TickLabelStyle.FontName);
        Assert.Equal(ReportFonts.FamilyName, plot.Legend.FontName);
        using var typeface = ScottPlot.Fonts.GetTypeface(ReportFonts.FamilyName, false, false);
        Assert.Equal("DejaVu Sans", typeface.FamilyName);
        using var font = new SKFont(typeface, 12);
        Assert.DoesNotContain((ushort)0, font.GetGlyphs("Dice per label"));

        // Registering twice keeps one resolver; other names still go to ScottPlot's own resolvers.
        ReportFonts.RegisterWithScottPlot();
        Assert.Single(ScottPlot.Fonts.FontResolvers, r => r.CreateTypeface(ReportFonts.FamilyName, false, false) is not null);
    }
}
