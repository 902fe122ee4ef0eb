using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MedVox.Learning.Losses;

/// <summary>
/// Focal loss for classification (Lin et al. 2017): cross-entropy scaled by (1 - p_t)^gamma so that easy examples count
/// less; gamma 0 is plain cross-entropy. Optional per-class weights (alpha) for imbalanced data.
/// </summary>
public sealed class FocalLoss(double gamma = 2.0, float[]? alpha = null) : Module<Tensor, Tensor, Tensor>(nameof(FocalLoss))
{
    public override Tensor forward(Tensor logits, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(labels);
        using var scope = NewDisposeScope();
        var target = labels.to(ScalarType.Int64);
        var logProbabilities = functional.log_softmax(logits.to(ScalarType.Float32), 1).gather(1, target.unsqueeze(1)).squeeze(1);
        // The numbers go to LibTorch as scalars held until the calls return: a number converted at the call can be
        // finalised by the garbage collector while LibTorch still reads it.
        using var one = 1.ToScalar();
        using var exponent = gamma.ToScalar();
        var probabilities = logProbabilities.exp();
        var loss = probabilities.neg().add_(one).pow(exponent).mul(logProbabilities).neg();
        if (alpha is not null)
        {
            loss *= tensor(alpha, device: logits.device).gather(0, target);
        }

        return loss.mean().MoveToOuterDisposeScope();
    }
}
