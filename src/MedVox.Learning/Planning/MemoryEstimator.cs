using MedVox.Learning.Networks;
using MedVox.Learning.Training;

namespace MedVox.Learning.Planning;

/// <summary>Which memory a budget is about: the process's RAM (CPU training) or the GPU's memory.</summary>
public enum MemoryDevice
{
    Cpu,
    Cuda,
}

/// <summary>What the data loader holds besides the step: its workers, its queue, and the patch it samples before augmentation.</summary>
public sealed record DataLoadingSettings
{
    public int Workers { get; init; } = 2;

    public int PrefetchDepth { get; init; } = 4;

    /// <summary>The patch sampled before the spatial augmentation crops it to the network's patch (tensor order); null: the network's patch.</summary>
    public int[]? SampledPatch { get; init; }
}

/// <summary>
/// Predicts the peak memory of training a <see cref="UNet"/> from its configuration by counting, tensor by tensor,
/// what is alive at the two moments a step can peak (measured against <see cref="MemoryProbe"/>: see
/// docs/benchmarks.md):
/// <list type="bullet">
/// <item>end of the loss: everything autograd saved in the forward pass plus the loss's temporaries. A
/// conv-norm-LeakyReLU keeps the convolution's output (the norm's input) and the activation's output (in-place
/// LeakyReLU saves its result, which is also the next convolution's input): two maps, or one with the compact node
/// (<see cref="TrainingOptions.CompactNormalization"/>); a residual block four, plus its projection's; a decoder stage
/// its concatenation (twice the width; the transposed convolution's output is not kept) and its layers. The loss (one autograd node, <see cref="Losses.DiceCrossEntropyLoss"/>) keeps only the logits of
/// every head; while it runs it holds float32 log-probabilities and per-voxel index and sum buffers;</item>
/// <item>start of the backward pass: the network's saved maps plus four full-resolution maps of the first stage's
/// width (the gradients of the last layers, and the copies oneDNN reorders a convolution's input and gradient into),
/// and the gradient the loss returned for the logits, whose wrapper stays until the step ends (under checkpointing the
/// first recomputed stage releases it, see ReturnedGradients); before that, the loss's own backward (float32
/// probabilities and gradient, and a bf16 copy of it with bf16).</item>
/// </list>
/// With activation checkpointing only the stage outputs stay, and the backward pass recomputes one stage at a time, one
/// sample at a time: that sample's share of the stage's maps and backward workspace comes on top of the stage's
/// gradient from above and the gradients of its inputs for the whole batch, plus skip gradients waiting for their
/// encoder stage (decoder stages convolve the upsampled map and the skip without concatenating them; the
/// full-resolution decoder stage is recomputed with its head, so its output is not kept).
/// Weights, gradients, master copies, optimiser state and the gradient buffer its step gathers are counted exactly
/// from the parameter count. The runtime's fixed cost is a measured constant per device. The counts hold for the CPU
/// with a fixed allocator map threshold (MedVox sets one, see NativeEnvironment): freed tensors then leave the process
/// at once.
/// </summary>
public static class MemoryEstimator
{
    /// <summary>
    /// Resident size of a MedVox process that has loaded .NET and LibTorch (144 MiB measured) and run a first training
    /// step (oneDNN's kernels and caches, thread pools, allocator arenas: 30-50 MiB more).
    /// </summary>
    public const long CpuRuntimeBytes = 180L << 20;

    /// <summary>CUDA context, cuDNN and cuBLAS handles (not measured here: no GPU was available; nnU-Net reserves about as much).</summary>
    public const long CudaRuntimeBytes = 600L << 20;

    /// <summary>Slack for the CUDA caching allocator's rounding and fragmentation (not measured here).</summary>
    public const double CudaAllocatorFactor = 1.15;

    /// <summary>Full-resolution maps of the first stage's width alive on top of the saved ones at the start of the backward pass (measured: 4.0 in 2D and 3D, plain and residual).</summary>
    public const double BackwardMaps = 4;

    /// <summary>The same with bf16 (measured: 5; LibTorch's CPU kernels widen some bf16 operands to float32 on the way).</summary>
    public const double BackwardMapsBFloat16 = 5;

    /// <summary>
    /// <see cref="BackwardMapsBFloat16"/> with the compact norm-LeakyReLU node (measured: 6; its float32 sums are taken
    /// slab by slab from bf16 maps). In float32 the compact node needs the same <see cref="BackwardMaps"/>.
    /// </summary>
    public const double BackwardMapsCompactBFloat16 = 6;

    /// <summary>Maps of a stage's width alive per sample while a checkpointed stage runs forward without autograd (transposed convolution output, the two halves of the split convolution, norm output).</summary>
    public const double RecomputeForwardMaps = 4;

    /// <summary>The estimate for a training run with these options (see the class comment for what is counted).</summary>
    public static MemoryEstimate Estimate(UNetConfig config, IReadOnlyList<int> patch, int batch, TrainingOptions training, MemoryDevice device = MemoryDevice.Cpu, DataLoadingSettings? loading = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(patch);
        ArgumentNullException.ThrowIfNull(training);
        config.Validate();
        if (patch.Count != config.Dimensions)
        {
            throw new ArgumentException($"The patch needs {config.Dimensions} axes.", nameof(patch));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        bool bf16 = training.Precision == PrecisionMode.BFloat16;
        double e = bf16 ? 2 : 4;
        long parameters = ParameterCount(config);
        // Weights and gradients; with bf16 also the float32 master weights (the float32 gradient the optimiser reads is
        // gathered after the backward pass, see below).
        long weights = parameters * (bf16 ? 2 + 2 + 4 : 4 + 4);
        long optimizerState = parameters * 4 * (training.Optimizer == OptimizerKind.AdamW ? 2 : training.Momentum > 0 ? 1 : 0);

        var voxels = StageVoxels(config, patch);
        double n = batch;
        long channels = config.InputChannels;
        double batchBytes = ((4 * channels) + 8 + (bf16 ? 2 * channels : 0)) * (double)voxels[0] * n;

        // Saved maps per stage (channels at the stage's resolution), encoder and decoder, with the composed norm and
        // LeakyReLU (two maps per block) and with the compact node (one).
        var (encoder, decoder) = StageMaps(config, training.CompactNormalization);
        double Bytes(double maps, int stage) => maps * voxels[stage] * n * e;
        double savedNetwork = 0;
        for (int s = 0; s < config.Stages; s++)
        {
            savedNetwork += Bytes(encoder[s] + decoder[s], s);
        }

        var (lossSaved, lossPeak, lossBackward, logitGradients) = Loss(config, voxels, n, bf16);
        double backwardMaps = !bf16 ? BackwardMaps : training.CompactNormalization ? BackwardMapsCompactBFloat16 : BackwardMapsBFloat16;
        double activations, peak;
        if (!training.ActivationCheckpointing)
        {
            activations = savedNetwork + lossSaved;
            peak = savedNetwork + Math.Max(Math.Max(lossPeak, lossBackward), Bytes(backwardMaps * config.Features[0], 0) + logitGradients);
        }
        else
        {
            // Stage outputs: an encoder stage's is also its skip; the full-resolution decoder stage is recomputed with
            // its head and keeps only the logits, which the loss counts.
            double boundaries = 0;
            for (int s = 0; s < config.Stages; s++)
            {
                boundaries += Bytes(config.Features[s] * (s > 0 && s < config.Stages - 1 ? 2.0 : 1.0), s);
            }

            // The backward pass recomputes decoder stages from full resolution down, then encoder stages from the
            // bottleneck up, one sample at a time: the sample's maps, and for the whole batch the gradient from above
            // and the gradients of the stage's inputs. Skip gradients of the decoder stages done wait for their encoder
            // stage. A decoder stage recomputed keeps the upsampled map instead of the concatenation.
            double recompute = 0, waiting = 0;
            for (int s = 0; s < config.Stages - 1; s++)
            {
                double stageMaps = decoder[s] - config.Features[s] + (backwardMaps * config.Features[s]);
                double fromAbove = config.Features[s];
                if (s == 0)
                {
                    // The head recomputed with the stage: the gradient from above is the logits' (whole batch); the
                    // sample's logits, stage output and its gradient come on top (measured: two maps plus the logits).
                    stageMaps += (2.0 * config.Features[0]) + config.Classes;
                    fromAbove = config.Classes;
                }

                double batchGradients = Bytes(config.Features[s] + fromAbove, s) + Bytes(config.Features[s + 1], s + 1);
                recompute = Math.Max(recompute, (Bytes(stageMaps, s) / n) + batchGradients + waiting);
                waiting += Bytes(config.Features[s], s);
            }

            for (int s = config.Stages - 1; s >= 0; s--)
            {
                waiting -= s < config.Stages - 1 ? Bytes(config.Features[s], s) : 0;
                double inputGradient = s == 0 ? 4 * channels * voxels[0] * n : Bytes(config.Features[s - 1], s - 1);
                recompute = Math.Max(recompute, (Bytes(encoder[s] + (backwardMaps * config.Features[s]), s) / n) + Bytes(config.Features[s], s) + inputGradient + waiting);
            }

            double forward = Bytes(RecomputeForwardMaps * config.Features[0], 0) / n;
            activations = boundaries + lossSaved;
            peak = boundaries + Math.Max(Math.Max(lossPeak, lossBackward), Math.Max(recompute, forward));
        }

        // The optimiser step gathers all gradients into one float32 buffer (FlatParameters), after the maps are freed.
        double gathered = parameters * (4.0 + (bf16 ? 2 : 0));
        double workspace = Math.Max(Math.Max(0, peak - activations), gathered - activations);
        long runtime = CpuRuntimeBytes;
        long dataLoading = 0;
        if (device == MemoryDevice.Cuda)
        {
            runtime = CudaRuntimeBytes;
            activations *= CudaAllocatorFactor;
            workspace *= CudaAllocatorFactor;
        }
        else
        {
            dataLoading = DataLoadingBytes(config, patch, batch, loading ?? new DataLoadingSettings());
        }

        return new MemoryEstimate(runtime, weights, optimizerState, (long)batchBytes, (long)activations, (long)workspace, dataLoading);
    }

    /// <summary>The estimate with default SGD settings apart from the given precision, optimiser and checkpointing.</summary>
    public static MemoryEstimate Estimate(UNetConfig config, IReadOnlyList<int> patch, int batch, PrecisionMode precision, OptimizerKind optimizer, bool checkpointing) =>
        Estimate(config, patch, batch, new TrainingOptions { Precision = precision, Optimizer = optimizer, ActivationCheckpointing = checkpointing });

    /// <summary>
    /// Maps each stage keeps for the backward pass, encoder and decoder: a conv-norm-LeakyReLU block keeps the norm's
    /// input and the activation's output (two maps), or with the compact node only its output (one); a residual block
    /// four plus its projection's; a decoder stage its concatenation (twice the width) and its blocks.
    /// </summary>
    private static (double[] Encoder, double[] Decoder) StageMaps(UNetConfig config, bool compact)
    {
        double block = compact ? 1 : 2;
        var encoder = new double[config.Stages];
        var decoder = new double[config.Stages];
        for (int s = 0; s < config.Stages; s++)
        {
            for (int b = 0; b < config.EncoderBlocks[s]; b++)
            {
                encoder[s] += config.ResidualEncoder ? ResidualBlockMaps(config, s, b) - (compact ? config.Features[s] : 0) : block * config.Features[s];
            }
        }

        for (int s = config.Stages - 2; s >= 0; s--)
        {
            decoder[s] = (2.0 * config.Features[s]) + (block * config.Features[s] * config.DecoderConvolutions);
        }

        return (encoder, decoder);
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
        var size = new long[patch.Count];
        for (int a = 0; a < size.Length; a++)
        {
            size[a] = patch[a];
        }

        var voxels = new long[config.Stages];
        for (int s = 0; s < config.Stages; s++)
        {
            long product = 1;
            for (int a = 0; a < size.Length; a++)
            {
                size[a] = (size[a] + config.Strides[s][a] - 1) / config.Strides[s][a];
                product *= size[a];
            }

            voxels[s] = product;
        }

        return voxels;
    }

    /// <summary>
    /// The loss's saved bytes (the logits of every head: the loss node keeps nothing else), its peak while it runs (the
    /// logits, the downsampled targets so far, the temporaries of the output being computed), the peak of its backward
    /// pass, and the gradients it returns for the logits (alive until the step ends).
    /// </summary>
    private static (double Saved, double Peak, double Backward, double LogitGradients) Loss(UNetConfig config, long[] voxels, double n, bool bf16)
    {
        double classes = config.Classes;
        double e = bf16 ? 2 : 4;
        int heads = config.DeepSupervision ? config.Stages - 1 : 1;
        var weights = Losses.DeepSupervisionLoss.Weights(heads);
        double logits = 0;
        for (int h = 0; h < heads; h++)
        {
            logits += classes * e * voxels[h] * n;
        }

        double targets = 0, peak = 0, backward = 0, gradients = 0;
        for (int h = 0; h < heads; h++)
        {
            if (weights[h] == 0)
            {
                continue;
            }

            double v = voxels[h] * n;
            if (h > 0)
            {
                // The label as float32 at full resolution, nearest-downsampled (float32), back to int64.
                targets += (4 * voxels[0] * n) + (12 * v);
            }

            // Forward: float32 log-probabilities (exponentiated in place) and per-voxel gathers, flat indices and
            // float64 sums. Backward: float32 probabilities and gradient, with bf16 the returned copy.
            peak = Math.Max(peak, logits + targets + (((4 * classes) + 32) * v));
            backward = Math.Max(backward, logits + gradients + (((8 * classes) + (bf16 ? 2 * classes : 0) + 16) * v));
            gradients += e * classes * v;
        }

        return (logits, peak, backward, gradients);
    }

    private static long DataLoadingBytes(UNetConfig config, IReadOnlyList<int> patch, int batch, DataLoadingSettings loading)
    {
        long final = 1, sampled = 1;
        for (int a = 0; a < patch.Count; a++)
        {
            final *= patch[a];
            sampled *= loading.SampledPatch is { } s && s.Length == patch.Count ? Math.Max(s[a], patch[a]) : patch[a];
        }

        long perVoxel = (4L * config.InputChannels) + 8;

        // Per sample being augmented: the sampling grid (3 float32), the label as float32 before and after sampling,
        // and two image-sized temporaries of the intensity transforms.
        long working = ((12 + 4 + (8L * config.InputChannels)) * final) + (4 * sampled);
        return (loading.PrefetchDepth * perVoxel * final * batch) + (loading.Workers * ((perVoxel * (sampled + final) * batch) + working));
    }

    private static double ResidualBlockMaps(UNetConfig config, int stage, int block)
    {
        long width = config.Features[stage];
        long inWidth = block == 0 ? (stage == 0 ? config.InputChannels : config.Features[stage - 1]) : width;
        bool strided = block == 0 && config.Strides[stage].Any(s => s != 1);

        // conv1 keeps its output and activation, conv2 its output and the activation after the sum; a projection
        // shortcut keeps its convolution's output, and its pooling output when both exist.
        double maps = 4 * width;
        if (inWidth != width)
        {
            maps += width + (strided ? inWidth : 0);
        }

        return maps;
    }

    internal static long Product(IReadOnlyList<int> values)
    {
        long p = 1;
        foreach (int v in values)
        {
            p *= v;
        }

        return p;
    }
}
