using MedVox.Learning.Networks;

namespace MedVox.Slides.Models;

/// <summary>
/// What a slide model folder records beside its weights (model.json): the network, the resolution it was trained at
/// (microns per pixel of its input, and the level and downsample of the training slides), and how it was trained.
/// </summary>
public sealed record SlideModelInfo
{
    public required UNetConfig Network { get; init; }

    /// <summary>Microns per input pixel (level-0 mpp × downsample of the training level); null when the training slides had none.</summary>
    public double? MicronsPerPixel { get; init; }

    /// <summary>Pyramid level the model was trained on.</summary>
    public int Level { get; init; }

    /// <summary>Downsample of that level relative to level 0.</summary>
    public double Downsample { get; init; } = 1;

    /// <summary>Training patch edge in pixels.</summary>
    public int PatchSize { get; init; }

    public int Iterations { get; init; }

    public double FinalLoss { get; init; }

    /// <summary>The slides it was trained on (file names).</summary>
    public IReadOnlyList<string> TrainingSlides { get; init; } = [];
}
