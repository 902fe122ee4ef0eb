using System.Diagnostics;
using System.Globalization;
using MedVox.Slides.Models;

namespace MedVox.Benchmarks;

/// <summary>
/// The part of bench/wsi-full-slide.sh that exercises level 0 of the big slide: runs the model over the first N tissue
/// windows of level 0 (full-width rows, so the blending accumulators reach their largest size) with the CLI's defaults
/// (tile 512, overlap 64, batch 1 unless given) and reports tiles per second and the peak resident memory.
/// Usage: <c>compare wsi-level0 MODEL SLIDE OUT WINDOWS [BATCH]</c>.
/// </summary>
public sealed class SlideLevelZeroRun : IComparison
{
    public string Name => "wsi-level0";

    public int Run(string[] args)
    {
        if (args.Length is not (4 or 5))
        {
            Console.Error.WriteLine("usage: compare wsi-level0 MODEL SLIDE OUT WINDOWS [BATCH]");
            return 2;
        }

        using var model = SlideModel.Load(args[0]);
        var clock = Stopwatch.StartNew();
        var result = SlidePredictor.Run(model, Path.GetFileName(args[0]), args[1], args[2], new SlidePredictionOptions
        {
            Level = 0,
            Resume = false,
            StopAfterWindows = int.Parse(args[3], CultureInfo.InvariantCulture),
            BatchSize = args.Length == 5 ? int.Parse(args[4], CultureInfo.InvariantCulture) : new SlidePredictionOptions().BatchSize,
        });
        var gc = GC.GetGCMemoryInfo(GCKind.Any);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"level0_windows {result.TilesProcessed} of {result.TissueTiles} tissue windows ({result.Tiles} tiles), {result.TilesPerSecond:F2} tiles/s, {clock.Elapsed.TotalSeconds:F1} s, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB, managed heap committed {gc.TotalCommittedBytes / 1e6:F0} MB (after the last GC), {GC.GetTotalAllocatedBytes() / 1e9:F1} GB allocated, {GC.CollectionCount(2)} full GCs"));
        return 0;
    }
}
