namespace MedVox.Slides.Models;

/// <summary>Where a prediction run stands: windows done of those with tissue, speed and time left.</summary>
public readonly record struct SlidePredictionProgress(int Done, int Total, double TilesPerSecond, TimeSpan Elapsed, TimeSpan? Remaining);

/// <summary>What a prediction run did and found (also written as summary.json).</summary>
public sealed record SlidePredictionResult
{
    public required string Slide { get; init; }

    public required string Model { get; init; }

    public required int Level { get; init; }

    public required long Width { get; init; }

    public required long Height { get; init; }

    public required double Downsample { get; init; }

    /// <summary>Microns per pixel at the level processed.</summary>
    public double? MicronsPerPixel { get; init; }

    public required int TileSize { get; init; }

    public required int Overlap { get; init; }

    /// <summary>Output tiles in the level's grid.</summary>
    public required int Tiles { get; init; }

    /// <summary>Windows that touch tissue (the rest are glass and skipped).</summary>
    public required int TissueTiles { get; init; }

    /// <summary>Windows run through the model in this run.</summary>
    public required int TilesProcessed { get; init; }

    /// <summary>Output tiles found finished from an interrupted run.</summary>
    public required int TilesResumed { get; init; }

    /// <summary>Pixels with tumour probability of at least 0.5.</summary>
    public long TumourPixels { get; init; }

    public double? TumourAreaMm2 { get; init; }

    public required double Seconds { get; init; }

    /// <summary>Windows per second through reading, the model and writing (this run).</summary>
    public required double TilesPerSecond { get; init; }

    /// <summary>Peak resident memory of the process (bytes) when the run ended.</summary>
    public long PeakMemoryBytes { get; init; }

    /// <summary>Dice of (probability ≥ 0.5) against <see cref="SlidePredictionOptions.TruthMask"/>, when given.</summary>
    public double? Dice { get; init; }

    public required string ProbabilityPath { get; init; }

    public string? HeatmapPath { get; init; }

    /// <summary>Set when the level's resolution differs from the model's by more than a quarter (the model may then see unfamiliar scales).</summary>
    public string? Warning { get; init; }

    /// <summary>False when the run stopped early (<see cref="SlidePredictionOptions.StopAfterWindows"/>): the output is left partial, to be resumed.</summary>
    public bool Complete { get; init; } = true;
}
