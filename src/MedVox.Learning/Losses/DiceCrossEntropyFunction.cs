using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace MedVox.Learning.Losses;

/// <summary>
/// Cross-entropy plus soft Dice over the foreground classes as one autograd node with its gradient written out, so that
/// a training step keeps nothing of the loss but the logits (and the labels it already has). Composed from LibTorch
/// operations the loss keeps log-softmax, softmax and a float one-hot target per class for its backward pass and builds
/// an int64 one-hot on the way, about 470 bytes per voxel with 14 classes in bf16; this node needs about 10 bytes per
/// voxel and class while it runs and none afterwards. With p = softmax(z), target one-hot g, per (sample,) class
/// c >= 1 the sums I = sum p g, D = sum p + sum g + s, Dice = (2I + s) / D, and loss = w_ce CE + w_d (1 - mean Dice):
/// dLoss/dp_c = a_c g_c + b_c with a_c = -2 w_d / (K D_c), b_c = w_d (2 I_c + s) / (K D_c^2) (K Dice terms averaged),
/// and through the softmax dLoss/dz_k = p_k (dLoss/dp_k - sum_j p_j dLoss/dp_j) + w_ce (p_k - g_k) / M over M voxels.
/// </summary>
internal sealed class DiceCrossEntropyFunction : SingleTensorFunction<DiceCrossEntropyFunction>
{
    public override string Name => "DiceCrossEntropy";

    /// <summary>The loss of <paramref name="logits"/> [N, C, ...] against int64 <paramref name="target"/> [N, ...].</summary>
    public static Tensor Compute(Tensor logits, Tensor target, double crossEntropyWeight, double diceWeight, double smooth, bool batchDice) =>
        apply(logits, target, crossEntropyWeight, diceWeight, smooth, batchDice);

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var logits = (Tensor)vars[0];
        var target = (Tensor)vars[1];
        double ceWeight = (double)vars[2], diceWeight = (double)vars[3], smooth = (double)vars[4];
        bool batchDice = (bool)vars[5];
        using var scope = NewDisposeScope();
        long n = logits.shape[0], classes = logits.shape[1];
        var index = target.reshape(n, 1, -1);
        // Numbers go to LibTorch as scalars held until the calls return (an implicit conversion's temporary can be
        // collected while LibTorch reads it).
        using var one = 1.0.ToScalar();
        using var voxels = index.numel().ToScalar();
        using var ce = ceWeight.ToScalar();
        using var dw = diceWeight.ToScalar();
        var p = logits.to(ScalarType.Float32).reshape(n, classes, -1).log_softmax(1);
        var crossEntropy = p.gather(1, index).sum(ScalarType.Float64).div_(voxels).neg_();
        p.exp_();
        var (a, b) = DiceCoefficients(p, index, classes, diceWeight, smooth, batchDice, out var meanDice);
        // Saved after forward returns: what is saved must outlive this scope (the caller's scope takes the wrappers).
        ctx.save_for_backward([logits, target, a.MoveToOuterDisposeScope(), b.MoveToOuterDisposeScope()]);
        ctx.save_data("ceWeight", ceWeight);
        var loss = crossEntropy.mul_(ce).add_(meanDice.neg().add_(one).mul_(dw));
        return loss.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        // The wrappers of gradients returned by earlier custom nodes can go (see ReturnedGradients); this node's own
        // goes at the next one's backward (a checkpointed stage) instead of at the end of the step.
        Training.ReturnedGradients.Release();
        double ceWeight = (double)ctx.get_data("ceWeight");
        Tensor gradient;
        using (var scope = NewDisposeScope())
        {
            var saved = ctx.get_saved_variables();
            var (logits, target, a, b) = (saved[0], saved[1], saved[2], saved[3]);
            Training.CustomNodeMemory.ReleaseSaved(ctx);
            long n = logits.shape[0], classes = logits.shape[1];
            var index = target.reshape(n, 1, -1);
            var p = logits.detach().to(ScalarType.Float32).reshape(n, classes, -1).softmax(1);
            // Scalars held for the calls that read them (an implicit conversion's temporary can be collected mid-call).
            using var one = 1.0.ToScalar();
            using var c0 = (ceWeight / index.numel()).ToScalar();

            // r = sum_j p_j dLoss/dp_j = sum_j p_j b_j + a_t p_t (t the target class), per voxel.
            var pTarget = p.gather(1, index);
            var aTarget = a.gather(1, index.reshape(n, -1)).unsqueeze(1);
            var r = b.unsqueeze(1).bmm(p).addcmul_(aTarget, pTarget, one);

            // dLoss/dz = p (b - r + c0) + g (a_t p_t - c0): the second term only at the target class.
            var shift = r.neg_().add_(c0);
            var grad = p.mul(shift);
            grad.addcmul_(p, b.unsqueeze(2), one);
            grad.scatter_add_(1, index, aTarget.mul_(pTarget).sub_(c0));
            grad.mul_(grad_output.to(ScalarType.Float32));
            gradient = grad.reshape(logits.shape).to(logits.dtype).MoveToOuterDisposeScope();
        }

        grad_output.Dispose();
        Training.ReturnedGradients.Keep([gradient]);

        // One entry per argument of apply: the logits, then none for the target and the settings.
        return [gradient, null!, null!, null!, null!, null!];
    }

    /// <summary>
    /// a and b of the gradient ([N, C] float32, zero for the background; with batch Dice the same for every sample)
    /// from probabilities p [N, C, V] and the target index [N, 1, V], and the mean Dice over the foreground classes.
    /// </summary>
    private static (Tensor A, Tensor B) DiceCoefficients(Tensor p, Tensor index, long classes, double diceWeight, double smooth, bool batchDice, out Tensor meanDice)
    {
        long n = p.shape[0];
        double terms = (batchDice ? 1 : n) * (classes - 1);

        // Scalars held for the calls that read them, as above.
        using var one = 1.0.ToScalar();
        using var two = 2.0.ToScalar();
        using var minusTwo = (-2.0).ToScalar();
        using var classCount = classes.ToScalar();
        using var smoothing = smooth.ToScalar();
        using var tiny = 1e-8.ToScalar();
        using var termCount = terms.ToScalar();
        using var weight = (diceWeight / terms).ToScalar();

        // Sums per (sample, class) in float64: the intersection gathers each voxel's probability of its own class.
        var flat = index.reshape(n, -1) + arange(n, ScalarType.Int64, p.device).mul_(classCount).unsqueeze(1);
        var intersection = zeros(n * classes, ScalarType.Float64, p.device).index_add_(0, flat.flatten(), p.gather(1, index).flatten().to(ScalarType.Float64), one).reshape(n, classes);
        var targetSum = bincount(flat.flatten(), minlength: n * classes).reshape(n, classes).to(ScalarType.Float64);
        var probabilitySum = p.sum(2, type: ScalarType.Float64);
        if (batchDice)
        {
            intersection = intersection.sum(0, keepdim: true);
            targetSum = targetSum.sum(0, keepdim: true);
            probabilitySum = probabilitySum.sum(0, keepdim: true);
        }

        var foreground = ones_like(intersection);
        foreground.narrow(1, 0, 1).zero_();
        var denominator = (probabilitySum + targetSum).add_(smoothing);
        var clamped = denominator.clamp_min(tiny);
        var numerator = intersection.mul(two).add_(smoothing);
        meanDice = (numerator / clamped * foreground).sum().div_(termCount);

        // Where the clamp holds the denominator, the Dice term does not depend on p.
        var live = denominator.ge(tiny).to(ScalarType.Float64).mul_(foreground).mul_(weight);
        var a = live.mul(minusTwo).div_(clamped).expand(n, classes).to(ScalarType.Float32);
        var b = (live * numerator / clamped.square()).expand(n, classes).to(ScalarType.Float32);
        return (a.contiguous(), b.contiguous());
    }
}
