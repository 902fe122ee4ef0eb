namespace MedVox.Evaluation.Segmentation;

/// <summary>
/// Centreline Dice of a 2D tubular segmentation (clDice, Shit et al., CVPR 2021): topology precision is the fraction of
/// the prediction's skeleton inside the reference mask, topology sensitivity the fraction of the reference's skeleton
/// inside the predicted mask, and clDice their harmonic mean. Unlike Dice it weighs a thin vessel by its length, not
/// its area, so missing capillaries or breaking a vessel costs as much as missing a trunk.
/// </summary>
public readonly record struct CenterlineDice(double TopologyPrecision, double TopologySensitivity, double Value)
{
    /// <summary>
    /// clDice of <paramref name="prediction"/> against <paramref name="reference"/> (non-zero is foreground), both
    /// <paramref name="width"/> x <paramref name="height"/>, skeletons by <see cref="Skeletonization"/>. An empty
    /// skeleton gives a precision (or sensitivity) of 1 when the other mask is empty too and 0 otherwise, so two empty
    /// masks score 1 and an empty prediction of a non-empty reference 0.
    /// </summary>
    public static CenterlineDice Compute(ReadOnlySpan<byte> prediction, ReadOnlySpan<byte> reference, int width, int height)
    {
        var predictionSkeleton = Skeletonization.Skeletonize(prediction, width, height);
        var referenceSkeleton = Skeletonization.Skeletonize(reference, width, height);
        double precision = Inside(predictionSkeleton, reference);
        double sensitivity = Inside(referenceSkeleton, prediction);
        double value = precision + sensitivity > 0 ? 2 * precision * sensitivity / (precision + sensitivity) : 0;
        return new CenterlineDice(precision, sensitivity, value);
    }

    /// <summary>Fraction of the skeleton's pixels that lie in <paramref name="mask"/>.</summary>
    private static double Inside(byte[] skeleton, ReadOnlySpan<byte> mask)
    {
        long total = 0, inside = 0;
        bool maskEmpty = true;
        for (int i = 0; i < skeleton.Length; i++)
        {
            bool inMask = mask[i] != 0;
            maskEmpty &= !inMask;
            if (skeleton[i] != 0)
            {
                total++;
                if (inMask)
                {
                    inside++;
                }
            }
        }

        return total > 0 ? (double)inside / total : maskEmpty ? 1 : 0;
    }
}
