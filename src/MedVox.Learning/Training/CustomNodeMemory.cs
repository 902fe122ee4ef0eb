using System.Reflection;
using static TorchSharp.torch.autograd;

namespace MedVox.Learning.Training;

/// <summary>
/// Frees the tensors a TorchSharp 0.107 custom autograd node saved for its backward pass once that pass has unpacked
/// them. LibTorch's own nodes free their saved tensors when their backward has run; TorchSharp's keep them until the
/// graph is destroyed at the end of the training step, so a checkpointed stage's inputs, the loss's logits and every
/// compact norm's output would stay through the whole backward pass. The saved variables are a private field, reached
/// by reflection (<see cref="IsSupported"/> says whether it is there; a test checks it, so that an upgrade that renames
/// it is noticed); without it nothing changes but the memory.
/// </summary>
internal static class CustomNodeMemory
{
    private static readonly FieldInfo? SavedVariables = typeof(AutogradContext).GetField("_savedVariables", BindingFlags.NonPublic | BindingFlags.Instance);

    /// <summary>True when TorchSharp's field this class works on exists.</summary>
    public static bool IsSupported => SavedVariables is not null;

    /// <summary>
    /// Called by a custom node's backward once it has unpacked its saved tensors (the unpacked wrappers keep them while
    /// the backward pass runs): the node's own references go now instead of when the graph dies. The node cannot run
    /// backward twice afterwards; MedVox never retains a graph.
    /// </summary>
    public static void ReleaseSaved(AutogradContext ctx)
    {
        if (SavedVariables?.GetValue(ctx) is not System.Collections.IList saved)
        {
            return;
        }

        foreach (var variable in saved)
        {
            (variable as IDisposable)?.Dispose();
        }
    }
}
