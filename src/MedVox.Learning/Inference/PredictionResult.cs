using MedVox.Imaging;

namespace MedVox.Learning.Inference;

/// <summary>A prediction on the input's grid: the label map (uint8 class indices) and, on request, probabilities.</summary>
public sealed class PredictionResult : IDisposable
{
    internal PredictionResult(Image labels, Image? probabilities, PredictionMemoryPlan memory, AccumulatorPlacement placement, PredictionTimings timings, IReadOnlyList<string> warnings)
    {
        Labels = labels;
        Probabilities = probabilities;
        Memory = memory;
        Placement = placement;
        Timings = timings;
        Warnings = warnings;
    }

    /// <summary>Class index per voxel, with exactly the input's geometry (one frame).</summary>
    public Image Labels { get; }

    /// <summary>Float32 softmax probabilities, one component per class, on the input's grid; null unless requested.</summary>
    public Image? Probabilities { get; }

    /// <summary>The memory plan the prediction ran with.</summary>
    public PredictionMemoryPlan Memory { get; }

    /// <summary>Where the logits ended up (differs from the plan after an out-of-memory fallback).</summary>
    public AccumulatorPlacement Placement { get; }

    public TimeSpan Elapsed => Timings.Total;

    /// <summary>Where the time went.</summary>
    public PredictionTimings Timings { get; }

    /// <summary>Doubts about the input that did not stop the prediction (e.g. intensities that do not look like the plan's modality).</summary>
    public IReadOnlyList<string> Warnings { get; }

    public void Dispose()
    {
        Labels.Dispose();
        Probabilities?.Dispose();
    }
}
