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
        var probabilities = logProbabilities.exp();
        var loss = -((1 - probabilities).pow(gamma) * logProbabilities);
        if (alpha is not null)
        {
            loss *= tensor(alpha, device: logits.device).gather(0, target);
        }

        return loss.mean().MoveToOuterDisposeScope();
    }
}
