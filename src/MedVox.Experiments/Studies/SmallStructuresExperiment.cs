using System.Diagnostics;
using System.Globalization;
using MedVox.Classical;
using MedVox.Evaluation.Segmentation;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.IO.Datasets;
using MedVox.Learning.Data;
using MedVox.Learning.Inference;
using MedVox.Learning.Planning;
using MedVox.Learning.Runtime;
using MedVox.Synthetic;
using MedVox.Synthetic.Abdomen;

namespace MedVox.Experiments.Studies;

/// <summary>
/// <c>small-structures</c>: what downsampling costs vessels, with trained networks (issue 6). The same 3D U-Net recipe
/// trained on abdomen phantoms at their own resolution and at 4x their spacing, and the cascade of the two (the 4x
/// network localises, the full-resolution one segments the box at full resolution): Dice of aorta, IVC and the vessel
/// tree, and the recall of thin vessels (at most 3 voxels across), on held-out phantoms. The ideal-network ceilings of
/// the same comparison are the table at the top of docs/experiments.md.
/// </summary>
public sealed class SmallStructuresExperiment : Experiment
{
    /// <summary>How much coarser the low-resolution network's grid is, per axis.</summary>
    internal const int Factor = 4;

    /// <summary>Millimetres around the 4x network's region that the cascade segments at full resolution (the ceiling table's).</summary>
    internal const double CascadeMarginMillimetres = 10;

    /// <summary>A vessel voxel is thin when the largest distance to the vessel's border within 2 voxels is at most this (diameter &lt;= 3 voxels).</summary>
    internal const double ThinRadiusVoxels = 1.5;

    private static readonly (string Name, byte Source, byte Value)[] Structures =
    [
        ("aorta", AbdomenLabels.Aorta, 1), ("inferior_vena_cava", AbdomenLabels.InferiorVenaCava, 2), ("vessels", AbdomenLabels.Vessels, 3),
    ];

    public override string Name => "small-structures";

    public override string Title => "Small structures with trained networks: full resolution vs 4x downsampling vs cascade";

    /// <summary>The settings of one scale.</summary>
    internal sealed record Setup(AbdomenOptions Grid, int TrainingCases, int TestCases, int Iterations, int BaseFeatures, long MemoryBudgetBytes);

    internal static Setup For(ExperimentScale scale) => scale switch
    {
        ExperimentScale.Tiny => new Setup(AbdomenUNets.Grid(32, 6, 24, 6), 3, 1, 30, 8, 1L << 30),
        // 256 x 256 x 192 mm around the upper abdomen at 4 mm: the trunks are 2-3 voxels across, the finest branches 1-2.
        ExperimentScale.Cpu => new Setup(AbdomenUNets.Grid(64, 4, 48, 4), 6, 2, 600, 8, 1L << 30),
        _ => new Setup(AbdomenUNets.Grid(192, 1.5, 128, 1.5), 40, 10, 4000, 32, 16L << 30),
    };

    public override ExperimentResult Run(ExperimentSettings settings, IProgress<string>? progress = null, CancellationToken cancellation = default) =>
        Run(settings, For(settings.Scale), progress, cancellation);

    internal ExperimentResult Run(ExperimentSettings settings, Setup setup, IProgress<string>? progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(setup);
        Directory.CreateDirectory(settings.WorkDirectory);
        TorchRuntime.EnsureLoaded();
        var device = settings.Scale == ExperimentScale.Full ? ComputeDevice.Auto : ComputeDevice.Cpu;
        var clock = Stopwatch.StartNew();
        var options = new PhantomOptions { Seed = settings.Seed, Abdomen = setup.Grid };
        var cases = new List<PhantomCase>();
        try
        {
            for (int i = 0; i < setup.TrainingCases + setup.TestCases; i++)
            {
                progress?.Report($"generating abdomen phantom {i + 1}/{setup.TrainingCases + setup.TestCases}");
                var phantom = PhantomDatasets.GenerateCase(PhantomKind.Abdomen, options, i, cancellation: cancellation);
                cases.Add(phantom);
                VascularOnly(phantom.Labels);
            }

            double generation = clock.Elapsed.TotalSeconds;
            var dataset = AbdomenUNets.WriteDataset(Path.Combine(settings.WorkDirectory, "dataset"), "MedVoxAbdomenVessels", "aorta, IVC and vessel tree labelled",
                Structures.Select(st => new KeyValuePair<string, int>(st.Name, st.Value)), [.. cases.Take(setup.TrainingCases)]);
            var fine = Train(dataset, setup, 1, device, Path.Combine(settings.WorkDirectory, "unet-full"), "full-resolution U-Net", progress, cancellation);
            var coarse = Train(dataset, setup, Factor, device, Path.Combine(settings.WorkDirectory, "unet-4x"), "4x U-Net", progress, cancellation);

            var predictionOptions = new PredictionOptions { Device = device };
            using var finePredictor = Predictor.Load(fine.Folder, predictionOptions);
            using var coarsePredictor = Predictor.Load(coarse.Folder, predictionOptions);
            using var cascade = new CascadePredictor(coarsePredictor, finePredictor, CascadeMarginMillimetres);
            var methods = new (string Name, Func<Image, PredictionResult> Predict)[]
            {
                ("full resolution", image => finePredictor.Predict([image], cancellation: cancellation)),
                ("4x downsampled", image => coarsePredictor.Predict([image], cancellation: cancellation)),
                ("cascade (4x region, full resolution inside)", image => cascade.Predict([image], cancellation: cancellation)),
            };
            var labels = LabelSet.FromValues(Structures.Select(s => new KeyValuePair<string, int>(s.Name, s.Value)));
            var dice = new double[methods.Length, Structures.Length];
            var thinRecall = new double[methods.Length];
            long thinVoxels = 0, vesselVoxels = 0;
            var predictSeconds = new double[methods.Length];
            for (int t = setup.TrainingCases; t < cases.Count; t++)
            {
                var reference = cases[t].Labels;
                var thin = ThinVessels(reference, Structures[2].Value);
                thinVoxels += CountTrue(thin);
                vesselVoxels += Count(reference, Structures[2].Value);
                for (int m = 0; m < methods.Length; m++)
                {
                    progress?.Report($"{methods[m].Name}: segmenting held-out case {t - setup.TrainingCases + 1}/{setup.TestCases}");
                    var predictClock = Stopwatch.StartNew();
                    using var result = methods[m].Predict(cases[t].Image);
                    predictSeconds[m] += predictClock.Elapsed.TotalSeconds;
                    var scores = SegmentationEvaluator.EvaluateCase(PhantomDatasets.CaseId(PhantomKind.Abdomen, t), result.Labels, reference, labels, new SegmentationOptions { EmptyMasks = EmptyMaskConvention.NnUNet });
                    for (int s = 0; s < Structures.Length; s++)
                    {
                        dice[m, s] += scores[Structures[s].Name]!.Dice / setup.TestCases;
                    }

                    thinRecall[m] += Recall(result.Labels, thin, Structures[2].Value) / setup.TestCases;
                }
            }

            var table = new MarkdownTable(["structure", .. methods.Select(m => m.Name + " (MedVox, phantoms)")]);
            for (int s = 0; s < Structures.Length; s++)
            {
                table.Add([Structures[s].Name + " (Dice)", .. Enumerable.Range(0, methods.Length).Select(m => AbdomenUNets.Format(dice[m, s]))]);
            }

            table.Add(["thin vessels, <= 3 voxels across (recall)", .. thinRecall.Select(AbdomenUNets.Format)]);
            var grid = setup.Grid;
            string settingsLine = string.Create(CultureInfo.InvariantCulture,
                $"scale {settings.Scale}, {setup.TrainingCases} training and {setup.TestCases} held-out abdomen phantoms (seed {settings.Seed}, portal-venous contrast) of {grid.Size}x{grid.Size}x{grid.Slices} voxels of {grid.Spacing:0.##} x {grid.Spacing:0.##} x {grid.SliceSpacing:0.##} mm, noise SD {grid.NoiseSd:0} HU, labels aorta, IVC and the vessel tree (all else background); thin vessel voxels {thinVoxels} of {vesselVoxels} in the held-out cases; phantoms generated in {generation:F0} s; {fine.Describe()}; {coarse.Describe()}; both: soft Dice + cross-entropy with deep supervision, AdamW at 0.01 with poly decay, no augmentation; cascade margin {CascadeMarginMillimetres:0} mm; prediction {string.Join(", ", methods.Select((m, i) => $"{m.Name} {predictSeconds[i] / setup.TestCases:F1} s"))} per case");
            var notes = new List<string>
            {
                "The data are synthetic phantoms (a procedural vessel tree whose finest branches end at half to one voxel); the ceilings of the same three settings with an ideal network are the table at the top of this page.",
                string.Create(CultureInfo.InvariantCulture, $"Vessel tree Dice: full resolution {AbdomenUNets.Format(dice[0, 2])}, 4x {AbdomenUNets.Format(dice[1, 2])}, cascade {AbdomenUNets.Format(dice[2, 2])}; thin-vessel recall {AbdomenUNets.Format(thinRecall[0])}, {AbdomenUNets.Format(thinRecall[1])}, {AbdomenUNets.Format(thinRecall[2])}."),
            };
            return new ExperimentResult(Name, Title, table, settingsLine, notes, []);
        }
        finally
        {
            foreach (var phantom in cases)
            {
                phantom.Dispose();
            }
        }
    }

    /// <summary>Keeps aorta, IVC and vessels (as 1, 2, 3); everything else becomes background.</summary>
    private static void VascularOnly(Image labels)
    {
        var voxels = labels.AsSpan<byte>();
        for (int i = 0; i < voxels.Length; i++)
        {
            byte v = voxels[i];
            voxels[i] = v == AbdomenLabels.Aorta ? (byte)1 : v == AbdomenLabels.InferiorVenaCava ? (byte)2 : v == AbdomenLabels.Vessels ? (byte)3 : (byte)0;
        }
    }

    /// <summary>One trained network: where it is and how it was planned.</summary>
    private sealed record Network(string Name, string Folder, double[] Spacing, int[] Patch, int BatchSize, int[] Features, int Iterations, double Seconds)
    {
        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"{Name}: {string.Join(" x ", Spacing.Select(s => s.ToString("0.##", CultureInfo.InvariantCulture)))} mm (x, y, z), patch {string.Join("x", Patch)}, batch {BatchSize}, features {string.Join("-", Features)}, {Iterations} steps in {Seconds:F0} s");
    }

    private static Network Train(DecathlonDataset dataset, Setup setup, int factor, ComputeDevice device, string folder, string name, IProgress<string>? progress, CancellationToken cancellation)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        var fingerprint = DatasetFingerprint.Compute(dataset, cancellation: cancellation);
        var plan = new CoarserPlanner(setup.BaseFeatures, factor).Plan(fingerprint, dataset.Description, AbdomenUNets.PlannerOptionsFor(setup.Iterations, 0.01, setup.MemoryBudgetBytes));
        var (outcome, seconds) = AbdomenUNets.TrainPlanned(plan, dataset, device, folder, name, progress, cancellation);
        return new Network(name, folder, [.. plan.Preprocessing.TargetSpacing], plan.PatchSize, plan.BatchSize, [.. plan.Network.Features], outcome.Iteration, seconds);
    }

    /// <summary>
    /// Vessel voxels whose largest distance to the vessel's border within 2 voxels is at most
    /// <see cref="ThinRadiusVoxels"/> (in voxels), as bench/small_structures.py computes them with scipy.
    /// </summary>
    internal static bool[] ThinVessels(Image labels, byte vessel)
    {
        var size = labels.Size;
        int nx = size.X, ny = size.Y, nz = size.Z;
        var voxels = labels.AsSpan<byte>();
        var background = new byte[voxels.Length];
        for (int i = 0; i < voxels.Length; i++)
        {
            background[i] = voxels[i] == vessel ? (byte)0 : (byte)1;
        }

        var squared = new double[voxels.Length];
        EuclideanDistanceTransform.ComputeSquared(background, nx, ny, nz, new Vector3D(1, 1, 1), squared);
        var thin = new bool[voxels.Length];
        double limit = ThinRadiusVoxels * ThinRadiusVoxels;
        for (int z = 0; z < nz; z++)
        {
            for (int y = 0; y < ny; y++)
            {
                for (int x = 0; x < nx; x++)
                {
                    int i = (((z * ny) + y) * nx) + x;
                    if (background[i] != 0)
                    {
                        continue;
                    }

                    double largest = 0;
                    for (int dz = Math.Max(0, z - 2); dz <= Math.Min(nz - 1, z + 2); dz++)
                    {
                        for (int dy = Math.Max(0, y - 2); dy <= Math.Min(ny - 1, y + 2); dy++)
                        {
                            for (int dx = Math.Max(0, x - 2); dx <= Math.Min(nx - 1, x + 2); dx++)
                            {
                                largest = Math.Max(largest, squared[(((dz * ny) + dy) * nx) + dx]);
                            }
                        }
                    }

                    thin[i] = largest <= limit;
                }
            }
        }

        return thin;
    }

    private static double Recall(Image prediction, bool[] mask, byte value)
    {
        var voxels = prediction.AsSpan<byte>();
        long hit = 0, total = 0;
        for (int i = 0; i < mask.Length; i++)
        {
            if (mask[i])
            {
                total++;
                hit += voxels[i] == value ? 1 : 0;
            }
        }

        return total == 0 ? double.NaN : (double)hit / total;
    }

    private static long CountTrue(bool[] mask)
    {
        long count = 0;
        foreach (bool b in mask)
        {
            count += b ? 1 : 0;
        }

        return count;
    }

    private static long Count(Image labels, byte value)
    {
        long count = 0;
        foreach (byte b in labels.AsSpan<byte>())
        {
            count += b == value ? 1 : 0;
        }

        return count;
    }

    /// <summary>The learning library's planner with a narrower network and, for the low-resolution network, a target spacing <c>factor</c> times coarser.</summary>
    private sealed class CoarserPlanner(int width, int factor) : SegmentationPlanner
    {
        public override int BaseFeatures => width;

        protected override double[] ChooseTargetSpacing(DatasetFingerprint fingerprint, List<string> reasons)
        {
            var spacing = base.ChooseTargetSpacing(fingerprint, reasons);
            if (factor != 1)
            {
                spacing = [.. spacing.Select(s => s * factor)];
                reasons.Add(string.Create(CultureInfo.InvariantCulture, $"target spacing multiplied by {factor} (the experiment's low-resolution network)"));
            }

            return spacing;
        }
    }
}
