using System.Globalization;
using MedVox.IO.Datasets;
using MedVox.Learning.Data;
using MedVox.Learning.Networks;
using MedVox.Learning.Training;

namespace MedVox.Learning.Planning;

/// <summary>What a plan is made for: the memory budget and device, and the training settings that change memory.</summary>
public sealed record PlannerOptions
{
    /// <summary>Bytes one training run may use: RAM of the process on the CPU, GPU memory on CUDA.</summary>
    public required long MemoryBudgetBytes { get; init; }

    public MemoryDevice Device { get; init; } = MemoryDevice.Cpu;

    /// <summary>Optimiser, precision and activation checkpointing of the run (they change the memory of a step); the iteration count is kept.</summary>
    public TrainingOptions Training { get; init; } = new();

    /// <summary>Data loader workers and queue, counted in the CPU budget.</summary>
    public DataLoadingSettings DataLoading { get; init; } = new();

    /// <summary>Train with nnU-Net's augmentation (the loader then samples larger patches for rotation and scaling).</summary>
    public bool Augmentation { get; init; } = true;
}

/// <summary>
/// Turns a dataset fingerprint and a memory budget into a <see cref="SegmentationPlan"/>, one decision per method in
/// the order nnU-Net's ExperimentPlanner takes them: target spacing, preprocessing, median shape, initial patch,
/// network width, patch size within the budget, network topology, batch size. The heuristics are named properties;
/// derive from this class and override a property or a decision to change one of them. Every decision adds a line to
/// the plan's reasons.
/// </summary>
public class SegmentationPlanner
{
    /// <summary>nnU-Net's 3D starting point: a patch of 256^3 voxels' volume, isotropic in millimetres, clipped to the median shape.</summary>
    public virtual long InitialPatchVoxels3D => 256L * 256 * 256;

    /// <summary>nnU-Net's 2D starting point: 2048^2 pixels' area.</summary>
    public virtual long InitialPatchVoxels2D => 2048L * 2048;

    /// <summary>Feature maps of the first stage (nnU-Net: 32).</summary>
    public virtual int BaseFeatures => 32;

    /// <summary>Widest stage (nnU-Net: 320 in 3D, 512 in 2D).</summary>
    public virtual int MaxFeatures3D => 320;

    public virtual int MaxFeatures2D => 512;

    /// <summary>The narrowest first stage MedVox plans: below it a U-Net no longer learns organ shapes well.</summary>
    public virtual int MinimumBaseFeatures => 8;

    /// <summary>
    /// The width is halved (down to <see cref="MinimumBaseFeatures"/>) while the patch that fits the budget at the
    /// current width covers less than this share of the initial patch's voxels: context before width.
    /// </summary>
    public virtual double MinimumPatchCoverage => 0.5;

    /// <summary>The smallest patch edge (voxels) MedVox trains with, unless the median shape is smaller.</summary>
    public virtual int MinimumPatchEdge => 16;

    /// <summary>Smallest edge of the bottleneck's feature maps (nnU-Net: 4).</summary>
    public virtual int MinimumFeatureMapEdge => 4;

    /// <summary>Resolution stages at most (nnU-Net: 6 in 3D, 7 in 2D at most).</summary>
    public virtual int MaxStages => 6;

    /// <summary>A batch holds at least this many patches (nnU-Net: 2; instance norm needs no more).</summary>
    public virtual int MinimumBatchSize => 2;

    /// <summary>One batch covers at most this share of the dataset's voxels (nnU-Net: 5%), so that batches differ.</summary>
    public virtual double MaxBatchShareOfDataset => 0.05;

    /// <summary>Heads at every decoder stage, trained with deep supervision (nnU-Net: on).</summary>
    public virtual bool DeepSupervision => true;

    /// <summary>Makes the plan; throws a <see cref="MedVoxException"/> when the dataset cannot be trained or the budget is too small.</summary>
    public SegmentationPlan Plan(DatasetFingerprint fingerprint, DatasetDescription description, PlannerOptions options)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(options);
        if (options.MemoryBudgetBytes <= 0)
        {
            throw new MedVoxException("the memory budget must be positive", field: "--memory", hint: "give it as e.g. 8GB or 512MB");
        }

        var reasons = new List<string>();
        var labels = ChooseLabels(description);
        var spacing = ChooseTargetSpacing(fingerprint, reasons);
        var preprocessing = ChoosePreprocessing(fingerprint, spacing, reasons);
        var median = MedianShape(fingerprint, spacing, reasons);
        var tensorSpacing = TensorSpacing(spacing, median.Length);
        var initial = ChooseInitialPatch(median, tensorSpacing, reasons);
        var (patch, network) = ChoosePatchAndWidth(initial, median, tensorSpacing, fingerprint.ChannelNames.Count, labels.Count, options, reasons);
        int batch = ChooseBatchSize(fingerprint, spacing, patch, network, options, reasons);
        var training = ChooseTraining(options, reasons);
        var estimate = Estimate(network, patch, batch, options);
        reasons.Add(string.Create(CultureInfo.InvariantCulture, $"memory: {estimate} within the budget of {MemoryEstimate.Format(options.MemoryBudgetBytes)} ({options.Device.ToString().ToLowerInvariant()})"));
        return new SegmentationPlan
        {
            DatasetName = description.Name,
            Labels = labels,
            Channels = [.. fingerprint.ChannelNames],
            Preprocessing = preprocessing,
            PatchSize = patch,
            BatchSize = batch,
            Network = network,
            Training = training,
            Memory = new MemoryPlan
            {
                BudgetBytes = options.MemoryBudgetBytes,
                Device = options.Device == MemoryDevice.Cuda ? "cuda" : "cpu",
                EstimatedBytes = estimate.Total,
                RuntimeBytes = estimate.Runtime,
                WeightBytes = estimate.Weights,
                OptimizerBytes = estimate.Optimizer,
                BatchBytes = estimate.Batch,
                ActivationBytes = estimate.Activations,
                WorkspaceBytes = estimate.Workspace,
                DataLoadingBytes = estimate.DataLoading,
            },
            Reasons = reasons,
        };
    }

    /// <summary>
    /// Label names and values from dataset.json. Values must run 0..K-1 (the network's output channels); regions
    /// (several values under one name) are not planned.
    /// </summary>
    protected virtual IReadOnlyDictionary<string, int> ChooseLabels(DatasetDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        var labels = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var label in description.Labels)
        {
            if (label.IsRegion)
            {
                throw new MedVoxException($"label \"{label.Name}\" is a region of several values, which MedVox does not train", field: "labels", hint: "give each structure one value");
            }

            labels[label.Name] = label.Values[0];
        }

        var values = labels.Values.Order().ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] != i)
            {
                throw new MedVoxException($"label values must be 0, 1, ..., {values.Length - 1} (one output channel each), but dataset.json declares {string.Join(", ", values)}", field: "labels", hint: "renumber the labels consecutively from 0 (background)");
            }
        }

        if (values.Length < 2)
        {
            throw new MedVoxException("dataset.json declares no foreground label", field: "labels", hint: "add the structures to segment, e.g. \"liver\": 1");
        }

        return labels;
    }

    /// <summary>nnU-Net's 3D full-resolution spacing: the median, or the 10th percentile along a strongly anisotropic axis (x, y, z).</summary>
    protected virtual double[] ChooseTargetSpacing(DatasetFingerprint fingerprint, List<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentNullException.ThrowIfNull(reasons);
        var spacing = PreprocessingPlan.FullResolutionSpacing(fingerprint);
        bool anisotropic = Math.Abs(spacing[2] - fingerprint.MedianSpacing[2]) > 1e-9 || Math.Abs(spacing[0] - fingerprint.MedianSpacing[0]) > 1e-9 || Math.Abs(spacing[1] - fingerprint.MedianSpacing[1]) > 1e-9;
        reasons.Add(string.Create(CultureInfo.InvariantCulture, $"target spacing: {FormatSpacing(spacing)} mm (x, y, z), {(anisotropic ? "the median spacing except the thick axis, which takes the 10th percentile of its spacings (anisotropic data)" : "the median spacing of the cases")}"));
        return spacing;
    }

    /// <summary>Crop to the nonzero box, normalisation by channel name (CT: dataset foreground percentiles and moments; else z-score).</summary>
    protected virtual PreprocessingPlan ChoosePreprocessing(DatasetFingerprint fingerprint, double[] spacing, List<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentNullException.ThrowIfNull(reasons);
        var plan = PreprocessingPlan.FromFingerprint(fingerprint, spacing);
        for (int c = 0; c < plan.Normalization.Count; c++)
        {
            var n = plan.Normalization[c];
            reasons.Add(n.Scheme == NormalizationScheme.CT
                ? string.Create(CultureInfo.InvariantCulture, $"normalisation of channel {c} ({fingerprint.ChannelNames[c]}): CT, clip to the foreground's 0.5-99.5 percentiles [{n.ClipLow:G5}, {n.ClipHigh:G5}], subtract {n.Mean:G5}, divide by {n.StandardDeviation:G5}")
                : $"normalisation of channel {c} ({fingerprint.ChannelNames[c]}): {n.Scheme} (chosen by the channel name)");
        }

        return plan;
    }

    /// <summary>The median over cases of the nonzero box's size after resampling to the target spacing, in tensor order ([Z, Y, X]; [Y, X] for 2D data).</summary>
    protected virtual int[] MedianShape(DatasetFingerprint fingerprint, double[] spacing, List<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentNullException.ThrowIfNull(spacing);
        ArgumentNullException.ThrowIfNull(reasons);
        var shape = new int[3];
        for (int a = 0; a < 3; a++)
        {
            int axis = a;
            shape[a] = (int)Math.Round(DatasetFingerprint.Median(fingerprint.Cases, c => c.NonzeroSize[axis] * c.Spacing[axis] / spacing[axis]), MidpointRounding.ToEven);
            shape[a] = Math.Max(shape[a], 1);
        }

        bool is2D = fingerprint.Cases.All(c => c.Size[2] == 1);
        int[] result = is2D ? [shape[1], shape[0]] : [shape[2], shape[1], shape[0]];
        reasons.Add($"median shape: {string.Join("x", result)} voxels ({(is2D ? "Y, X; 2D images" : "Z, Y, X")}) of the nonzero boxes at the target spacing");
        return result;
    }

    /// <summary>nnU-Net's initial patch: isotropic in millimetres with <see cref="InitialPatchVoxels3D"/> voxels, clipped to the median shape.</summary>
    protected virtual int[] ChooseInitialPatch(int[] median, double[] spacing, List<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(median);
        ArgumentNullException.ThrowIfNull(spacing);
        ArgumentNullException.ThrowIfNull(reasons);
        int dims = median.Length;
        double target = dims == 3 ? InitialPatchVoxels3D : InitialPatchVoxels2D;
        var inverse = spacing.Select(s => 1 / s).ToArray();
        double scale = Math.Pow(target / inverse.Aggregate(1.0, (a, b) => a * b), 1.0 / dims);
        var patch = new int[dims];
        for (int a = 0; a < dims; a++)
        {
            patch[a] = Math.Min((int)Math.Round(inverse[a] * scale), median[a]);
        }

        patch = RoundPatch(patch, spacing);
        reasons.Add($"initial patch: {string.Join("x", patch)} (isotropic in mm, clipped to the median shape, rounded up to a multiple of the network's stride)");
        return patch;
    }

    /// <summary>
    /// The widest first stage (from <see cref="BaseFeatures"/>, halving down to <see cref="MinimumBaseFeatures"/>) whose
    /// largest patch within the budget covers <see cref="MinimumPatchCoverage"/> of the initial patch; else the
    /// narrowest. Throws when even the narrowest network with the smallest patch and batch does not fit.
    /// </summary>
    protected virtual (int[] Patch, UNetConfig Network) ChoosePatchAndWidth(int[] initial, int[] median, double[] spacing, int channels, int classes, PlannerOptions options, List<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(reasons);
        long initialVoxels = Voxels(initial);
        (int[] Patch, UNetConfig Network)? best = null;
        // A planner whose base width is below the minimum plans that width alone.
        int narrowest = Math.Min(MinimumBaseFeatures, BaseFeatures);
        int width = BaseFeatures;
        for (; width >= narrowest; width /= 2)
        {
            var fitted = FitPatch(initial, median, spacing, channels, classes, width, options);
            if (fitted is null)
            {
                continue;
            }

            best = fitted;
            if (Voxels(fitted.Value.Patch) >= MinimumPatchCoverage * initialVoxels)
            {
                break;
            }
        }

        if (best is null)
        {
            var smallest = SmallestPatch(median, spacing);
            var network = Network(smallest, spacing, channels, classes, narrowest);
            var needed = Estimate(network, smallest, MinimumBatchSize, options);
            throw new MedVoxException(
                $"a memory budget of {MemoryEstimate.Format(options.MemoryBudgetBytes)} is too small: the smallest network MedVox plans ({narrowest} base features, patch {string.Join("x", smallest)}, batch {MinimumBatchSize}) needs {MemoryEstimate.Format(needed.Total)}",
                field: "--memory",
                hint: $"give at least {MemoryEstimate.Format(needed.Total)}, or use bf16 or activation checkpointing");
        }

        var (patch, config) = best.Value;
        string widthReason = config.Features[0] == BaseFeatures
            ? $"{BaseFeatures} base features (nnU-Net's width)"
            : $"{config.Features[0]} base features (at {config.Features[0] * 2} the patch within the budget would cover less than {MinimumPatchCoverage:P0} of the initial patch)";
        reasons.Add($"network: {config.Stages}-stage U-Net, {widthReason}, features {string.Join(", ", config.Features)}, strides {string.Join(" ", config.Strides.Select(s => string.Join("x", s)))}, kernels {string.Join(" ", config.Kernels.Select(k => string.Join("x", k)))}, {(config.DeepSupervision ? "deep supervision" : "one head")}");
        reasons.Add(patch.SequenceEqual(initial)
            ? $"patch: {string.Join("x", patch)}, the initial patch (it fits the budget with batch {MinimumBatchSize})"
            : $"patch: {string.Join("x", patch)}, reduced from {string.Join("x", initial)} along the axes largest relative to the median shape until a batch of {MinimumBatchSize} fits the budget");
        return best.Value;
    }

    /// <summary>
    /// nnU-Net's reduction: while a batch of <see cref="MinimumBatchSize"/> does not fit, shrink the axis whose patch is
    /// largest relative to the median shape by its stride divisor; null when the smallest patch does not fit.
    /// </summary>
    protected virtual (int[] Patch, UNetConfig Network)? FitPatch(int[] initial, int[] median, double[] spacing, int channels, int classes, int baseFeatures, PlannerOptions options)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(median);
        ArgumentNullException.ThrowIfNull(options);
        var patch = (int[])initial.Clone();
        var floor = SmallestPatch(median, spacing);
        while (true)
        {
            var network = Network(patch, spacing, channels, classes, baseFeatures);
            if (Estimate(network, patch, MinimumBatchSize, options).Total <= options.MemoryBudgetBytes)
            {
                return (patch, network);
            }

            var stride = network.TotalStride();
            int axis = -1;
            double largest = 0;
            for (int a = 0; a < patch.Length; a++)
            {
                double ratio = patch[a] / (double)median[a];
                if (patch[a] > floor[a] && ratio > largest)
                {
                    largest = ratio;
                    axis = a;
                }
            }

            if (axis < 0)
            {
                return null;
            }

            patch[axis] = Math.Max(floor[axis], patch[axis] - Math.Max(stride[axis], 1));
            patch = RoundPatch(patch, spacing);
        }
    }

    /// <summary>
    /// The largest batch that fits the budget, at least <see cref="MinimumBatchSize"/>, at most what covers
    /// <see cref="MaxBatchShareOfDataset"/> of the dataset's voxels.
    /// </summary>
    protected virtual int ChooseBatchSize(DatasetFingerprint fingerprint, double[] spacing, int[] patch, UNetConfig network, PlannerOptions options, List<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentNullException.ThrowIfNull(spacing);
        ArgumentNullException.ThrowIfNull(patch);
        ArgumentNullException.ThrowIfNull(reasons);
        double datasetVoxels = 0;
        foreach (var c in fingerprint.Cases)
        {
            double v = 1;
            for (int a = 0; a < 3; a++)
            {
                v *= Math.Max(1, c.NonzeroSize[a] * c.Spacing[a] / spacing[a]);
            }

            datasetVoxels += v;
        }

        int cap = Math.Max(MinimumBatchSize, (int)Math.Round(MaxBatchShareOfDataset * datasetVoxels / Voxels(patch)));
        int batch = MinimumBatchSize;
        while (batch < cap && Estimate(network, patch, batch + 1, options).Total <= options.MemoryBudgetBytes)
        {
            batch++;
        }

        reasons.Add(batch == cap && cap > MinimumBatchSize
            ? $"batch size: {batch}, where one batch covers {MaxBatchShareOfDataset:P0} of the dataset's voxels (more memory would be left)"
            : batch == MinimumBatchSize
                ? $"batch size: {batch}, the minimum ({(cap == MinimumBatchSize ? $"a larger batch would cover more than {MaxBatchShareOfDataset:P0} of the dataset" : "a larger one does not fit the budget")})"
                : $"batch size: {batch}, the largest that fits the budget");
        return batch;
    }

    /// <summary>The training settings of the plan: the caller's, with nnU-Net's defaults (SGD, Nesterov 0.99, lr 0.01, poly 0.9).</summary>
    protected virtual TrainingOptions ChooseTraining(PlannerOptions options, List<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(reasons);
        var t = options.Training;
        reasons.Add(string.Create(CultureInfo.InvariantCulture, $"training: {(t.Optimizer == OptimizerKind.Sgd ? $"SGD with Nesterov momentum {t.Momentum}" : "AdamW")}, learning rate {t.LearningRate} with poly decay (exponent {t.PolyExponent}), {t.Iterations} iterations, {(t.Precision == PrecisionMode.BFloat16 ? "bf16 with float32 master weights" : "float32")}{(t.ActivationCheckpointing ? ", activation checkpointing" : string.Empty)}{(t.CompactNormalization ? ", compact norm-LeakyReLU nodes" : string.Empty)}, soft Dice + cross-entropy{(DeepSupervision ? " with deep supervision" : string.Empty)}"));
        return t;
    }

    /// <summary>The network for a patch: <see cref="UNetConfig.ForPatch"/> with this planner's widths and depth.</summary>
    protected virtual UNetConfig Network(int[] patch, double[] spacing, int channels, int classes, int baseFeatures) =>
        UNetConfig.ForPatch(patch, spacing, channels, classes, baseFeatures, patch.Length == 3 ? MaxFeatures3D : MaxFeatures2D, MaxStages, deepSupervision: DeepSupervision);

    /// <summary>The estimate of a training run of this network, patch and batch under the options.</summary>
    protected virtual MemoryEstimate Estimate(UNetConfig network, int[] patch, int batch, PlannerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var loading = options.DataLoading;
        if (options.Augmentation && loading.SampledPatch is null)
        {
            var augmentation = patch.Length == 3 ? AugmentationOptions.Default3D : AugmentationOptions.Default2D;
            loading = loading with { SampledPatch = Augmentation.InitialPatchSize(patch, augmentation) };
        }

        return MemoryEstimator.Estimate(network, patch, batch, options.Training, options.Device, loading);
    }

    /// <summary>
    /// Rounds each axis up to a multiple of 2^k, where k is the number of times the axis can be halved while the
    /// bottleneck stays at least <see cref="MinimumFeatureMapEdge"/> voxels (at most <see cref="MaxStages"/> - 1).
    /// </summary>
    protected virtual int[] RoundPatch(int[] patch, double[] spacing)
    {
        ArgumentNullException.ThrowIfNull(patch);
        var result = new int[patch.Length];
        for (int a = 0; a < patch.Length; a++)
        {
            int p = Math.Max(patch[a], 1);
            int k = 0;
            while (k < MaxStages - 1 && p / (double)(1 << (k + 1)) >= MinimumFeatureMapEdge)
            {
                k++;
            }

            int multiple = 1 << k;
            result[a] = (p + multiple - 1) / multiple * multiple;
        }

        return result;
    }

    /// <summary>The smallest patch planned: <see cref="MinimumPatchEdge"/> per axis, or the median shape where that is smaller.</summary>
    protected virtual int[] SmallestPatch(int[] median, double[] spacing)
    {
        ArgumentNullException.ThrowIfNull(median);
        return RoundPatch([.. median.Select(m => Math.Min(m, MinimumPatchEdge))], spacing);
    }

    private static long Voxels(int[] patch)
    {
        long v = 1;
        foreach (int p in patch)
        {
            v *= p;
        }

        return v;
    }

    private static double[] TensorSpacing(double[] spacing, int dims) => dims == 3 ? [spacing[2], spacing[1], spacing[0]] : [spacing[1], spacing[0]];

    private static string FormatSpacing(double[] spacing) => string.Join(" x ", spacing.Select(s => s.ToString("0.###", CultureInfo.InvariantCulture)));
}
