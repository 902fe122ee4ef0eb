using MedVox.Learning.Runtime;
using MedVox.Learning.Training;

namespace MedVox.Learning.Inference;

/// <summary>Where the accumulated logits of the active slabs live.</summary>
public enum AccumulatorPlacement
{
    /// <summary>Chosen from the memory budget: the compute device if it fits, else host RAM, else a memory-mapped file.</summary>
    Auto,

    /// <summary>On the compute device (GPU memory with CUDA; on the CPU, a LibTorch tensor in RAM).</summary>
    Device,

    /// <summary>In host RAM.</summary>
    Host,

    /// <summary>In a memory-mapped scratch file (RAM the kernel can page out).</summary>
    Mapped,
}

/// <summary>The number type of the accumulated logits.</summary>
public enum AccumulatorPrecision
{
    /// <summary>float16 (as nnU-Net), promoted to float32 if logits ever grow beyond what float16 holds.</summary>
    Auto,

    Float16,

    Float32,
}

/// <summary>Memory layout of the network's weights and maps while predicting.</summary>
public enum NetworkLayout
{
    /// <summary>Channels-last on the CPU, where it measured faster; standard on a GPU until it is measured there.</summary>
    Auto,

    /// <summary>Channels first (N, C, D, H, W in memory order), LibTorch's default.</summary>
    Standard,

    /// <summary>
    /// Channels last (<see cref="Networks.ChannelsLast"/>): the convolution weights are laid out so, and with them every
    /// map; the layout of oneDNN's and cuDNN's fastest convolutions.
    /// </summary>
    ChannelsLast,
}

/// <summary>How <see cref="Predictor"/> runs: windows, blending, augmentation, memory and device.</summary>
public sealed record PredictionOptions
{
    /// <summary>Fraction of a window shared with its neighbour along each axis (nnU-Net: 0.5). 0 tiles without overlap.</summary>
    public double Overlap { get; init; } = 0.5;

    public WindowWeighting Weighting { get; init; } = WindowWeighting.Gaussian;

    /// <summary>Test-time augmentation by mirroring: the prediction is the mean over all flips of the spatial axes (8 passes in 3D, 4 in 2D).</summary>
    public bool Mirroring { get; init; }

    /// <summary>Windows per forward pass; 0 chooses from the memory budget (at most 4 on a GPU, 1 on the CPU).</summary>
    public int BatchSize { get; init; }

    public ComputeDevice Device { get; init; } = ComputeDevice.Auto;

    /// <summary>
    /// Number type of the network's weights and activations: bfloat16 halves the activation memory and runs on the
    /// GPU's tensor cores (as PyTorch's autocast); logits are accumulated in <see cref="Precision"/> either way.
    /// </summary>
    public PrecisionMode Compute { get; init; } = PrecisionMode.Float32;

    /// <summary>Memory layout of the network's weights and maps (labels are the same either way; logits differ by rounding).</summary>
    public NetworkLayout Layout { get; init; } = NetworkLayout.Auto;

    /// <summary>Parses "auto", "channels-last" or "standard" (case-insensitive), as <c>--layout</c> takes them.</summary>
    public static NetworkLayout ParseLayout(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Trim().ToLowerInvariant() switch
        {
            "auto" => NetworkLayout.Auto,
            "channels-last" => NetworkLayout.ChannelsLast,
            "standard" => NetworkLayout.Standard,
            var other => throw new MedVoxException($"unknown network layout '{other}'", field: "--layout", hint: "use auto, channels-last or standard"),
        };
    }

    /// <summary>Memory the prediction may use for its buffers, network and output (bytes); 0 means half of the machine's available memory.</summary>
    public long MemoryBudgetBytes { get; init; }

    public AccumulatorPlacement Placement { get; init; } = AccumulatorPlacement.Auto;

    public AccumulatorPrecision Precision { get; init; } = AccumulatorPrecision.Auto;

    /// <summary>Also produce per-class probabilities (softmax) on the input grid.</summary>
    public bool Probabilities { get; init; }

    /// <summary>
    /// Label values whose largest connected component (26 neighbours) alone is kept; their other components become
    /// background (nnU-Net's "remove all but the largest component" postprocessing, for structures that are one piece
    /// in every patient). Applied to the labels on the input grid where they lie (mapped or not), labelled by runs: no
    /// per-voxel buffer.
    /// </summary>
    public IReadOnlyList<int> KeepLargestComponent { get; init; } = [];

    /// <summary>Folder for the scratch files of mapped buffers (the temp folder when null).</summary>
    public string? ScratchDirectory { get; init; }

    /// <summary>Receives one-line notes: the memory plan, placements chosen, fallbacks.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Test hook: returns true to make the accumulator behave as if that placement ran out of memory.</summary>
    internal Func<AccumulatorPlacement, bool>? SimulateOutOfMemory { get; init; }

    public void Validate()
    {
        if (!(Overlap >= 0 && Overlap < 1))
        {
            throw new MedVoxException($"the overlap must be at least 0 and below 1, got {Overlap}", field: "--overlap", hint: "0.5 is nnU-Net's default");
        }

        if (BatchSize < 0)
        {
            throw new MedVoxException($"the batch size must be positive, got {BatchSize}", field: "--batch");
        }

        if (MemoryBudgetBytes < 0)
        {
            throw new MedVoxException("the memory budget must be positive", field: "--memory");
        }
    }
}
