using System.Reflection;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace MedVox.Learning.Training;

/// <summary>
/// Frees what TorchSharp 0.107's custom autograd nodes hold longer than LibTorch's own nodes do. Such a node keeps
/// (1) an uninitialised tensor the size of each output (<c>empty_like</c>, the template for a zero gradient should
/// one be missing) and (2) its saved tensors, both until the graph is destroyed at the end of the training step; a
/// LibTorch node frees its saved tensors once its backward has run and keeps no output copies. On the CPU the template
/// costs address space only (its pages are never touched); on a GPU the caching allocator reserves it for real, so every
/// checkpointed stage's output and every compact norm's output would be held twice. The fix reaches TorchSharp's private
/// fields by reflection (<see cref="IsSupported"/> says whether they are there; a test checks it, so that an upgrade
/// that renames them is noticed); without them nothing changes but the memory.
/// </summary>
internal static class CustomNodeMemory
{
    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;

    private static readonly FieldInfo? ContextNode = typeof(AutogradContext).GetField("_node", Private);
    private static readonly FieldInfo? SavedVariables = typeof(AutogradContext).GetField("_savedVariables", Private);
    private static readonly Type? NodeType = typeof(AutogradContext).Assembly.GetType("TorchSharp.torch+autograd+Node`1");

    [ThreadStatic]
    private static AutogradContext? _pending;

    /// <summary>True when TorchSharp's fields this class works on exist.</summary>
    public static bool IsSupported => ContextNode is not null && SavedVariables is not null && NodeType is not null && OutputTemplates(NodeType) is not null;

    /// <summary>Called by a custom node's forward: remembers its context for <see cref="Applied"/>.</summary>
    public static void Track(AutogradContext ctx) => _pending = ctx;

    /// <summary>
    /// Called with the output of <c>apply</c>: replaces the node's output-sized templates with views of one zero
    /// element broadcast to the output's shape (a missing gradient still becomes zeros of the right shape).
    /// </summary>
    public static Tensor Applied(Tensor output)
    {
        var ctx = _pending;
        _pending = null;
        if (ctx is null || ContextNode?.GetValue(ctx) is not { } node || OutputTemplates(node.GetType()) is not { } field
            || field.GetValue(node) is not List<Tensor> templates)
        {
            return output;
        }

        for (int i = 0; i < templates.Count; i++)
        {
            if (templates[i] is not { } template || template.IsInvalid)
            {
                continue;
            }

            using var zero = zeros(Array.Empty<long>(), template.dtype, template.device);
            templates[i] = zero.expand(template.shape);
            template.Dispose();
        }

        return output;
    }

    /// <summary>
    /// Called by a custom node's backward once it has unpacked its saved tensors: lets them go now instead of when the
    /// graph dies (the node cannot run backward twice afterwards; MedVox never retains a graph).
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

    private static FieldInfo? OutputTemplates(Type nodeType) => nodeType.GetField("_outputCache", Private);
}
