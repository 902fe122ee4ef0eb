namespace MedVox.Slides.Models;

/// <summary>How <see cref="SlideTrainer"/> trains a tumour model.</summary>
public sealed record SlideTrainingOptions
{
    /// <summary>Pyramid level the patches are read from (the model then runs at that resolution).</summary>
    public int Level { get; init; }

    /// <summary>Patch edge in pixels (a multiple of the network's total stride).</summary>
    public int PatchSize { get; init; } = 256;

    public int BatchSize { get; init; } = 8;

    public int Iterations { get; init; } = 200;

    public double LearningRate { get; init; } = 0.003;

    /// <summary>Share of patches centred on tumour (the rest on any tissue).</summary>
    public double TumourFraction { get; init; } = 0.5;

    public int Seed { get; init; } = 1;
}
