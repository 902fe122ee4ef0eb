namespace MedVox.Learning.Data;

/// <summary>A closed range a random parameter is drawn from, uniformly unless said otherwise.</summary>
public readonly record struct ValueRange(double Min, double Max)
{
    public static ValueRange Fixed(double value) => new(value, value);

    public bool IsValid => double.IsFinite(Min) && double.IsFinite(Max) && Min <= Max;
}

/// <summary>
/// Probabilities and ranges of <see cref="Augmentation"/>. The defaults are nnU-Net v2's training transforms
/// (nnUNetTrainer.get_training_transforms): rotation and scaling each with probability 0.2 per sample (±30° about
/// every axis in 3D, ±180° in-plane in 2D; scale 0.7 to 1.4), elastic deformation off, Gaussian noise 0.1, blur 0.2,
/// brightness 0.15, contrast 0.15, low resolution 0.25, inverted gamma 0.1, gamma 0.3, mirroring 0.5 per axis.
/// </summary>
public sealed record AugmentationOptions
{
    private const double Degree = Math.PI / 180;

    /// <summary>nnU-Net's 3D defaults.</summary>
    public static AugmentationOptions Default3D { get; } = new();

    /// <summary>nnU-Net's 2D defaults: in-plane rotation over the whole circle.</summary>
    public static AugmentationOptions Default2D { get; } = new()
    {
        RotationZ = new ValueRange(-180 * Degree, 180 * Degree),
        RotationX = ValueRange.Fixed(0),
        RotationY = ValueRange.Fixed(0),
    };

    /// <summary>Nothing applied (every probability 0).</summary>
    public static AugmentationOptions None { get; } = new()
    {
        RotationProbability = 0,
        ScaleProbability = 0,
        ElasticProbability = 0,
        NoiseProbability = 0,
        BlurProbability = 0,
        BrightnessProbability = 0,
        ContrastProbability = 0,
        LowResolutionProbability = 0,
        InvertedGammaProbability = 0,
        GammaProbability = 0,
        MirrorProbability = 0,
    };

    /// <summary>Seed of every random parameter; batch i always gets the same augmentation.</summary>
    public ulong Seed { get; init; }

    /// <summary>Patch size after the spatial transform, in tensor order ([Z, Y, X] or [Y, X]); null keeps the input size. See <see cref="Augmentation.InitialPatchSize"/>.</summary>
    public int[]? OutputPatchSize { get; init; }

    /// <summary>Label value where the spatial transform samples outside the patch.</summary>
    public long LabelPadValue { get; init; }

    /// <summary>Probability of rotating a sample (all axes at once).</summary>
    public double RotationProbability { get; init; } = 0.2;

    /// <summary>Angle (radians) about the x axis (the last tensor axis): rotates the y-z plane. Unused in 2D.</summary>
    public ValueRange RotationX { get; init; } = new(-30 * Degree, 30 * Degree);

    /// <summary>Angle (radians) about the y axis: rotates the x-z plane. Unused in 2D.</summary>
    public ValueRange RotationY { get; init; } = new(-30 * Degree, 30 * Degree);

    /// <summary>Angle (radians) about the z axis (the slice axis): the in-plane rotation, the only one in 2D.</summary>
    public ValueRange RotationZ { get; init; } = new(-30 * Degree, 30 * Degree);

    public double ScaleProbability { get; init; } = 0.2;

    /// <summary>Factor applied to sampling coordinates (the same on all axes): above 1 zooms out, below 1 zooms in (nnU-Net's convention).</summary>
    public ValueRange Scale { get; init; } = new(0.7, 1.4);

    /// <summary>Elastic deformation: off in nnU-Net v2 (batchgenerators v1 used 0.2 with the ranges below).</summary>
    public double ElasticProbability { get; init; }

    /// <summary>Magnitude of the displacement (voxels, scaling uniform noise in [-1, 1] smoothed with <see cref="ElasticSigma"/>).</summary>
    public ValueRange ElasticAlpha { get; init; } = new(0, 900);

    /// <summary>Smoothing of the displacement field (voxels).</summary>
    public ValueRange ElasticSigma { get; init; } = new(9, 13);

    public double NoiseProbability { get; init; } = 0.1;

    /// <summary>Standard deviation of the additive noise (nnU-Net calls the range "noise_variance" but uses it as the deviation).</summary>
    public ValueRange NoiseStandardDeviation { get; init; } = new(0, 0.1);

    public double BlurProbability { get; init; } = 0.2;

    /// <summary>Gaussian sigma (voxels) per axis and channel.</summary>
    public ValueRange BlurSigma { get; init; } = new(0.5, 1.0);

    /// <summary>Probability that a channel is blurred when the sample is.</summary>
    public double BlurPerChannelProbability { get; init; } = 0.5;

    public double BrightnessProbability { get; init; } = 0.15;

    /// <summary>Multiplier per channel; drawn as nnU-Net's BGContrast: half the time below 1, half above.</summary>
    public ValueRange Brightness { get; init; } = new(0.75, 1.25);

    public double ContrastProbability { get; init; } = 0.15;

    /// <summary>Factor around the channel mean (drawn as <see cref="Brightness"/>), clipped to the channel's original range.</summary>
    public ValueRange Contrast { get; init; } = new(0.75, 1.25);

    public double LowResolutionProbability { get; init; } = 0.25;

    /// <summary>Downsampling factor (nearest) before upsampling back (linear), the same on all axes.</summary>
    public ValueRange LowResolutionScale { get; init; } = new(0.5, 1.0);

    public double LowResolutionPerChannelProbability { get; init; } = 0.5;

    /// <summary>Gamma on the negated image (bright structures compressed), keeping mean and deviation.</summary>
    public double InvertedGammaProbability { get; init; } = 0.1;

    public double GammaProbability { get; init; } = 0.3;

    /// <summary>Gamma exponent (drawn as <see cref="Brightness"/>).</summary>
    public ValueRange Gamma { get; init; } = new(0.7, 1.5);

    /// <summary>Probability of mirroring each allowed axis.</summary>
    public double MirrorProbability { get; init; } = 0.5;

    /// <summary>Spatial axes that may be mirrored, in tensor order (0 = first spatial axis: Z in 3D, Y in 2D); null: all.</summary>
    public IReadOnlyList<int>? MirrorAxes { get; init; }
}
