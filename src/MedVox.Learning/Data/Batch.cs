using static TorchSharp.torch;

namespace MedVox.Learning.Data;

/// <summary>Where a patch of a batch came from: the case, its first voxel (x, y, z; may be negative where padded), and whether it was drawn around foreground.</summary>
public readonly record struct PatchOrigin(string CaseId, int X, int Y, int Z, bool Foreground);

/// <summary>
/// Training patches: <see cref="Images"/> float32 [N, C, Z, Y, X] (2D: [N, C, Y, X]) and <see cref="Labels"/> int64
/// [N, Z, Y, X] (2D: [N, Y, X]). The batch owns its tensors, which belong to no dispose scope (they are made on worker
/// threads): whoever receives a batch disposes it.
/// </summary>
public sealed class Batch : IDisposable
{
    private static long _live;
    private int _disposed;

    public Batch(Tensor images, Tensor labels, long index, IReadOnlyList<PatchOrigin> patches)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(patches);
        Images = images;
        Labels = labels;
        Index = index;
        Patches = patches;
        Interlocked.Increment(ref _live);
    }

    /// <summary>Batches created and not yet disposed, over all threads (for leak checks).</summary>
    public static long LiveCount => Interlocked.Read(ref _live);

    public Tensor Images { get; private set; }

    public Tensor Labels { get; private set; }

    /// <summary>The position of this batch in the sampler's sequence (what makes it reproducible).</summary>
    public long Index { get; }

    public IReadOnlyList<PatchOrigin> Patches { get; }

    public int Count => (int)Images.shape[0];

    public bool Is2D => Labels.dim() == 3;

    /// <summary>Moves both tensors to <paramref name="device"/> (the host copies are disposed).</summary>
    public void MoveTo(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (Images.device_type == device.type && (device.type == TorchSharp.DeviceType.CPU || Images.device_index == device.index))
        {
            return;
        }

        var images = Images.to(device).DetachFromDisposeScope();
        var labels = Labels.to(device).DetachFromDisposeScope();
        Images.Dispose();
        Labels.Dispose();
        Images = images;
        Labels = labels;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Images.Dispose();
            Labels.Dispose();
            Interlocked.Decrement(ref _live);
        }
    }
}
