using TorchSharp;

namespace MedVox.Learning.Runtime;

/// <summary>Counts live tensors on the current thread, so tests and long loops can prove they release what they create.</summary>
public static class TensorAccounting
{
    /// <summary>Tensors created on this thread and not yet disposed, inside and outside dispose scopes (exact).</summary>
    public static long LiveTensors => DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;

    /// <summary>
    /// Frees the storage that only unreferenced tensor handles still hold, by running the garbage collector and its
    /// finalisers. Needed after giving parameters new storage (<c>set_</c>): building a network leaves initialisation
    /// temporaries that share the old storage to the collector, so a second copy of the weights would stay resident
    /// until some later collection (measured: +56 MiB at 16.5 M parameters).
    /// </summary>
    public static void ReleaseUnreferencedStorage()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }
}
