using static TorchSharp.torch;

namespace MedVox.Learning.Training;

/// <summary>
/// Wrappers of the gradients MedVox's custom autograd nodes returned. Autograd copies a returned gradient into its own
/// reference when the node's backward returns, but TorchSharp's wrapper would keep the storage alive until the training
/// step's dispose scope ends, through the rest of the backward pass. Each custom backward releases the wrappers of the
/// ones before it. The list is per thread: autograd runs a device's backward calls on one thread (the calling thread on
/// the CPU, a worker thread per GPU).
/// </summary>
internal static class ReturnedGradients
{
    [ThreadStatic]
    private static List<Tensor>? _returned;

    /// <summary>Remembers wrappers that autograd takes over when the current backward call returns.</summary>
    public static void Keep(IEnumerable<Tensor?> gradients)
    {
        _returned ??= [];
        foreach (var g in gradients)
        {
            if (g is not null)
            {
                _returned.Add(g);
            }
        }
    }

    /// <summary>Disposes the wrappers kept by earlier backward calls on this thread (their storage stays while autograd uses it).</summary>
    public static void Release()
    {
        if (_returned is null)
        {
            return;
        }

        foreach (var t in _returned)
        {
            t.Dispose();
        }

        _returned.Clear();
    }
}
