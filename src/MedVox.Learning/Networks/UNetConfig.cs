namespace MedVox.Learning.Networks;

/// <summary>
/// Everything needed to rebuild a <see cref="UNet"/>: a plan stores this record and the network is rebuilt from it alone.
/// Per-stage lists run from the highest resolution (stage 0, stride 1) to the bottleneck. Kernel sizes and strides are
/// given per spatial axis in tensor order (z, y, x for 3D), so thick-slice data can use 1 x 3 x 3 kernels and 1 x 2 x 2
/// strides in the first stages.
/// </summary>
public sealed record UNetConfig
{
    /// <summary>2 or 3 spatial dimensions.</summary>
    public int Dimensions { get; init; } = 3;

    public int InputChannels { get; init; } = 1;

    /// <summary>Output channels (classes including background).</summary>
    public int Classes { get; init; } = 2;

    /// <summary>Feature maps per stage.</summary>
    public IReadOnlyList<int> Features { get; init; } = [32, 64, 128, 256, 320];

    /// <summary>Kernel size per stage and axis.</summary>
    public IReadOnlyList<int[]> Kernels { get; init; } = [[3, 3, 3], [3, 3, 3], [3, 3, 3], [3, 3, 3], [3, 3, 3]];

    /// <summary>Downsampling stride per stage and axis; stage 0 has stride 1.</summary>
    public IReadOnlyList<int[]> Strides { get; init; } = [[1, 1, 1], [2, 2, 2], [2, 2, 2], [2, 2, 2], [2, 2, 2]];

    /// <summary>Convolutions (plain encoder) or residual blocks (residual encoder) per encoder stage.</summary>
    public IReadOnlyList<int> EncoderBlocks { get; init; } = [2, 2, 2, 2, 2];

    /// <summary>Convolutions per decoder stage.</summary>
    public int DecoderConvolutions { get; init; } = 2;

    /// <summary>Residual encoder (nnU-Net ResEnc) instead of plain conv stages.</summary>
    public bool ResidualEncoder { get; init; }

    /// <summary>Segmentation heads at every decoder stage, for deep supervision during training.</summary>
    public bool DeepSupervision { get; init; }

    public int Stages => Features.Count;

    /// <summary>Product of the strides per axis: spatial input sizes must be multiples of it.</summary>
    public int[] TotalStride()
    {
        var total = Enumerable.Repeat(1, Dimensions).ToArray();
        foreach (var stride in Strides)
        {
            for (int a = 0; a < Dimensions; a++)
            {
                total[a] *= stride[a];
            }
        }

        return total;
    }

    /// <summary>Checks that the lists agree with each other and with <see cref="Dimensions"/>.</summary>
    public void Validate()
    {
        if (Dimensions is not (2 or 3))
        {
            throw new ArgumentException($"A U-Net is 2D or 3D, not {Dimensions}D.");
        }

        if (InputChannels < 1 || Classes < 1)
        {
            throw new ArgumentException("Input channels and classes must be positive.");
        }

        if (Stages < 2 || Kernels.Count != Stages || Strides.Count != Stages || EncoderBlocks.Count != Stages)
        {
            throw new ArgumentException($"Features, kernels, strides and encoder blocks need one entry per stage (at least 2 stages); got {Features.Count}, {Kernels.Count}, {Strides.Count}, {EncoderBlocks.Count}.");
        }

        for (int s = 0; s < Stages; s++)
        {
            if (Kernels[s].Length != Dimensions || Strides[s].Length != Dimensions)
            {
                throw new ArgumentException($"Stage {s} needs a kernel and stride per spatial axis ({Dimensions}).");
            }

            if (Features[s] < 1 || EncoderBlocks[s] < 1)
            {
                throw new ArgumentException($"Stage {s} needs positive features and blocks.");
            }
        }

        if (Strides[0].Any(s => s != 1))
        {
            throw new ArgumentException("Stage 0 works at full resolution: its stride must be 1.");
        }
    }

    /// <summary>
    /// nnU-Net-style defaults for a patch: features double from <paramref name="baseFeatures"/> up to
    /// <paramref name="maxFeatures"/>; an axis is downsampled while it stays at least 8 voxels (4 in the bottleneck) and while
    /// its spacing is not more than twice the finest, so thick slices keep their resolution until the in-plane axes catch up.
    /// </summary>
    public static UNetConfig ForPatch(IReadOnlyList<int> patch, IReadOnlyList<double> spacing, int inputChannels, int classes,
        int baseFeatures = 32, int maxFeatures = 320, int maxStages = 6, bool residual = false, bool deepSupervision = false)
    {
        ArgumentNullException.ThrowIfNull(patch);
        ArgumentNullException.ThrowIfNull(spacing);
        int dims = patch.Count;
        if (spacing.Count != dims)
        {
            throw new ArgumentException("Patch and spacing need the same number of axes.");
        }

        var size = patch.Select(p => (double)p).ToArray();
        var current = spacing.ToArray();
        var kernels = new List<int[]> { KernelFor(current) };
        var strides = new List<int[]> { Enumerable.Repeat(1, dims).ToArray() };
        var features = new List<int> { baseFeatures };
        while (features.Count < maxStages)
        {
            double finest = current.Min();
            var stride = new int[dims];
            bool any = false;
            for (int a = 0; a < dims; a++)
            {
                bool downsample = size[a] / 2 >= 4 && current[a] <= 2 * finest && size[a] % 2 == 0;
                stride[a] = downsample ? 2 : 1;
                any |= downsample;
            }

            if (!any)
            {
                break;
            }

            for (int a = 0; a < dims; a++)
            {
                size[a] /= stride[a];
                current[a] *= stride[a];
            }

            strides.Add(stride);
            kernels.Add(KernelFor(current));
            features.Add(Math.Min(baseFeatures << features.Count, maxFeatures));
        }

        var blocks = residual ? ResidualBlocks(features.Count) : Enumerable.Repeat(2, features.Count).ToArray();
        return new UNetConfig
        {
            Dimensions = dims,
            InputChannels = inputChannels,
            Classes = classes,
            Features = features,
            Kernels = kernels,
            Strides = strides,
            EncoderBlocks = blocks,
            ResidualEncoder = residual,
            DeepSupervision = deepSupervision,
        };

        // Axes much coarser than the finest get kernel 1 (nnU-Net: no convolution across thick slices early on).
        static int[] KernelFor(double[] spacing)
        {
            double finest = spacing.Min();
            return spacing.Select(s => s > 2 * finest ? 1 : 3).ToArray();
        }

        static int[] ResidualBlocks(int stages) => Enumerable.Range(0, stages).Select(s => s switch { 0 => 1, 1 => 3, 2 => 4, _ => 6 }).ToArray();
    }
}
