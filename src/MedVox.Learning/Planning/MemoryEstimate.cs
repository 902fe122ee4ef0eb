namespace MedVox.Learning.Planning;

/// <summary>The memory one training step of a planned network needs, by part, in bytes.</summary>
public sealed record MemoryEstimate(long Weights, long Optimizer, long Activations, long Workspace)
{
    public long Total => Weights + Optimizer + Activations + Workspace;

    public override string ToString() =>
        $"{Format(Total)} (weights and gradients {Format(Weights)}, optimiser {Format(Optimizer)}, activations {Format(Activations)}, backward workspace {Format(Workspace)})";

    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F2} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F1} MiB",
        _ => $"{bytes / 1024.0:F0} KiB",
    };
}
