namespace MedVox.Learning.Planning;

/// <summary>
/// The memory a training run of a planned network needs, by part, in bytes. <see cref="Step"/> is the peak of one
/// training step (what <see cref="MemoryProbe"/> measures); <see cref="Total"/> adds the batches the data loader holds.
/// </summary>
/// <param name="Runtime">The engine's fixed cost: on the CPU the resident size of a process with .NET and LibTorch loaded after a first step; on CUDA the context and library handles.</param>
/// <param name="Weights">Parameters and their gradients (plus float32 master copies with bf16).</param>
/// <param name="Optimizer">The optimiser's state (SGD momentum: one float32 per parameter; AdamW: two).</param>
/// <param name="Batch">The batch being trained on (float32 images, int64 labels, a bf16 copy of the images).</param>
/// <param name="Activations">What autograd keeps for the backward pass at the end of the forward pass and the loss.</param>
/// <param name="Workspace">What the step needs on top of that at its peak: the loss's temporaries, or the gradients and convolution buffers at the start of the backward pass.</param>
/// <param name="DataLoading">Batches queued by the loader and in the making on its workers (sampled patches, augmentation).</param>
public sealed record MemoryEstimate(long Runtime, long Weights, long Optimizer, long Batch, long Activations, long Workspace, long DataLoading)
{
    /// <summary>The peak of one training step.</summary>
    public long Step => Runtime + Weights + Optimizer + Batch + Activations + Workspace;

    /// <summary>The peak of a training run: a step plus the data loader.</summary>
    public long Total => Step + DataLoading;

    public override string ToString() =>
        $"{Format(Total)} (runtime {Format(Runtime)}, weights and gradients {Format(Weights)}, optimiser {Format(Optimizer)}, batch {Format(Batch)}, activations {Format(Activations)}, peak workspace {Format(Workspace)}, data loading {Format(DataLoading)})";

    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F2} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F1} MiB",
        _ => $"{bytes / 1024.0:F0} KiB",
    };
}
