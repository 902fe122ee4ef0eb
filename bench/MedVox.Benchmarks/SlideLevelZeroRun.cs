using System.Diagnostics;
using System.Globalization;
using MedVox.Slides.Models;

namespace MedVox.Benchmarks;

/// <summary>
/// The part of bench/wsi.sh that exercises level 0 of the big slide: runs the model over the first N tissue windows of
/// level 0 (full-width rows, so the blending accumulators reach their largest size) and reports tiles per second and
/// the peak resident memory. Usage: <c>compare wsi-level0 MODEL SLIDE OUT WINDOWS</c>.
/// </summary>
public sealed class SlideLevelZeroRun : IComparison
{
    public string Name => "wsi-level0";

    public int Run(string[] args)
    {
        if (args.Length != 4)
        {
            Console.Error.WriteLine("usage: compare wsi-level0 MODEL SLIDE OUT WINDOWS");
            return 2;
        }

        using var model = SlideModel.Load(args[0]);
        var clock = Stopwatch.StartNew();
        var result = SlidePredictor.Run(model, Path.GetFileName(args[0]), args[1], args[2], new SlidePredictionOptions
        {
            Level = 0,
            Resume = false,
            StopAfterWindows = int.Parse(args[3], CultureInfo.InvariantCulture),
        });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"level0_windows {result.TilesProcessed} of {result.TissueTiles} tissue windows ({result.Tiles} tiles), {result.TilesPerSecond:F2} tiles/s, {clock.Elapsed.TotalSeconds:F1} s, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB"));
        return 0;
    }
}
