using System.CommandLine;
using MedVox.Cli.Terminal;
using MedVox.Slides;
using MedVox.Slides.Synthetic;
using Spectre.Console;

namespace MedVox.Cli.Commands;

/// <summary>
/// <c>medvox phantom slide --width W --height H --out slide.tiff</c>: a synthetic H&amp;E whole-slide image (pyramidal
/// BigTIFF) with its tumour mask, generated tile by tile. Its options live on the phantom command; the phantom command
/// hands the "slide" kind here.
/// </summary>
internal static class SlidePhantomCommand
{
    public const string Kind = "slide";

    public static bool Handles(string kind) => string.Equals(kind, Kind, StringComparison.OrdinalIgnoreCase);

    /// <summary>Adds the slide options to the phantom command and returns them.</summary>
    public static Options AddOptions(Command phantom)
    {
        var options = new Options(
            new Option<int>("--width") { Description = "Slide only: width in pixels", DefaultValueFactory = _ => 8192 },
            new Option<int>("--height") { Description = "Slide only: height in pixels", DefaultValueFactory = _ => 6144 },
            new Option<string?>("--mask") { Description = "Slide only: tumour mask path (default: NAME.mask.tiff beside the slide)" },
            new Option<string>("--compression") { Description = "Slide only: jpeg or deflate tiles", DefaultValueFactory = _ => "jpeg" },
            new Option<int>("--tile") { Description = "Slide only: tile size in pixels", DefaultValueFactory = _ => 512 },
            new Option<double>("--mpp") { Description = "Slide only: microns per pixel of level 0", DefaultValueFactory = _ => 0.5 },
            new Option<bool>("--svs") { Description = "Slide only: describe it as Aperio SVS does (OpenSlide reads it as aperio)" });
        phantom.Options.Add(options.Width);
        phantom.Options.Add(options.Height);
        phantom.Options.Add(options.Mask);
        phantom.Options.Add(options.Compression);
        phantom.Options.Add(options.Tile);
        phantom.Options.Add(options.Mpp);
        phantom.Options.Add(options.Svs);
        return options;
    }

    public static int Run(CliContext context, ParseResult parse, Options options, string output, int seed)
    {
        var phantom = new SlidePhantomOptions
        {
            Width = parse.GetValue(options.Width),
            Height = parse.GetValue(options.Height),
            Seed = seed,
            MaskPath = parse.GetValue(options.Mask),
            Compression = ParseCompression(parse.GetValue(options.Compression)!),
            TileSize = parse.GetValue(options.Tile),
            MicronsPerPixel = parse.GetValue(options.Mpp),
            AperioDescription = parse.GetValue(options.Svs),
        };
        if (Directory.Exists(output))
        {
            throw new MedVoxException("--out names a folder; a slide phantom is one file", output, "--out", "give a file name such as slide.tiff");
        }

        var result = ProgressDisplay.Run(context.Console, $"slide phantom {phantom.Width}x{phantom.Height}", 1.0,
            progress => SlidePhantom.Generate(output, phantom, progress));
        double mm2 = phantom.MicronsPerPixel * phantom.MicronsPerPixel / 1e6;
        context.Console.MarkupLineInterpolated(
            $"wrote [green]{result.SlidePath}[/] and its tumour mask [green]{result.MaskPath}[/]: {result.Width}x{result.Height} at {phantom.MicronsPerPixel} um/pixel, tissue {result.TissuePixels * mm2:F1} mm2, tumour {result.TumourPixels * mm2:F1} mm2, in {result.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    internal static TileCompression ParseCompression(string text) => text.Trim().ToLowerInvariant() switch
    {
        "jpeg" or "jpg" => TileCompression.Jpeg,
        "deflate" or "zip" or "zlib" => TileCompression.Deflate,
        _ => throw new MedVoxException($"unknown tile compression '{text}'", field: "--compression", hint: "use jpeg or deflate"),
    };

    internal sealed record Options(Option<int> Width, Option<int> Height, Option<string?> Mask, Option<string> Compression, Option<int> Tile, Option<double> Mpp, Option<bool> Svs);
}
