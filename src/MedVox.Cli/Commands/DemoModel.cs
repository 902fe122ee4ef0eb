using MedVox.IO.Datasets;
using MedVox.Learning.Data;
using MedVox.Learning.Planning;
using MedVox.Learning.Runtime;
using MedVox.Learning.Training;
using MedVox.Synthetic;
using MedVox.Synthetic.Abdomen;

namespace MedVox.Cli.Commands;

/// <summary>
/// The demo's 3D U-Nets and their data: abdomen phantoms on fixed grids (the held-out case at the fine model's own
/// resolution, so it is predicted at full resolution), labels reduced to liver, spleen and kidneys, and the recipe that
/// trains the shipped models <c>models/phantom-abdomen</c> and <c>models/phantom-abdomen-coarse</c> from scratch.
/// Training and held-out phantoms come from different seeds.
/// </summary>
internal static class DemoModel
{
    public const int TrainingSeed = 21;

    public const int TrainingCases = 8;

    /// <summary>The held-out phantom's default seed: never used for training.</summary>
    public const int HeldOutSeed = 977;

    /// <summary>
    /// The demo's model: 40 x 40 voxels of 6 mm in-plane (240 mm around the upper abdomen) and 24 slices of 8 mm: liver,
    /// spleen and kidneys are whole inside, and a small network trains on it in minutes on a CPU.
    /// </summary>
    public static DemoStage Fine { get; } = new(
        "model",
        "models/phantom-abdomen",
        new AbdomenOptions { Size = 40, Spacing = 6, Slices = 24, SliceSpacing = 8, NoiseSd = 10, Contrast = ContrastPhase.PortalVenous },
        BaseFeatures: 16,
        Iterations: 300);

    /// <summary>
    /// The cascade's coarse stage: the whole phantom field of view (384 x 384 x 304 mm) at 12 x 12 x 16 mm, enough to
    /// find where the organs are.
    /// </summary>
    public static DemoStage Coarse { get; } = new(
        "model-coarse",
        "models/phantom-abdomen-coarse",
        new AbdomenOptions { Size = 32, Spacing = 12, Slices = 19, SliceSpacing = 16, NoiseSd = 10, Contrast = ContrastPhase.PortalVenous },
        BaseFeatures: 16,
        Iterations: 200);

    /// <summary>
    /// The held-out case: the whole field of view of the coarse stage (384 x 384 x 304 mm) at the fine model's
    /// 6 x 6 x 8 mm, 64 x 64 x 38 voxels. The fine model, trained on the upper abdomen, needs the coarse model to find
    /// the organs there, and the region it then segments is larger than one window.
    /// </summary>
    public static AbdomenOptions HeldOutGrid { get; } = Fine.Grid with { Size = 64, Slices = 38 };

    /// <summary>The segmented organs with their label values (background 0 included), as in the demo's dataset.json.</summary>
    public static IReadOnlyList<DatasetLabel> Labels { get; } =
    [
        new("background", AbdomenLabels.Background), new("liver", AbdomenLabels.Liver), new("spleen", AbdomenLabels.Spleen),
        new("kidney_right", AbdomenLabels.KidneyRight), new("kidney_left", AbdomenLabels.KidneyLeft),
    ];

    /// <summary>The case id of phantom <paramref name="index"/> of <paramref name="seed"/>.</summary>
    public static string CaseId(int seed, int index) => FormattableString.Invariant($"abdomen_s{seed}_{index:D3}");

    /// <summary>
    /// Writes <paramref name="cases"/> phantoms of <paramref name="seed"/> on <paramref name="grid"/> as a dataset whose labels
    /// keep liver, spleen and kidneys (every other structure is background), unless it is already there.
    /// </summary>
    public static DecathlonDataset OrganDataset(string directory, AbdomenOptions grid, int seed, int cases, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        if (DecathlonDataset.IsDataset(directory))
        {
            var existing = DecathlonDataset.Read(directory);
            bool same = existing.TrainingCases.Count == cases;
            for (int i = 0; same && i < cases; i++)
            {
                var c = existing.TrainingCases[i];
                same = c.Id == CaseId(seed, i) && c.LabelPath is not null && File.Exists(c.LabelPath);
            }

            if (same)
            {
                return existing;
            }

            throw new MedVoxException("holds another dataset than the demo would generate", directory, hint: "delete the folder or choose another --out");
        }

        var description = new DatasetDescription
        {
            Name = "MedVoxDemoAbdomen",
            Description = FormattableString.Invariant($"Synthetic abdomen CT phantoms (portal venous, seed {seed}, {grid.Size}x{grid.Size}x{grid.Slices} voxels of {grid.Spacing}x{grid.Spacing}x{grid.SliceSpacing} mm), labels reduced to liver, spleen and kidneys; exact ground truth, no patient data."),
            ChannelNames = ["CT"],
            Labels = Labels,
            FileEnding = ".nii.gz",
        };
        string partial = directory + ".partial";
        if (Directory.Exists(partial))
        {
            Directory.Delete(partial, recursive: true);
        }

        var dataset = DecathlonDataset.Create(partial, description);
        for (int i = 0; i < cases; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            using var phantom = AbdomenPhantom.Generate(grid, seed, i, cancellation: cancellation);
            var voxels = phantom.Labels.AsSpan<byte>();
            for (int v = 0; v < voxels.Length; v++)
            {
                voxels[v] = voxels[v] <= AbdomenLabels.KidneyLeft ? voxels[v] : AbdomenLabels.Background;
            }

            dataset.WriteTrainingCase(CaseId(seed, i), phantom.Channels, phantom.Labels);
            progress?.Report((i + 1.0) / cases);
        }

        // Complete or absent: a killed generation leaves only the .partial folder, which the next run replaces.
        Directory.Move(partial, directory);
        return DecathlonDataset.Read(directory);
    }

    /// <summary>
    /// Plans (the stage's base features, 1 GiB) and trains a stage's U-Net from scratch on <see cref="TrainingCases"/> phantoms of
    /// <see cref="TrainingSeed"/> on the stage's grid: AdamW, learning rate 0.01 with poly decay, no augmentation, every
    /// case trained on.
    /// </summary>
    public static TrainingOutcome Train(DemoStage stage, DecathlonDataset dataset, string modelFolder, string cacheFolder, int iterations, IProgress<TrainingStatus>? progress = null, CancellationToken cancellation = default)
    {
        var fingerprint = DatasetFingerprint.Compute(dataset, cancellation: cancellation);
        var settings = new TrainingOptions { Optimizer = OptimizerKind.AdamW, LearningRate = 0.01, WeightDecay = 1e-4, Iterations = iterations };
        ArgumentNullException.ThrowIfNull(stage);
        var plan = new Planner(stage.BaseFeatures).Plan(fingerprint, dataset.Description, new PlannerOptions { MemoryBudgetBytes = 1L << 30, Training = settings, Augmentation = false });

        // The shipped plan must not point at the folder of the run that made it.
        plan = plan with { DatasetPath = null };
        return SegmentationTraining.Run(plan, dataset, modelFolder, new SegmentationTrainingOptions
        {
            Device = ComputeDevice.Cpu,
            Fold = CrossValidation.AllCases,
            Augment = false,
            LoaderWorkers = 1,
            TensorBoard = false,
            CacheDirectory = cacheFolder,
        }, progress, cancellation);
    }

    /// <summary>
    /// A shipped model: beside the medvox assembly (where the build copies <c>models/</c>), else under the current
    /// folder (the repository root); null when neither holds one.
    /// </summary>
    public static string? FindShipped(DemoStage stage)
    {
        ArgumentNullException.ThrowIfNull(stage);
        foreach (string root in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            string candidate = Path.Combine(root, stage.ShippedFolder);
            if (File.Exists(Path.Combine(candidate, ModelFolder.PlanFile)))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>nnU-Net's rules with a narrower network (its default is 32 base features; 16 keeps the shipped weights at a few MB; 8 found only the liver at the coarse grid in 200 iterations).</summary>
    private sealed class Planner(int baseFeatures) : SegmentationPlanner
    {
        public override int BaseFeatures => baseFeatures;
    }
}

/// <summary>One of the demo's models: its folder name under --out, where it ships, its phantom grid, the U-Net's base features and the training length.</summary>
internal sealed record DemoStage(string Name, string ShippedFolder, AbdomenOptions Grid, int BaseFeatures, int Iterations);
