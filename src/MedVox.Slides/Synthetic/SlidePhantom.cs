using System.Diagnostics;
using System.Globalization;

namespace MedVox.Slides.Synthetic;

/// <summary>What a phantom run wrote.</summary>
public sealed record SlidePhantomResult(string SlidePath, string MaskPath, int Width, int Height, long TumourPixels, long TissuePixels, TimeSpan Elapsed);

/// <summary>
/// A synthetic H&amp;E-stained slide with its exact tumour mask, generated tile by tile (memory does not grow with the
/// slide): pale glass around irregular tissue, pink stroma with fibre texture, scattered small nuclei, and tumour
/// regions where nuclei are dense, large, dark and pleomorphic on a more purple background. Every pixel is a function
/// of its level-0 position and the seed (smooth value noise for the tissue and tumour fields, a jittered grid of
/// nuclei), so tiles can be made in any order and in parallel and the same options give the same pixels. Nuclei are
/// about 7-16 µm across at <see cref="SlidePhantomOptions.MicronsPerPixel"/> 0.5; tissue and tumour shapes scale
/// with the slide.
/// </summary>
public static class SlidePhantom
{
    /// <summary>The coarse grid (pixels) on which the tissue and tumour fields are evaluated and then interpolated.</summary>
    private const int FieldGrid = 8;

    /// <summary>Tumour threshold on its field.</summary>
    internal const double TumourLevel = 0.6;

    /// <summary>Tissue threshold on its field.</summary>
    internal const double TissueLevel = 0.5;

    public static SlidePhantomResult Generate(string path, SlidePhantomOptions options, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Width < 64 || options.Height < 64 || options.Width > 1_000_000 || options.Height > 1_000_000)
        {
            throw new MedVoxException($"a phantom slide of {options.Width}x{options.Height} pixels: width and height must be 64 to 1000000", field: "--width");
        }

        var clock = Stopwatch.StartNew();
        string maskPath = options.MaskPath ?? SlidePhantomOptions.DefaultMaskPath(path);
        var field = new PhantomFields(options.Seed, options.Width, options.Height);
        string description = options.AperioDescription
            ? $"Aperio Image Library MedVox synthetic H&E\r\n{options.Width}x{options.Height} [0,0 {options.Width}x{options.Height}] ({options.TileSize}x{options.TileSize}) JPEG/RGB Q={options.JpegQuality}|AppMag = 20|MPP = {options.MicronsPerPixel.ToString(CultureInfo.InvariantCulture)}"
            : $"MedVox synthetic H&E slide, seed {options.Seed}, {options.MicronsPerPixel.ToString(CultureInfo.InvariantCulture)} um/pixel";
        using var slide = PyramidTiffWriter.Create(path, options.Width, options.Height, 3, new PyramidWriterOptions
        {
            TileSize = options.TileSize,
            Compression = options.Compression,
            JpegQuality = options.JpegQuality,
            MicronsPerPixel = options.MicronsPerPixel,
            Description = description,
        });
        using var mask = PyramidTiffWriter.Create(maskPath, options.Width, options.Height, 1, new PyramidWriterOptions
        {
            TileSize = options.TileSize,
            Compression = TileCompression.Deflate,
            MicronsPerPixel = options.MicronsPerPixel,
            Description = $"MedVox synthetic H&E slide tumour mask (255 = tumour), seed {options.Seed}",
        });

        int columns = slide.Columns, total = columns * slide.Rows;
        long tumour = 0, tissue = 0, done = 0;
        var parallel = new ParallelOptions { CancellationToken = cancellation, MaxDegreeOfParallelism = Environment.ProcessorCount };
        Parallel.For(0, total, parallel, () => new TileRenderer(field, options.TileSize), (index, _, renderer) =>
        {
            int column = index % columns, row = index / columns;
            var (tumourHere, tissueHere) = renderer.Render(column * options.TileSize, row * options.TileSize, options.Width, options.Height);
            slide.WriteTile(column, row, renderer.Rgb);
            mask.WriteTile(column, row, renderer.Mask);
            Interlocked.Add(ref tumour, tumourHere);
            Interlocked.Add(ref tissue, tissueHere);
            progress?.Report(0.8 * Interlocked.Increment(ref done) / total);
            return renderer;
        }, _ => { });

        slide.Commit(new Scaled(progress, 0.8, 0.18), cancellation);
        mask.Commit(new Scaled(progress, 0.98, 0.02), cancellation);
        progress?.Report(1);
        return new SlidePhantomResult(slide.Path, mask.Path, options.Width, options.Height, tumour, tissue, clock.Elapsed);
    }

    /// <summary>Forwards progress mapped into [start, start + span].</summary>
    private sealed class Scaled(IProgress<double>? inner, double start, double span) : IProgress<double>
    {
        public void Report(double value) => inner?.Report(start + (span * value));
    }
}
