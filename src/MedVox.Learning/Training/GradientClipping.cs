using TorchSharp;
using static TorchSharp.torch;

namespace MedVox.Learning.Training;

/// <summary>
/// Gradient clipping by the total L2 norm, computed entirely on the gradients' device. LibTorch's C++
/// <c>clip_grad_norm_</c> (what TorchSharp calls) reads the norm back to the host to return it, which on a GPU makes
/// the host wait for the whole backward pass before it can queue the optimiser's kernels; PyTorch's Python version,
/// which this follows, scales every gradient by <c>min(1, max / (norm + 1e-6))</c> as a device tensor instead.
/// </summary>
public static class GradientClipping
{
    /// <summary>Added to the norm before dividing, as PyTorch does.</summary>
    public const double Epsilon = 1e-6;

    /// <summary>
    /// Scales <paramref name="gradients"/> in place so that their total L2 norm is at most <paramref name="maxNorm"/>;
    /// unchanged when it already is (scaled by exactly 1). No host synchronisation. The trainer passes one tensor, its
    /// flat float32 gradient buffer (<see cref="FlatParameters.GatherGradients"/>).
    /// </summary>
    public static void ClipByTotalNorm(IReadOnlyList<Tensor> gradients, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        if (!(maxNorm > 0) || double.IsInfinity(maxNorm))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The norm limit is a finite number > 0.");
        }

        if (gradients.Count == 0)
        {
            return;
        }

        using var scope = NewDisposeScope();

        // Numbers go to LibTorch as scalars held here until the calls return: TorchSharp's own conversions (as inside
        // linalg.vector_norm, whose order it converts) leave the scalar to the garbage collector, which can free it while
        // LibTorch reads it ("Unknown scalar type", seen in a test run).
        using var epsilon = Epsilon.ToScalar();
        using var limit = maxNorm.ToScalar();
        using var one = 1.0.ToScalar();
        var squares = new Tensor[gradients.Count];
        for (int i = 0; i < squares.Length; i++)
        {
            squares[i] = gradients[i].square().sum(ScalarType.Float32);
        }

        var total = (squares.Length == 1 ? squares[0] : stack(squares).sum()).sqrt_();
        var coefficient = total.add_(epsilon).reciprocal_().mul_(limit).clamp_max_(one);
        foreach (var gradient in gradients)
        {
            gradient.mul_(coefficient.to(gradient.dtype));
        }
    }
}
