using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MedVox.Learning.Losses;

/// <summary>
/// Applies a loss to each deep-supervision output against the labels downsampled to its resolution (nearest), weighted
/// 1, 1/2, 1/4, ... from full resolution down, the lowest resolution left out and the weights normalised to sum 1
/// (nnU-Net's scheme).
/// </summary>
public sealed class DeepSupervisionLoss(Module<Tensor, Tensor, Tensor> loss) : Module<Tensor[], Tensor, Tensor>(nameof(DeepSupervisionLoss))
{
    public static double[] Weights(int outputs)
    {
        var weights = new double[outputs];
        for (int i = 0; i < outputs; i++)
        {
            weights[i] = i == outputs - 1 && outputs > 1 ? 0 : Math.Pow(0.5, i);
        }

        double sum = weights.Sum();
        for (int i = 0; i < outputs; i++)
        {
            weights[i] /= sum;
        }

        return weights;
    }

    public override Tensor forward(Tensor[] outputs, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(labels);
        using var scope = NewDisposeScope();
        var weights = Weights(outputs.Length);
        var target = labels.dim() == outputs[0].dim() ? labels : labels.unsqueeze(1);
        Tensor? total = null;
        for (int i = 0; i < outputs.Length; i++)
        {
            if (weights[i] == 0)
            {
                continue;
            }

            var size = outputs[i].shape.Skip(2).ToArray();
            var scaled = i == 0 ? target : functional.interpolate(target.to(ScalarType.Float32), size, mode: InterpolationMode.Nearest).to(ScalarType.Int64);
            var term = loss.forward(outputs[i], scaled) * weights[i];
            total = total is null ? term : total + term;
        }

        return total!.MoveToOuterDisposeScope();
    }
}
