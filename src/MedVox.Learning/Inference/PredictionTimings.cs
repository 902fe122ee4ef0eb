namespace MedVox.Learning.Inference;

/// <summary>Wall-clock time of a prediction by stage (the stages run one after another on the calling thread).</summary>
public sealed class PredictionTimings
{
    /// <summary>
    /// Before the first window: the first pass over the input (crop box, statistics), planning and allocations (after a
    /// float16 overflow, also the run given up).
    /// </summary>
    public TimeSpan Setup { get; internal set; }

    /// <summary>Reading, normalising and resampling input slices (after the first pass over the input).</summary>
    public TimeSpan Preprocessing { get; internal set; }

    /// <summary>Copying windows out of the input slices into the batch.</summary>
    public TimeSpan Windows { get; internal set; }

    /// <summary>Forward passes (with mirroring).</summary>
    public TimeSpan Network { get; internal set; }

    /// <summary>Weighting logits and adding them into the ring.</summary>
    public TimeSpan Accumulation { get; internal set; }

    /// <summary>Taking finished slices out, resampling them back and writing labels.</summary>
    public TimeSpan Finalization { get; internal set; }

    /// <summary>Everything, the first pass over the input included.</summary>
    public TimeSpan Total { get; internal set; }

    public override string ToString() => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"time: {Total.TotalSeconds:F2} s (setup {Setup.TotalSeconds:F2}, network {Network.TotalSeconds:F2}, accumulation {Accumulation.TotalSeconds:F2}, preprocessing {Preprocessing.TotalSeconds:F2}, windows {Windows.TotalSeconds:F2}, finalisation {Finalization.TotalSeconds:F2})");
}
