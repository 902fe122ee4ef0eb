namespace MedVox.Slides.Models;

/// <summary>How <see cref="SlidePredictor"/> runs a model over a slide.</summary>
public sealed record SlidePredictionOptions
{
    /// <summary>The level to run at; null: the level whose resolution is nearest the model's (by microns per pixel, else the model's level).</summary>
    public int? Level { get; init; }

    /// <summary>Output tile edge in pixels (a multiple of 16).</summary>
    public int TileSize { get; init; } = 512;

    /// <summary>Context read around each tile on every side; neighbouring predictions are blended over 2 × overlap pixels.</summary>
    public int Overlap { get; init; } = 64;

    /// <summary>
    /// Windows per forward pass. One suits a CPU: on 2 cores a batch of 4 was no faster and raised the peak memory of a
    /// level-0 run of a 50000x30000 slide from 1.28 GB to 1.55 GB (docs/benchmarks.md); raise it on a GPU.
    /// </summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>Background threads reading windows.</summary>
    public int ReadWorkers { get; init; } = 2;

    /// <summary>Continue an interrupted run from the tiles it wrote (the default); false starts over.</summary>
    public bool Resume { get; init; } = true;

    /// <summary>Decoded-tile cache of the slide reader.</summary>
    public long CacheBytes { get; init; } = TiffSlideReader.DefaultCacheBytes;

    /// <summary>A ground-truth tumour mask (0/255 pyramid of the slide's size) to score the prediction against (Dice).</summary>
    public string? TruthMask { get; init; }

    /// <summary>Stop after this many windows (tests of resuming: simulates an interruption); null runs to the end.</summary>
    public int? StopAfterWindows { get; init; }
}
