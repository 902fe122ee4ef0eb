using MedVox.Reporting.Plots;
using MedVox.Testing;
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

    /// <summary>A plot's title is drawn: its band at the top holds dark text pixels.</summary>
    [Fact]
    public void PlotTextIsDrawn()
    {
        if (Environment.GetEnvironmentVariable("MEDVOX_EXPECT_NO_FONTS") == "1")
        {
            // Run by TextNeedsNoInstalledFont: Skia must see no font at all here.
            Assert.Equal(0, SKTypeface.Default.GlyphCount);
        }

        var png = Png.Decode(ReportPlots.BoxPlot("Dice per label", "Dice", ["a", "b"], [[0.5, 0.6], [0.7, 0.8]], 0, 1));

        // Text, unlike the frame (one run per row), makes many separate dark runs along a row through its letters.
        int mostRuns = 0;
        for (int y = 0; y < 40; y++)
        {
            int runs = 0;
            bool inRun = false;
            for (int x = (png.Width / 2) - 100; x < (png.Width / 2) + 100; x++)
            {
                var (r, g, b) = png[x, y];
                bool dark = r < 128 && g < 128 && b < 128;
                runs += dark && !inRun ? 1 : 0;
                inRun = dark;
            }

            mostRuns = Math.Max(mostRuns, runs);
        }

        Assert.True(mostRuns >= 8, $"at most {mostRuns} dark runs in a row where the title should be");
    }

    /// <summary>
    /// Runs <see cref="PlotTextIsDrawn"/> in a child process that sees no system font (an empty folder mounted over
    /// /usr/share/fonts in a private mount namespace, which needs root), as on a bare Debian machine.
    /// </summary>
    [Fact]
    public void TextNeedsNoInstalledFont()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("the font-free check runs on Linux");
        }

        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        string assembly = typeof(ReportFontsTests).Assembly.Location;
        string method = $"{typeof(ReportFontsTests).FullName}.{nameof(PlotTextIsDrawn)}";
        using var empty = TestData.CreateTempFolder();
        (int Code, string Output, string Error) result;
        if (Directory.Exists("/usr/share/fonts"))
        {
            if (!Environment.IsPrivilegedProcess)
            {
                Assert.Skip("hiding the system fonts needs root (a private mount namespace)");
            }

            const string script = "mount --bind \"$0\" /usr/share/fonts && exec env MEDVOX_EXPECT_NO_FONTS=1 \"$1\" \"$2\" -method \"$3\"";
            result = ProcessRunner.Run("unshare", ["-m", "sh", "-c", script, empty.Path, dotnet, assembly, method]);
            if (result.Code != 0 && (result.Error.StartsWith("unshare:", StringComparison.Ordinal) || result.Error.StartsWith("mount:", StringComparison.Ordinal)))
            {
                Assert.Skip($"this machine cannot hide its fonts: {result.Error.Trim()}");
            }
        }
        else
        {
            result = ProcessRunner.Run("env", ["MEDVOX_EXPECT_NO_FONTS=1", dotnet, assembly, "-method", method]);
        }

        Assert.True(result.Code == 0, $"exit {result.Code}: {result.Output} {result.Error}");
        Assert.Contains("Total: 1, Errors: 0, Failed: 0, Skipped: 0", result.Output, StringComparison.Ordinal);
    }
}
