using System.Globalization;
using MedVox.Learning.Networks;
using MedVox.Learning.Planning;

namespace MedVox.Learning.Inference;

/// <summary>
/// What a prediction will hold in memory, by part, and where: decided from the budget before the work starts and
/// printed, so that a user sees why the logits went to a mapped file (or why the budget is too small) up front.
/// </summary>
public sealed record PredictionMemoryPlan
{
    public long BudgetBytes { get; init; }

    /// <summary>"cpu" or "cuda".</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>The preprocessed volume (z, y, x) the windows cover.</summary>
    public required int[] VolumeSize { get; init; }

    /// <summary>Window size (z, y, x).</summary>
    public required int[] Patch { get; init; }

    /// <summary>Windows per axis (z, y, x).</summary>
    public required int[] WindowCounts { get; init; }

    public int BatchSize { get; init; }

    /// <summary>Slices of the preprocessed volume held at once (input and logits rings).</summary>
    public int RingSlices { get; init; }

    public AccumulatorPlacement Placement { get; init; }

    public AccumulatorPrecision Precision { get; init; }

    /// <summary>The logits ring: classes x ring slices x y x x.</summary>
    public long AccumulatorBytes { get; init; }

    /// <summary>Preprocessed input slices held for the windows, and the in-plane work of preprocessing.</summary>
    public long InputRingBytes { get; init; }

    /// <summary>Weights and the activations of one forward pass of a batch.</summary>
    public long NetworkBytes { get; init; }

    /// <summary>Planes resampled back to the input grid while slabs are finalised.</summary>
    public long FinalizeBytes { get; init; }

    /// <summary>The label map (and probabilities) on the input grid.</summary>
    public long OutputBytes { get; init; }

    /// <summary>Whether the outputs are in RAM (else in mapped scratch files).</summary>
    public bool OutputInMemory { get; init; }

    /// <summary>The input images' pixels held in RAM (0 when they are mapped from the file).</summary>
    public long InputBytes { get; init; }

    /// <summary>Everything counted against the budget (mapped parts excluded).</summary>
    public long ResidentBytes =>
        NetworkBytes + InputRingBytes + FinalizeBytes + InputBytes
        + (Placement is AccumulatorPlacement.Host or AccumulatorPlacement.Device ? AccumulatorBytes : 0)
        + (OutputInMemory ? OutputBytes : 0);

    public int Windows => WindowCounts[0] * WindowCounts[1] * WindowCounts[2];

    /// <summary>The plan as lines for a console.</summary>
    public IReadOnlyList<string> Describe()
    {
        string size = string.Join("x", VolumeSize);
        string patch = string.Join("x", Patch);
        string counts = string.Join("x", WindowCounts);
        string type = Precision == AccumulatorPrecision.Float32 ? "float32" : "float16";
        return
        [
            string.Create(CultureInfo.InvariantCulture, $"memory plan ({Device}, budget {MemoryEstimate.Format(BudgetBytes)}): {Windows} windows ({counts}) of {patch} over {size}, batch {BatchSize}"),
            string.Create(CultureInfo.InvariantCulture, $"  logits: ring of {RingSlices} of {VolumeSize[0]} slices, {type}, {MemoryEstimate.Format(AccumulatorBytes)} in {LogitAccumulator.Describe(Placement)}"),
            string.Create(CultureInfo.InvariantCulture, $"  network {MemoryEstimate.Format(NetworkBytes)}, input slices {MemoryEstimate.Format(InputRingBytes)}, finalising {MemoryEstimate.Format(FinalizeBytes)}, input image {MemoryEstimate.Format(InputBytes)}"),
            string.Create(CultureInfo.InvariantCulture, $"  output {MemoryEstimate.Format(OutputBytes)} {(OutputInMemory ? "in RAM" : "in a memory-mapped file")}; resident total ~{MemoryEstimate.Format(ResidentBytes)}"),
        ];
    }

    /// <summary>Margin on the CPU's activation estimate (with it, the plans of docs/benchmarks.md cover their peaks by 1.07-1.72x).</summary>
    public const double CpuMargin = 1.1;

    /// <summary>
    /// Memory of one forward pass without gradients: the weights, then per window the larger of the network's widest
    /// point and the logits' way out. Without autograd the U-Net frees every map after its last reader
    /// (<see cref="UNet"/>), so the widest point is the first decoder block at full resolution: the skip, the
    /// upsampled map and the convolution's output (3 maps of the first stage's width; measured on the CPU: 3.0 with the
    /// channels-last layout, plain or residual, float32 or bf16; 4.3 in the standard layout, where oneDNN reorders its
    /// operands). In a small network the first convolution is wider, with its unfolded input (kernel volume x input
    /// channels), and in float32 below 12 channels oneDNN's unfolding convolutions take a workspace of their own. With
    /// mirroring the summed logits and a flipped input come on top. The logits stay in the network's precision; each
    /// window's are weighted into float32 and converted to float16 for the ring, one window at a time. On a GPU the
    /// earlier formula stays (encoder outputs, four full-resolution maps, input and logits, times 1.5 for cuDNN's
    /// workspaces and the caching allocator, measured on an H200 before maps were freed early: see
    /// docs/benchmarks.md), until a GPU run measures the new one.
    /// </summary>
    public static long NetworkEstimate(UNetConfig config, IReadOnlyList<int> patch, int batch, bool mirroring, int elementBytes = sizeof(float), bool cuda = false, bool channelsLast = true)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(patch);
        var voxels = MemoryEstimator.StageVoxels(config, patch);
        long weights = MemoryEstimator.ParameterCount(config) * elementBytes;
        if (cuda)
        {
            long skips = 0;
            for (int s = 0; s < config.Stages; s++)
            {
                skips += config.Features[s] * voxels[s];
            }

            long widestMaps = 4L * config.Features[0] * voxels[0];
            long ends = (config.InputChannels + (3L * config.Classes)) * voxels[0] * (mirroring ? 2 : 1);
            return weights + (long)(1.5 * (skips + widestMaps + ends) * batch * elementBytes);
        }

        double maps = channelsLast ? 3.25 : 4.5;
        double kernel = MemoryEstimator.Product(config.Kernels[0]);
        // Mirrored passes run beside the logits summed so far and their own flipped input.
        double mirrored = mirroring ? (config.Classes + config.InputChannels) * elementBytes : 0;

        // The first convolution: in float32 oneDNN unfolds its few input channels (im2col; 4 inputs and 16 channels
        // measured 124 MiB for a 64^3 window, 48 with one input), in bf16 it does not.
        double first = ((config.InputChannels * (elementBytes == sizeof(float) ? kernel + 1 : 1)) + config.Features[0]) * elementBytes;
        double widest = maps * config.Features[0] * elementBytes;
        double logits = config.Classes * (elementBytes + sizeof(float) + 2.0);

        // On top: the window's input in the network's precision and layout and the lower stages' maps (measured 30-35
        // bytes per voxel in bf16 networks of 2-4 channels, where nothing else is large).
        const double Small = 24;
        double perVoxel = Math.Max(Math.Max(first, widest) + mirrored + Small, logits);

        // Float32 networks narrower than 12 channels run oneDNN's unfolding convolutions, whose workspace does not
        // follow the maps: measured 73-118 MiB for windows of 64^3 (290-470 bytes per voxel) and 230 MiB for 128^3
        // (110), whatever the width (2-8 channels).
        double unfolding = elementBytes == sizeof(float) && config.Features[0] < 12 ? Math.Min(512.0 * voxels[0], 256 << 20) : 0;
        if (unfolding > 0)
        {
            unfolding += mirrored * voxels[0];
        }

        return weights + (long)(Math.Max(CpuMargin * perVoxel * voxels[0], unfolding) * batch);
    }
}
