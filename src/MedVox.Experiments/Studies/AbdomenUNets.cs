using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MedVox.Classical.Atlas;
using MedVox.Evaluation.Segmentation;
using MedVox.Imaging;
using MedVox.IO.Datasets;
using MedVox.Learning.Data;
using MedVox.Learning.Inference;
using MedVox.Learning.Planning;
using MedVox.Learning.Runtime;
using MedVox.Learning.Training;
using MedVox.Synthetic;
using MedVox.Synthetic.Abdomen;

namespace MedVox.Experiments.Studies;

/// <summary>
/// What the <c>pancreas</c> and <c>organs-2d-vs-3d</c> experiments share: abdomen phantoms (training cases and held-out
/// cases of the same seed), a 2D U-Net (slice by slice) and a 3D U-Net trained on the same eight organs with the same
/// recipe, and their sliding-window predictions on the held-out cases, scored per organ. The trained networks are kept
/// in a folder beside the experiment's own (<c>WORK/../abdomen-unets/KEY</c>) and reused by the other experiment when its
/// scale and seed are the same, so running both costs one training; each experiment still runs on its own.
/// </summary>
internal static class AbdomenUNets
{
    /// <summary>Bumped whenever data, recipe or networks change, so that networks trained by older code are not reused.</summary>
    private const int Version = 1;

    /// <summary>The organs the networks learn (every other structure is background), as in the phantom's dataset.json.</summary>
    public static IReadOnlyList<KeyValuePair<string, int>> Organs { get; } =
    [
        new("liver", AbdomenLabels.Liver), new("spleen", AbdomenLabels.Spleen), new("kidney_right", AbdomenLabels.KidneyRight),
        new("kidney_left", AbdomenLabels.KidneyLeft), new("stomach", AbdomenLabels.Stomach), new("pancreas", AbdomenLabels.Pancreas),
        new("aorta", AbdomenLabels.Aorta), new("inferior_vena_cava", AbdomenLabels.InferiorVenaCava),
    ];

    /// <summary>The settings of one scale: the phantom grid, the case counts and the training recipe.</summary>
    public sealed record Setup(AbdomenOptions Grid, int TrainingCases, int TestCases, int Iterations, int BaseFeatures, long MemoryBudgetBytes, double LearningRate = 0.01)
    {
        public string Describe(int seed) => string.Create(CultureInfo.InvariantCulture,
            $"{TrainingCases} training and {TestCases} held-out abdomen phantoms (seed {seed}, portal-venous contrast) of {Grid.Size}x{Grid.Size}x{Grid.Slices} voxels of {Grid.Spacing:0.##} x {Grid.Spacing:0.##} x {Grid.SliceSpacing:0.##} mm around the upper abdomen, noise SD {Grid.NoiseSd:0} HU");
    }

    public static Setup For(ExperimentScale scale) => scale switch
    {
        // The grid of the learning library's end-to-end test (the upper abdomen at 7 x 7 x 10 mm: the pancreas is about
        // 150 voxels) with half the cases; the 3D U-Net finds the pancreas only after about 250 steps (Dice 0 at 200,
        // 0.81 at 300, atlas 0.75), so the tiny run trains for 400, a minute or two per network on 2 cores.
        ExperimentScale.Tiny => new Setup(Grid(32, 7, 20, 10), 4, 2, 400, 8, 1L << 30),
        // The same grid trained to convergence: on 2 shared cores each network takes 6-8 minutes for 1000 steps; the
        // eight organs are all learned only after about 600 (with 120-400 steps whole organs were still missing).
        ExperimentScale.Cpu => new Setup(Grid(32, 7, 20, 10), 8, 4, 1000, 8, 1L << 30),
        _ => new Setup(Grid(128, 2.5, 96, 2.5), 40, 20, 4000, 32, 16L << 30),
    };

    internal static AbdomenOptions Grid(int size, double spacing, int slices, double sliceSpacing) => new()
    {
        Size = size,
        Spacing = spacing,
        Slices = slices,
        SliceSpacing = sliceSpacing,
        NoiseSd = 12,
        Contrast = ContrastPhase.PortalVenous,
    };

    /// <summary>How one network was planned and trained.</summary>
    public sealed record NetworkInfo(string Name, int Dimensions, int[] Patch, int BatchSize, int[] Features, int Iterations, double TrainingSeconds, double PredictionSeconds, bool Reused)
    {
        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"{Name}: patch {string.Join("x", Patch)}, batch {BatchSize}, features {string.Join("-", Features)}, {Iterations} AdamW steps in {TrainingSeconds:F0} s{(Reused ? " (trained by an earlier run with the same settings, reused)" : string.Empty)}, prediction {PredictionSeconds:F1} s per case");
    }

    /// <summary>One held-out case: per method, the organ's Dice and the reference volume (mL) per organ name.</summary>
    public sealed record CaseScores(string Id, IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Dice, IReadOnlyDictionary<string, double> VolumeMl);

    /// <summary>All that a run produced.</summary>
    public sealed record Outcome(Setup Setup, IReadOnlyList<CaseScores> Cases, IReadOnlyList<NetworkInfo> Networks, double AtlasSeconds, double GenerationSeconds);

    /// <summary>The training and prediction recipe both networks share, for the settings lines.</summary>
    public static string Recipe(Setup setup) => string.Create(CultureInfo.InvariantCulture,
        $"both networks learn liver, spleen, both kidneys, stomach, pancreas, aorta and IVC (all else background) with the same recipe: soft Dice (per sample: per slice in 2D, per patch in 3D, as nnU-Net) + cross-entropy with deep supervision, AdamW at {setup.LearningRate} with poly decay, no augmentation, a 2D batch holding as many slices as the 3D batch holds in its patches (the same voxels per step), and Gaussian-weighted sliding-window prediction");

    public const string TwoD = "2D U-Net";
    public const string ThreeD = "3D U-Net";
    public const string Atlas = "probabilistic atlas";

    /// <summary>
    /// Generates the phantoms, trains the 2D and 3D U-Nets (or reuses those of an earlier run with the same settings),
    /// optionally builds the probabilistic atlas from the same training cases, and scores every method on the held-out cases.
    /// </summary>
    public static Outcome Run(ExperimentSettings settings, bool withAtlas, IProgress<string>? progress, CancellationToken cancellation) =>
        Run(settings, For(settings.Scale), withAtlas, progress, cancellation);

    /// <summary>As above with explicit settings (tests and tuning).</summary>
    public static Outcome Run(ExperimentSettings settings, Setup setup, bool withAtlas, IProgress<string>? progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(setup);
        Directory.CreateDirectory(settings.WorkDirectory);
        string work = Path.GetFullPath(settings.WorkDirectory);
        string shared = Path.Combine(Path.GetDirectoryName(work) ?? work, "abdomen-unets", string.Create(CultureInfo.InvariantCulture, $"{settings.Scale.ToString().ToLowerInvariant()}-seed{settings.Seed}-v{Version}"));
        Directory.CreateDirectory(shared);
        TorchRuntime.EnsureLoaded();
        var device = settings.Scale == ExperimentScale.Full ? ComputeDevice.Auto : ComputeDevice.Cpu;

        var clock = Stopwatch.StartNew();
        var options = new PhantomOptions { Seed = settings.Seed, Abdomen = setup.Grid };
        var training = new List<PhantomCase>();
        var test = new List<PhantomCase>();
        try
        {
            for (int i = 0; i < setup.TrainingCases + setup.TestCases; i++)
            {
                cancellation.ThrowIfCancellationRequested();
                progress?.Report($"generating abdomen phantom {i + 1}/{setup.TrainingCases + setup.TestCases}");
                (i < setup.TrainingCases ? training : test).Add(PhantomDatasets.GenerateCase(PhantomKind.Abdomen, options, i, cancellation: cancellation));
            }

            double generation = clock.Elapsed.TotalSeconds;
            string datasetDirectory = Path.Combine(shared, "organs-dataset");
            var dataset = WriteOrganDataset(datasetDirectory, training);
            string dataKey = Checksum(training);
            var networks = new List<NetworkInfo>();
            var predictions = new Dictionary<string, List<Image>>(StringComparer.Ordinal);
            try
            {
                foreach (bool slices in new[] { true, false })
                {
                    string name = slices ? TwoD : ThreeD;
                    var (folder, info) = Train(dataset, setup, dataKey, device, Path.Combine(shared, slices ? "unet-2d" : "unet-3d"), name, slices, progress, cancellation);
                    progress?.Report($"{name}: segmenting {test.Count} held-out cases");
                    var predictClock = Stopwatch.StartNew();
                    using var predictor = Predictor.Load(folder, new PredictionOptions { Device = device });
                    var list = predictions[name] = [];
                    foreach (var phantom in test)
                    {
                        using var result = predictor.Predict([phantom.Image], cancellation: cancellation);
                        list.Add(result.Labels.Clone());
                    }

                    networks.Add(info with { PredictionSeconds = predictClock.Elapsed.TotalSeconds / test.Count });
                }

                double atlasSeconds = 0;
                if (withAtlas)
                {
                    progress?.Report($"building the probabilistic atlas from {training.Count} cases and segmenting {test.Count}");
                    var atlasClock = Stopwatch.StartNew();
                    var atlas = ProbabilisticAtlas.Build([.. training.Select(c => (c.Image, c.Labels))], new AtlasOptions { SingleComponentLabels = [.. Organs.Select(o => o.Value)] }, cancellation);
                    var list = predictions[Atlas] = [];
                    foreach (var phantom in test)
                    {
                        list.Add(atlas.Segment(phantom.Image, cancellation));
                    }

                    atlasSeconds = atlasClock.Elapsed.TotalSeconds;
                }

                var cases = new List<CaseScores>();
                var labels = LabelSet.FromValues(Organs);
                for (int t = 0; t < test.Count; t++)
                {
                    string id = PhantomDatasets.CaseId(PhantomKind.Abdomen, setup.TrainingCases + t);
                    using var reference = OrgansOnly(test[t].Labels);
                    var dice = new Dictionary<string, IReadOnlyDictionary<string, double>>(StringComparer.Ordinal);
                    var volumes = new Dictionary<string, double>(StringComparer.Ordinal);
                    foreach (var (method, list) in predictions)
                    {
                        using var predicted = OrgansOnly(list[t]);
                        var result = SegmentationEvaluator.EvaluateCase(id, predicted, reference, labels, new SegmentationOptions { EmptyMasks = EmptyMaskConvention.NnUNet });
                        if (!result.IsEvaluated)
                        {
                            throw new MedVoxException($"{method} on {id} could not be scored: {string.Join("; ", result.Problems)}");
                        }

                        var perOrgan = new Dictionary<string, double>(StringComparer.Ordinal);
                        foreach (var organ in Organs)
                        {
                            var metrics = result[organ.Key]!;
                            perOrgan[organ.Key] = metrics.Dice;
                            volumes[organ.Key] = metrics.ReferenceVolume / 1000;
                        }

                        dice[method] = perOrgan;
                    }

                    cases.Add(new CaseScores(id, dice, volumes));
                }

                return new Outcome(setup, cases, networks, atlasSeconds, generation);
            }
            finally
            {
                foreach (var image in predictions.Values.SelectMany(l => l))
                {
                    image.Dispose();
                }
            }
        }
        finally
        {
            foreach (var phantom in training.Concat(test))
            {
                phantom.Dispose();
            }
        }
    }

    /// <summary>Mean of a method's Dice for one organ over the cases (NaN values, both masks empty, left out).</summary>
    public static double MeanDice(IReadOnlyList<CaseScores> cases, string method, string organ)
    {
        double sum = 0;
        int count = 0;
        foreach (var c in cases)
        {
            double d = c.Dice[method][organ];
            if (!double.IsNaN(d))
            {
                sum += d;
                count++;
            }
        }

        return count == 0 ? double.NaN : sum / count;
    }

    public static string Format(double value) => double.IsNaN(value) ? "n/a" : value.ToString("F3", CultureInfo.InvariantCulture);

    /// <summary>The training cases as a Decathlon dataset whose labels are the eight organs (everything else 0).</summary>
    private static DecathlonDataset WriteOrganDataset(string directory, IReadOnlyList<PhantomCase> training) =>
        WriteDataset(directory, "MedVoxAbdomenOrgans", "eight organs labelled", Organs, training, OrgansOnly);

    /// <summary>
    /// Abdomen phantoms as a fresh Decathlon dataset (one CT channel, .nii) labelled with <paramref name="structures"/>:
    /// their label maps as they are, or as <paramref name="relabel"/> rewrites them (a new image).
    /// </summary>
    internal static DecathlonDataset WriteDataset(string directory, string name, string labelled, IEnumerable<KeyValuePair<string, int>> structures, IReadOnlyList<PhantomCase> training, Func<Image, Image>? relabel = null)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        var description = new DatasetDescription
        {
            Name = name,
            Description = $"Synthetic abdomen phantoms generated by MedVox, {labelled}; no patient data.",
            ChannelNames = ["CT"],
            Labels = [new DatasetLabel("background", 0), .. structures.Select(o => new DatasetLabel(o.Key, o.Value))],
            FileEnding = ".nii",
        };
        var dataset = DecathlonDataset.Create(directory, description);
        for (int i = 0; i < training.Count; i++)
        {
            using var relabelled = relabel?.Invoke(training[i].Labels);
            dataset.WriteTrainingCase(PhantomDatasets.CaseId(PhantomKind.Abdomen, i), [training[i].Image], relabelled ?? training[i].Labels);
        }

        return DecathlonDataset.Read(directory);
    }

    /// <summary>FNV-1a over the training images and labels: reused networks must have been trained on these very phantoms.</summary>
    private static string Checksum(IReadOnlyList<PhantomCase> cases)
    {
        ulong hash = 14695981039346656037;
        foreach (var phantom in cases)
        {
            foreach (var image in new[] { phantom.Image, phantom.Labels })
            {
                for (int z = 0; z < image.Size.Z; z++)
                {
                    for (int y = 0; y < image.Size.Y; y++)
                    {
                        foreach (byte b in image.GetRowBytes(y, z))
                        {
                            hash = (hash ^ b) * 1099511628211;
                        }
                    }
                }
            }
        }

        return hash.ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>A copy of a label map with the organ labels kept and every other value set to background.</summary>
    private static Image OrgansOnly(Image labels)
    {
        var copy = labels.ConvertTo(ElementType.UInt8);
        var voxels = copy.AsSpan<byte>();
        for (int i = 0; i < voxels.Length; i++)
        {
            voxels[i] = voxels[i] is >= AbdomenLabels.Liver and <= AbdomenLabels.InferiorVenaCava ? voxels[i] : (byte)0;
        }

        return copy;
    }

    /// <summary>Plans and trains one network into <paramref name="folder"/>, or returns the one an earlier run with the same settings left there.</summary>
    private static (string Folder, NetworkInfo Info) Train(DecathlonDataset dataset, Setup setup, string dataKey, ComputeDevice device, string folder, string name, bool slices, IProgress<string>? progress, CancellationToken cancellation)
    {
        string infoPath = Path.Combine(folder, "experiment-network.json");
        string key = $"{setup} {(slices ? "2D" : "3D")} data {dataKey}";
        if (File.Exists(infoPath) && File.Exists(Path.Combine(folder, ModelFolder.WeightsFile)))
        {
            var stored = JsonSerializer.Deserialize<StoredNetwork>(File.ReadAllText(infoPath));
            if (stored is not null && stored.Key == key)
            {
                progress?.Report($"{name}: reusing the network trained by an earlier run with the same settings ({folder})");
                return (folder, stored.Info with { Reused = true });
            }
        }

        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        var fingerprint = DatasetFingerprint.Compute(dataset, cancellation: cancellation);
        var plannerOptions = PlannerOptionsFor(setup.Iterations, setup.LearningRate, setup.MemoryBudgetBytes);
        var plan = new StudyPlanner(setup.BaseFeatures, slices: false).Plan(fingerprint, dataset.Description, plannerOptions);
        if (slices)
        {
            // The 2D network's batch holds as many slices as the 3D network's batch holds in its patches, so that both
            // see the same voxels per step and the same step count is the same amount of data.
            int batch = plan.BatchSize * plan.PatchSize[0];
            plan = new StudyPlanner(setup.BaseFeatures, slices: true).Plan(fingerprint, dataset.Description, plannerOptions) with { BatchSize = batch };
        }

        var (outcome, seconds) = TrainPlanned(plan, dataset, device, folder, name, progress, cancellation);
        var info = new NetworkInfo(name, plan.Network.Dimensions, plan.PatchSize, plan.BatchSize, [.. plan.Network.Features], outcome.Iteration, seconds, 0, false);
        File.WriteAllText(infoPath, JsonSerializer.Serialize(new StoredNetwork(key, info)));
        return (folder, info);
    }

    /// <summary>The studies' training recipe (AdamW with poly decay, weight decay 1e-4, no augmentation) for the planner.</summary>
    internal static PlannerOptions PlannerOptionsFor(int iterations, double learningRate, long memoryBudgetBytes) => new()
    {
        MemoryBudgetBytes = memoryBudgetBytes,
        Training = new TrainingOptions { Optimizer = OptimizerKind.AdamW, LearningRate = learningRate, WeightDecay = 1e-4, Iterations = iterations },
        Augmentation = false,
    };

    /// <summary>Trains a planned network on every case of <paramref name="dataset"/> into <paramref name="folder"/>, reporting every tenth of the steps; returns the outcome and the seconds it took.</summary>
    internal static (TrainingOutcome Outcome, double Seconds) TrainPlanned(SegmentationPlan plan, DecathlonDataset dataset, ComputeDevice device, string folder, string name, IProgress<string>? progress, CancellationToken cancellation)
    {
        int iterations = plan.Training.Iterations;
        progress?.Report($"{name}: training patch {string.Join("x", plan.PatchSize)}, batch {plan.BatchSize}, features {string.Join("-", plan.Network.Features)}, {iterations} steps");
        var clock = Stopwatch.StartNew();
        var outcome = SegmentationTraining.Run(plan, dataset, folder, new SegmentationTrainingOptions
        {
            Device = device,
            Fold = CrossValidation.AllCases,
            Augment = false,
            LoaderWorkers = 1,
            TensorBoard = false,
        }, new StepProgress(name, iterations, progress), cancellation);
        return (outcome, clock.Elapsed.TotalSeconds);
    }

    private sealed record StoredNetwork(string Key, NetworkInfo Info);

    /// <summary>
    /// The planner of the learning library with a narrower network; for the 2D U-Net it plans on the median slice
    /// (Y, X) instead of the volume, so the network sees one axial slice at a time (nnU-Net's 2d configuration).
    /// </summary>
    private sealed class StudyPlanner(int width, bool slices) : SegmentationPlanner
    {
        public override int BaseFeatures => width;

        protected override int[] MedianShape(DatasetFingerprint fingerprint, double[] spacing, List<string> reasons)
        {
            var shape = base.MedianShape(fingerprint, spacing, reasons);
            return slices && shape.Length == 3 ? [shape[1], shape[2]] : shape;
        }
    }

    /// <summary>A progress line every tenth of the training.</summary>
    internal sealed class StepProgress(string name, int iterations, IProgress<string>? target) : IProgress<TrainingStatus>
    {
        private int _reported;

        public void Report(TrainingStatus value)
        {
            int tenth = Math.Max(1, iterations / 10);
            if (target is not null && value.Phase == "training" && value.Iteration >= _reported + tenth)
            {
                _reported = value.Iteration;
                target.Report(string.Create(CultureInfo.InvariantCulture, $"{name}: step {value.Iteration}/{iterations}, loss {value.Loss:F3}, {value.Elapsed.TotalSeconds:F0} s"));
            }
        }
    }
}
