using MedVox.Learning.Data;
using MedVox.Learning.Networks;
using MedVox.Learning.Training;

namespace MedVox.Learning.Planning;

/// <summary>What a plan says about memory: the budget it was made for and the estimate of one training step.</summary>
public sealed record MemoryPlan
{
    public long BudgetBytes { get; init; }

    /// <summary>"cpu" or "cuda".</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>The estimate of a whole training run (<see cref="MemoryEstimate.Total"/>), the sum of the parts below.</summary>
    public long EstimatedBytes { get; init; }

    public long RuntimeBytes { get; init; }

    public long WeightBytes { get; init; }

    public long OptimizerBytes { get; init; }

    public long BatchBytes { get; init; }

    public long ActivationBytes { get; init; }

    public long WorkspaceBytes { get; init; }

    public long DataLoadingBytes { get; init; }
}

/// <summary>
/// A plan is data that rebuilds the model (nnU-Net's habit): dataset labels and channels, preprocessing, patch and
/// batch size, the network class and its arguments, training settings, the memory budget and estimate, and the reason
/// for each choice. Stored as <c>plan.json</c> in a model folder beside the weights.
/// </summary>
public sealed record SegmentationPlan
{
    public const string CurrentFormat = "medvox-segmentation-plan/1";

    public string Format { get; init; } = CurrentFormat;

    public string DatasetName { get; init; } = string.Empty;

    /// <summary>The dataset folder the plan was made from (where <c>medvox train PLAN</c> looks when no --dataset is given); null when unknown.</summary>
    public string? DatasetPath { get; init; }

    /// <summary>Label names to values, background included (as in dataset.json).</summary>
    public required IReadOnlyDictionary<string, int> Labels { get; init; }

    /// <summary>Channel names in input order (e.g. "CT").</summary>
    public required IReadOnlyList<string> Channels { get; init; }

    public required PreprocessingPlan Preprocessing { get; init; }

    /// <summary>Patch size per spatial axis in tensor order (z, y, x; y, x for 2D).</summary>
    public required int[] PatchSize { get; init; }

    public int BatchSize { get; init; } = 2;

    /// <summary>The network class; only "UNet" so far.</summary>
    public string NetworkClass { get; init; } = nameof(UNet);

    public required UNetConfig Network { get; init; }

    public TrainingOptions Training { get; init; } = new();

    public MemoryPlan? Memory { get; init; }

    /// <summary>One line per decision: what was chosen and why.</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];

    /// <summary>Checks internal consistency; throws a <see cref="MedVoxException"/> naming the field.</summary>
    public void Validate(string? path = null)
    {
        if (Format != CurrentFormat)
        {
            throw new MedVoxException($"plan format \"{Format}\" is not {CurrentFormat}", path, "format", "the model was made by another MedVox version: plan and train it again");
        }

        if (NetworkClass != nameof(UNet))
        {
            throw new MedVoxException($"unknown network class \"{NetworkClass}\"", path, "network_class");
        }

        Preprocessing.Validate(path);
        try
        {
            Network.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new MedVoxException(ex.Message, path, "network");
        }

        if (PatchSize.Length != Network.Dimensions || PatchSize.Any(p => p < 1))
        {
            throw new MedVoxException($"the patch size needs {Network.Dimensions} positive values", path, "patch_size");
        }

        var stride = Network.TotalStride();
        for (int a = 0; a < PatchSize.Length; a++)
        {
            if (PatchSize[a] % stride[a] != 0)
            {
                throw new MedVoxException($"patch size [{string.Join(", ", PatchSize)}] is not a multiple of the network's stride [{string.Join(", ", stride)}]", path, "patch_size");
            }
        }

        if (Channels.Count != Network.InputChannels || Channels.Count != Preprocessing.ChannelCount)
        {
            throw new MedVoxException($"{Channels.Count} channel name(s), {Network.InputChannels} network input(s) and {Preprocessing.ChannelCount} normalisation(s) disagree", path, "channels");
        }

        if (Labels.Count != Network.Classes)
        {
            throw new MedVoxException($"{Labels.Count} label(s) but the network has {Network.Classes} output classes", path, "labels");
        }

        if (BatchSize < 1)
        {
            throw new MedVoxException("the batch size must be positive", path, "batch_size");
        }
    }
}
