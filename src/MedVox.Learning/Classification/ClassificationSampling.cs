using MedVox.Learning.Data;

namespace MedVox.Learning.Classification;

/// <summary>How training batches are drawn from the training entries.</summary>
public sealed record ClassificationSampling
{
    private const double Degree = Math.PI / 180;

    /// <summary>
    /// Augmentation for slice classification, milder than nnU-Net's segmentation defaults because the label of the whole
    /// image must survive it: a lesion at the edge must not be rotated or zoomed out of view, nor a few-pixel lesion
    /// blurred away. Rotation ±15° (probability 0.3), scaling 0.9-1.15 (0.2; above 1 shows more of the image, below
    /// crops at most 5% per side), Gaussian noise up to 0.05 (0.15; about 4 HU in the brain window), brightness and
    /// contrast ±10% (0.15 each), gamma 0.8-1.25 (0.15), left-right mirroring (0.5). No elastic deformation, blur or
    /// low-resolution simulation, no up-down flips (axial slices have a front and a back).
    /// </summary>
    public static AugmentationOptions DefaultAugmentation { get; } = AugmentationOptions.None with
    {
        RotationProbability = 0.3,
        RotationZ = new ValueRange(-15 * Degree, 15 * Degree),
        RotationX = ValueRange.Fixed(0),
        RotationY = ValueRange.Fixed(0),
        ScaleProbability = 0.2,
        Scale = new ValueRange(0.9, 1.15),
        NoiseProbability = 0.15,
        NoiseStandardDeviation = new ValueRange(0, 0.05),
        BrightnessProbability = 0.15,
        Brightness = new ValueRange(0.9, 1.1),
        ContrastProbability = 0.15,
        Contrast = new ValueRange(0.9, 1.1),
        GammaProbability = 0.15,
        Gamma = new ValueRange(0.8, 1.25),
        MirrorProbability = 0.5,
        MirrorAxes = [1],
    };

    public int BatchSize { get; init; } = 32;

    /// <summary>
    /// Draw each sample's class uniformly, then an entry of that class (oversampling rare classes); otherwise entries
    /// are drawn uniformly, keeping the dataset's class proportions.
    /// </summary>
    public bool Balanced { get; init; } = true;

    /// <summary>Batch k is drawn from (seed, k) alone, and so is its augmentation.</summary>
    public ulong Seed { get; init; } = 12345;

    /// <summary>2D augmentation on each batch (null: none); its own seed is replaced by one derived from <see cref="Seed"/>.</summary>
    public AugmentationOptions? Augmentation { get; init; }

    public void Validate()
    {
        if (BatchSize is < 1 or > 4096)
        {
            throw new MedVoxException($"the batch size must be 1 to 4096, got {BatchSize}", field: "--batch");
        }
    }
}
