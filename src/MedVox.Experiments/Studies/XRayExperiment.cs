using System.Diagnostics;
using System.Globalization;
using MedVox.Evaluation.Segmentation;
using MedVox.Synthetic.XRay;

namespace MedVox.Experiments.Studies;

/// <summary>
/// <c>xray</c>: lungs, heart and clavicles segmented on posteroanterior chest radiograph phantoms by a 2D U-Net
/// (soft Dice + cross-entropy, random patches), as on JSRT/SCR: Dice and HD95 per structure on held-out images.
/// </summary>
public sealed class XRayExperiment : Experiment
{
    public override string Name => "xray";

    public override string Title => "Organ segmentation on chest radiographs (2D U-Net)";

    public override ExperimentResult Run(ExperimentSettings settings, IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (size, trainCount, testCount, unet) = settings.Scale switch
        {
            ExperimentScale.Tiny => (64, 5, 2, new UNet2DSettings([8, 16, 32], 64, 4, 120, 0.03, settings.Seed)),
            ExperimentScale.Cpu => (128, 14, 6, new UNet2DSettings([8, 16, 32, 64], 128, 4, 500, 0.03, settings.Seed)),
            _ => (512, 200, 47, new UNet2DSettings([32, 64, 128, 256, 320, 320], 512, 12, 20000, 0.01, settings.Seed)),
        };
        var clock = Stopwatch.StartNew();
        var training = new List<Sample2D>();
        var test = new List<Sample2D>();
        for (int i = 0; i < trainCount + testCount; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            progress?.Report($"radiograph {i + 1}/{trainCount + testCount}: generating {size}x{size}");
            using var phantom = ChestXRayPhantom.Generate(new ChestXRayOptions { Size = size }, settings.Seed, i, cancellation);
            (i < trainCount ? training : test).Add(new Sample2D(phantom.Channels, phantom.Labels));
        }

        double generation = clock.Elapsed.TotalSeconds;
        clock.Restart();
        using var network = Segmentation2D.Train(training, ChestXRayLabels.Names.Count, unet, progress, cancellation);
        double trainingSeconds = clock.Elapsed.TotalSeconds;

        var structures = ChestXRayLabels.Names.Where(l => l.Value != 0).ToArray();
        var labelSet = LabelSet.FromValues(structures);
        var dice = structures.Select(_ => new List<double>()).ToArray();
        var hd95 = structures.Select(_ => new List<double>()).ToArray();
        foreach (var sample in test)
        {
            using var prediction = sample.ToLabelImage(Segmentation2D.Predict(network, sample));
            using var reference = sample.ToLabelImage(sample.Labels);
            var result = SegmentationEvaluator.EvaluateCase("test", prediction, reference, labelSet);
            for (int s = 0; s < structures.Length; s++)
            {
                var metrics = result[structures[s].Key]!;
                dice[s].Add(metrics.Dice);
                hd95[s].Add(metrics.HausdorffDistance95);
            }
        }

        var table = new MarkdownTable("structure", "method", "data", "test images", "Dice mean", "Dice min", "HD95 (mm) median");
        for (int s = 0; s < structures.Length; s++)
        {
            table.Add(structures[s].Key, "2D U-Net (MedVox)", "phantoms", F(test.Count), F3(dice[s].Average()), F3(dice[s].Min()), Distance(Median(hd95[s])));
        }

        // Published as Jaccard J on the 247 JSRT images with SCR masks; Dice = 2J / (1 + J).
        const string Published = "U-Net variants, Novikov et al. 2018 / Frid-Adar et al. 2018 (published)";
        const string Real = "real radiographs, JSRT/SCR (context, real data)";
        table.Add("lungs", Published, Real, "247", "0.974 / 0.980 (J 0.950 / 0.961)", "", "");
        table.Add("heart", Published, Real, "247", "0.937 / 0.951 (J 0.882 / 0.906)", "", "");
        table.Add("clavicles", Published, Real, "247", "0.929 / 0.922 (J 0.868 / 0.855)", "", "");
        double pixel = test[0].Geometry.Spacing.X;
        string settingsLine = string.Create(CultureInfo.InvariantCulture,
            $"scale {settings.Scale}, seed {settings.Seed}, {trainCount} training and {testCount} test radiograph phantoms of {size}x{size} pixels ({pixel:F2} mm), labels projected from 3D organ masks (clavicles over heart over lungs); 2D U-Net with features [{string.Join(", ", unet.Features)}], {unet.Iterations} SGD steps of {unet.BatchSize} patches of {unet.Patch}^2 (lr {unet.LearningRate}, momentum 0.9), soft Dice + cross-entropy, whole-image inference; generation {generation:F0} s, training {trainingSeconds:F0} s");
        var notes = new List<string>
        {
            "The data are synthetic phantoms (projections of a simple 3D chest model with noise), far more regular than real radiographs; the published figures on real JSRT/SCR images are context only, not a comparison.",
        };
        return new ExperimentResult(Name, Title, table, settingsLine, notes, []);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]);
    }

    /// <summary>A distance, or "missed" when a structure was not predicted at all (no surface to measure from).</summary>
    private static string Distance(double value) => double.IsFinite(value) ? F(value) : "missed";

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string F3(double value) => value.ToString("F3", CultureInfo.InvariantCulture);
}
