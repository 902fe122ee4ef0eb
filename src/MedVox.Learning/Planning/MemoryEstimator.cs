using MedVox.Learning.Networks;
using MedVox.Learning.Training;

namespace MedVox.Learning.Planning;

/// <summary>
/// Predicts the peak memory of one training step of a <see cref="UNet"/> from its configuration, by counting what
/// autograd keeps for the backward pass, layer by layer, instead of by rule of thumb:
/// <list type="bullet">
/// <item>conv-norm-LeakyReLU keeps the convolution's output (the norm's input) and the activation's output (in-place
/// LeakyReLU saves its result): two feature maps; a residual block four, plus its shortcut's;</item>
/// <item>a decoder stage keeps the transposed convolution's output, the concatenation (twice the width) and its
/// conv-norm-act layers;</item>
/// <item>the loss keeps softmax and log-softmax probabilities and the one-hot target (three class maps), plus the logits;</item>
/// <item>the backward pass needs, at its peak, the gradient of the widest full-resolution tensor (the concatenation of
/// the last decoder stage) on both sides of a layer and the input gradient of its convolution;</item>
/// <item>weights: parameters and gradients (in the compute type), float32 master copies and their gradients for bf16,
/// and the optimiser's state (SGD momentum: one float32 per parameter; AdamW: two).</item>
/// </list>
/// With activation checkpointing only the stage outputs stay for the backward pass, and one stage at a time is
/// recomputed, so the largest stage's own tensors are added once.
/// </summary>
public static class MemoryEstimator
{
    public static MemoryEstimate Estimate(UNetConfig config, IReadOnlyList<int> patch, int batch, PrecisionMode precision, OptimizerKind optimizer, bool checkpointing)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(patch);
        config.Validate();
        if (patch.Count != config.Dimensions)
        {
            throw new ArgumentException($"The patch needs {config.Dimensions} axes.", nameof(patch));
        }

        long element = precision == PrecisionMode.BFloat16 ? 2 : 4;
        long parameters = ParameterCount(config);
        long weights = parameters * element * 2;
        long optimizerState = parameters * 4 * (optimizer == OptimizerKind.AdamW ? 2 : 1);
        if (precision == PrecisionMode.BFloat16)
        {
            weights += parameters * 4 * 2;
        }

        var voxels = StageVoxels(config, patch);
        var stages = new List<long>();
        var boundaries = new List<long>();
        long input = voxels[0] * config.InputChannels;
        for (int s = 0; s < config.Stages; s++)
        {
            long maps = 0;
            for (int b = 0; b < config.EncoderBlocks[s]; b++)
            {
                long width = config.Features[s];
                maps += config.ResidualEncoder ? ResidualBlockMaps(config, s, b) : 2 * width;
            }

            stages.Add(maps * voxels[s]);
            boundaries.Add(config.Features[s] * voxels[s]);
        }

        long classes = config.Classes;
        for (int s = config.Stages - 2; s >= 0; s--)
        {
            long width = config.Features[s];
            // The transposed convolution's output is not kept (the concatenation saves nothing); the concatenation is
            // kept as the next convolution's input.
            long maps = (2 * width) + (2 * width * config.DecoderConvolutions);
            if (config.DeepSupervision || s == 0)
            {
                maps += classes;
            }

            stages.Add(maps * voxels[s]);
            boundaries.Add(width * voxels[s]);
        }

        long loss = 3 * classes * voxels[0];
        long activations = checkpointing ? boundaries.Sum() + stages.Max() : stages.Sum();
        activations = (activations + input) * batch * element;
        activations += loss * batch * 4;

        // At the start of the backward pass every saved tensor is still alive, and the full-resolution decoder stage
        // holds the gradients of the logits, of its last activation and of its concatenated input.
        long workspace = ((3L * config.Features[0]) + classes) * voxels[0] * batch * element;
        return new MemoryEstimate(weights, optimizerState, activations, workspace);
    }

    /// <summary>Trainable parameters of the network the configuration builds.</summary>
    public static long ParameterCount(UNetConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        long count = 0;
        long inChannels = config.InputChannels;
        for (int s = 0; s < config.Stages; s++)
        {
            long k = Product(config.Kernels[s]);
            long width = config.Features[s];
            for (int b = 0; b < config.EncoderBlocks[s]; b++)
            {
                if (config.ResidualEncoder)
                {
                    count += ConvNorm(inChannels, width, k) + ConvNorm(width, width, k);
                    if (inChannels != width)
                    {
                        count += ConvNorm(inChannels, width, 1);
                    }
                }
                else
                {
                    count += ConvNorm(inChannels, width, k);
                }

                inChannels = width;
            }
        }

        for (int s = config.Stages - 2; s >= 0; s--)
        {
            long k = Product(config.Kernels[s]);
            long width = config.Features[s];
            count += (config.Features[s + 1] * width * Product(config.Strides[s + 1])) + width;
            for (int c = 0; c < config.DecoderConvolutions; c++)
            {
                count += ConvNorm(c == 0 ? 2 * width : width, width, k);
            }

            if (config.DeepSupervision || s == 0)
            {
                count += (width * config.Classes) + config.Classes;
            }
        }

        return count;

        static long ConvNorm(long input, long output, long kernel) => (input * output * kernel) + output + (2 * output);
    }

    /// <summary>Voxels of one sample at each stage's resolution.</summary>
    public static long[] StageVoxels(UNetConfig config, IReadOnlyList<int> patch)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(patch);
        var size = patch.Select(p => (long)p).ToArray();
        var voxels = new long[config.Stages];
        for (int s = 0; s < config.Stages; s++)
        {
            for (int a = 0; a < size.Length; a++)
            {
                size[a] = (size[a] + config.Strides[s][a] - 1) / config.Strides[s][a];
            }

            voxels[s] = size.Aggregate(1L, (x, y) => x * y);
        }

        return voxels;
    }

    private static long ResidualBlockMaps(UNetConfig config, int stage, int block)
    {
        long width = config.Features[stage];
        long inWidth = block == 0 ? (stage == 0 ? config.InputChannels : config.Features[stage - 1]) : width;
        bool strided = block == 0 && config.Strides[stage].Any(s => s != 1);
        // conv1 keeps its output and activation, conv2 its output and the activation after the sum; a projection
        // shortcut keeps its convolution's output, and its pooling output when both exist.
        long maps = 4 * width;
        if (inWidth != width)
        {
            maps += width + (strided ? inWidth : 0);
        }

        return maps;
    }

    private static long Product(IReadOnlyList<int> values)
    {
        long p = 1;
        foreach (int v in values)
        {
            p *= v;
        }

        return p;
    }
}
