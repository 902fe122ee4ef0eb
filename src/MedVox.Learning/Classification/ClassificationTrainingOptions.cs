using MedVox.Learning.Networks;
using MedVox.Learning.Training;

namespace MedVox.Learning.Classification;

/// <summary>The loss of a classifier.</summary>
public enum ClassificationLoss
{
    CrossEntropy,

    /// <summary>Focal loss (Lin et al.): down-weights easy images; for strongly imbalanced data without balanced sampling.</summary>
    Focal,
}

/// <summary>What <see cref="ClassificationTrainer"/> trains and how.</summary>
public sealed record ClassificationTrainingOptions
{
    /// <summary>
    /// Optimiser defaults for classifiers trained from scratch: AdamW at 1e-3 with weight decay 1e-4 and the poly
    /// schedule (nnU-Net's SGD with momentum 0.99 is tuned for segmentation and converges slowly on small classifiers).
    /// </summary>
    public static TrainingOptions DefaultTraining { get; } = new()
    {
        Iterations = 1000,
        Optimizer = OptimizerKind.AdamW,
        LearningRate = 1e-3,
        WeightDecay = 1e-4,
        GradientClip = 12,
    };

    public ClassifierArchitecture Architecture { get; init; } = ClassifierArchitecture.DenseNet121;

    /// <summary>
    /// Input size and normalisation; null: <see cref="InputSize"/> squared with the normalisation guessed from the first
    /// image (<see cref="ClassifierNormalization.Guess"/>).
    /// </summary>
    public ClassifierInput? Input { get; init; }

    /// <summary>Side of the square input when <see cref="Input"/> is null.</summary>
    public int InputSize { get; init; } = 64;

    /// <summary>Class names by index; null: "0", "1", ... up to the largest label.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    public ClassificationSampling Sampling { get; init; } = new();

    public TrainingOptions Training { get; init; } = DefaultTraining;

    public ClassificationLoss Loss { get; init; } = ClassificationLoss.CrossEntropy;

    public double FocalGamma { get; init; } = 2;

    /// <summary>Share of each class held out for validation (see <see cref="ClassificationSplit"/>); ignored with a validation dataset.</summary>
    public double ValidationFraction { get; init; } = 0.2;

    /// <summary>Validate every this many iterations (0: only at the end).</summary>
    public int ValidationEvery { get; init; }

    /// <summary>RAM for prepared images (see <see cref="ClassificationSamples"/>).</summary>
    public long CacheBudgetBytes { get; init; } = 1L << 30;

    /// <summary>
    /// Write checkpoints while training (the default); false for runs cheaper to repeat than to save, such as the
    /// experiments' many short runs (a VGG-16 checkpoint with AdamW state is 1.6 GB).
    /// </summary>
    public bool WriteCheckpoints { get; init; } = true;

    /// <summary>
    /// Write the model (weights, classifier.json, validation files) at the end (the default); false when only the
    /// returned validation is wanted, such as an experiment scoring many networks (VGG-16's weights are 0.55 GB).
    /// </summary>
    public bool SaveModel { get; init; } = true;

    /// <summary>Continue from the checkpoint in the model folder when there is one.</summary>
    public bool Resume { get; init; }

    public void Validate()
    {
        Training.Validate();
        Sampling.Validate();
        if (!(ValidationFraction >= 0 && ValidationFraction < 1))
        {
            throw new MedVoxException($"the validation fraction must be in [0, 1), got {ValidationFraction}", field: "--val-fraction");
        }

        if (ValidationEvery < 0 || FocalGamma < 0 || double.IsNaN(FocalGamma))
        {
            throw new MedVoxException("invalid classification options: validation interval and focal gamma must not be negative");
        }
    }
}
