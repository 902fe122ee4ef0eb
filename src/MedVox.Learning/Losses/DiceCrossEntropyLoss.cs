using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MedVox.Learning.Losses;

/// <summary>
/// nnU-Net's segmentation loss: cross-entropy plus soft Dice over the foreground classes (background excluded), with
/// smoothing 1e-5 as nnU-Net uses. With <see cref="BatchDice"/> the Dice sums run over the whole batch instead of per
/// sample (better for small structures that some patches miss). Inputs: logits [N, C, ...] and integer labels
/// [N, ...] or [N, 1, ...].
/// </summary>
public sealed class DiceCrossEntropyLoss : Module<Tensor, Tensor, Tensor>
{
    public DiceCrossEntropyLoss(bool batchDice = false, double diceWeight = 1, double crossEntropyWeight = 1, double smooth = 1e-5)
        : base(nameof(DiceCrossEntropyLoss))
    {
        BatchDice = batchDice;
        DiceWeight = diceWeight;
        CrossEntropyWeight = crossEntropyWeight;
        Smooth = smooth;
    }

    public bool BatchDice { get; }

    public double DiceWeight { get; }

    public double CrossEntropyWeight { get; }

    public double Smooth { get; }

    public override Tensor forward(Tensor logits, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(labels);
        using var scope = NewDisposeScope();
        var target = labels.dim() == logits.dim() ? labels.squeeze(1) : labels;
        if (target.dim() != logits.dim() - 1 || !target.shape.SequenceEqual(logits.shape.Where((_, i) => i != 1)))
        {
            throw new ArgumentException($"Labels [{string.Join(", ", labels.shape)}] do not match logits [{string.Join(", ", logits.shape)}].");
        }

        // One autograd node with its gradient written out: the composed form (cross-entropy of the float32 logits plus
        // 1 - SoftDice) keeps several float32 maps per class for its backward pass (see DiceCrossEntropyFunction).
        var loss = DiceCrossEntropyFunction.Compute(logits, target.to(ScalarType.Int64), CrossEntropyWeight, DiceWeight, Smooth, BatchDice);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Mean soft Dice over the foreground classes, from softmax probabilities (no gradient stop).</summary>
    public Tensor SoftDice(Tensor logits, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(target);
        using var scope = NewDisposeScope();
        long classes = logits.shape[1];
        var probabilities = functional.softmax(logits.to(ScalarType.Float32), 1);
        var oneHot = functional.one_hot(target, classes).movedim([-1], [1]).to(ScalarType.Float32);
        var axes = Enumerable.Range(2, (int)logits.dim() - 2).Select(a => (long)a).ToList();
        if (BatchDice)
        {
            axes.Insert(0, 0);
        }

        var foregroundProbabilities = probabilities.narrow(1, 1, classes - 1);
        var foregroundTarget = oneHot.narrow(1, 1, classes - 1);
        var intersection = (foregroundProbabilities * foregroundTarget).sum([.. axes]);
        var denominator = foregroundProbabilities.sum([.. axes]) + foregroundTarget.sum([.. axes]);
        var dice = ((2 * intersection) + Smooth) / (denominator + Smooth).clamp_min(1e-8);
        return dice.mean().MoveToOuterDisposeScope();
    }
}
