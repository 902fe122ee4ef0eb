namespace MedVox.Learning.Training;

/// <summary>The optimiser family.</summary>
public enum OptimizerKind
{
    /// <summary>SGD with Nesterov momentum 0.99 and poly learning rate from 0.01 (nnU-Net's default).</summary>
    Sgd,

    /// <summary>AdamW with poly learning rate.</summary>
    AdamW,
}

/// <summary>Arithmetic of the forward and backward pass.</summary>
public enum PrecisionMode
{
    Float32,

    /// <summary>bfloat16 compute with float32 master weights; no loss scaling needed (bf16 has float32's exponent range).</summary>
    BFloat16,
}

/// <summary>How a network is trained: optimiser, schedule, precision, memory options and checkpointing.</summary>
public sealed record TrainingOptions
{
    public int Iterations { get; init; } = 1000;

    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;

    public double LearningRate { get; init; } = 0.01;

    public double Momentum { get; init; } = 0.99;

    public double WeightDecay { get; init; } = 3e-5;

    /// <summary>Exponent of the poly schedule lr = lr0 * (1 - it / iterations)^exponent.</summary>
    public double PolyExponent { get; init; } = 0.9;

    /// <summary>Micro-batches whose gradients are summed before one optimiser step.</summary>
    public int GradientAccumulation { get; init; } = 1;

    /// <summary>Gradient norm clip (nnU-Net clips at 12); 0 disables.</summary>
    public double GradientClip { get; init; } = 12;

    public PrecisionMode Precision { get; init; } = PrecisionMode.Float32;

    /// <summary>Recompute stage activations in backward instead of storing them.</summary>
    public bool ActivationCheckpointing { get; init; }

    /// <summary>
    /// Run each instance norm and LeakyReLU as one autograd node that keeps only its output (one map per
    /// conv-norm-LeakyReLU block for the backward pass instead of two; see <see cref="Networks.UNet.CompactNormalization"/>).
    /// </summary>
    public bool CompactNormalization { get; init; }

    /// <summary>Write a checkpoint at least this often (wall clock) ...</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>... and every this many iterations (0: only by time and at the end).</summary>
    public int CheckpointEveryIterations { get; init; }

    public int Seed { get; init; } = 12345;

    public void Validate()
    {
        if (Iterations < 1 || GradientAccumulation < 1 || LearningRate <= 0 || double.IsNaN(LearningRate) || PolyExponent < 0 || Momentum < 0 || WeightDecay < 0)
        {
            throw new MedVoxException($"invalid training options: {this}");
        }
    }
}
