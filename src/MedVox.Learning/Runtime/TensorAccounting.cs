using TorchSharp;

namespace MedVox.Learning.Runtime;

/// <summary>Counts live tensors on the current thread, so tests and long loops can prove they release what they create.</summary>
public static class TensorAccounting
{
    /// <summary>Tensors created on this thread and not yet disposed, inside and outside dispose scopes (exact).</summary>
    public static long LiveTensors => DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
}
