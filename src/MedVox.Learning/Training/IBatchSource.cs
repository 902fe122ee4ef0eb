using static TorchSharp.torch;

namespace MedVox.Learning.Training;

/// <summary>One training batch: images [N, C, (Z,) Y, X] and integer labels [N, (Z,) Y, X] (segmentation) or [N] (classification).</summary>
public sealed class TrainingBatch(Tensor images, Tensor labels) : IDisposable
{
    public Tensor Images { get; } = images;

    public Tensor Labels { get; } = labels;

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}

/// <summary>Where a trainer takes its batches from (a patch sampler with background prefetch, or a fixed list in tests).</summary>
public interface IBatchSource
{
    /// <summary>The next batch; the caller disposes it.</summary>
    TrainingBatch Next(CancellationToken cancellation);

    /// <summary>State to store in a checkpoint so that a resumed run draws the same batches (empty when stateless).</summary>
    byte[] SaveState();

    void RestoreState(byte[] state);
}
