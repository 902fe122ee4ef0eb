using System.Diagnostics;
using System.Globalization;
using MedVox.Evaluation.Segmentation;
using MedVox.Synthetic.Fundus;

namespace MedVox.Experiments.Studies;

/// <summary>
/// <c>fundus</c>: retinal vessels and optic disc segmented on colour fundus phantoms by a 2D U-Net (red, green and
/// blue channels in), as on DRIVE. Vessels are scored by Dice, by centreline Dice (clDice, which weighs a vessel by
/// its length so thin ones count), by sensitivity, and by sensitivity on thin vessels (reference pixels of vessels at
/// most 2 pixels wide, <see cref="ThinStructures"/>), the ones a network misses first.
/// </summary>
public sealed class FundusExperiment : Experiment
{
    public override string Name => "fundus";

    public override string Title => "Retinal vessel segmentation on fundus images (2D U-Net)";

    public override ExperimentResult Run(ExperimentSettings settings, IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (size, trainCount, testCount, unet) = settings.Scale switch
        {
            ExperimentScale.Tiny => (128, 4, 2, new UNet2DSettings([8, 16, 32], 64, 4, 120, 0.03, settings.Seed)),
            ExperimentScale.Cpu => (256, 12, 6, new UNet2DSettings([8, 16, 32, 64], 96, 4, 600, 0.03, settings.Seed)),
            _ => (768, 40, 20, new UNet2DSettings([32, 64, 128, 256, 320], 256, 12, 20000, 0.01, settings.Seed)),
        };
        var clock = Stopwatch.StartNew();
        var training = new List<Sample2D>();
        var test = new List<Sample2D>();
        for (int i = 0; i < trainCount + testCount; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            progress?.Report($"fundus image {i + 1}/{trainCount + testCount}: generating {size}x{size}");
            using var phantom = FundusPhantom.Generate(new FundusOptions { Size = size }, settings.Seed, i);
            (i < trainCount ? training : test).Add(new Sample2D(phantom.Channels, phantom.Labels));
        }

        double generation = clock.Elapsed.TotalSeconds;
        clock.Restart();
        using var network = Segmentation2D.Train(training, FundusLabels.Names.Count, unet, progress, cancellation);
        double trainingSeconds = clock.Elapsed.TotalSeconds;

        var labelSet = LabelSet.FromValues(FundusLabels.Names.Where(l => l.Value != 0));
        var vesselDice = new List<double>();
        var discDice = new List<double>();
        var clDice = new List<double>();
        var sensitivity = new List<double>();
        var thinSensitivity = new List<double>();
        double thinShare = 0;
        foreach (var sample in test)
        {
            var predicted = Segmentation2D.Predict(network, sample);
            using var prediction = sample.ToLabelImage(predicted);
            using var reference = sample.ToLabelImage(sample.Labels);
            var result = SegmentationEvaluator.EvaluateCase("test", prediction, reference, labelSet);
            var vessel = result["vessel"]!;
            vesselDice.Add(vessel.Dice);
            discDice.Add(result["optic_disc"]!.Dice);
            sensitivity.Add((double)vessel.TruePositiveVoxels / vessel.ReferenceVoxels);
            var predictedVessel = Mask(predicted, FundusLabels.Vessel);
            var referenceVessel = Mask(sample.Labels, FundusLabels.Vessel);
            clDice.Add(CenterlineDice.Compute(predictedVessel, referenceVessel, sample.Width, sample.Height).Value);
            thinSensitivity.Add(ThinStructures.Sensitivity(predictedVessel, referenceVessel, sample.Width, sample.Height));
            thinShare += ThinStructures.Mask(referenceVessel, sample.Width, sample.Height).Count(v => v != 0) / (double)vessel.ReferenceVoxels / test.Count;
        }

        var table = new MarkdownTable("structure", "method", "data", "test images", "Dice", "clDice", "sensitivity", "sensitivity, vessels <= 2 px");
        table.Add("vessels", "2D U-Net (MedVox)", "phantoms", F(test.Count), F3(vesselDice.Average()), F3(clDice.Average()), F3(sensitivity.Average()), F3(thinSensitivity.Average()));
        table.Add("optic disc", "2D U-Net (MedVox)", "phantoms", F(test.Count), F3(discDice.Average()), "", "", "");
        table.Add("vessels", "U-Net variants on DRIVE, 2015-2023 (published)", "real fundus photographs, DRIVE (context, real data)", "20", "0.80-0.83", "", "0.78-0.82", "");
        string settingsLine = string.Create(CultureInfo.InvariantCulture,
            $"scale {settings.Scale}, seed {settings.Seed}, {trainCount} training and {testCount} test fundus phantoms of {size}x{size} pixels (RGB), vessels tapering to about 1 pixel ({100 * thinShare:F0}% of test vessel pixels in vessels <= 2 px wide); 2D U-Net with features [{string.Join(", ", unet.Features)}], {unet.Iterations} SGD steps of {unet.BatchSize} patches of {unet.Patch}^2 (lr {unet.LearningRate}, momentum 0.9), soft Dice + cross-entropy over background, vessel and optic disc, whole-image inference; means over test images; generation {generation:F0} s, training {trainingSeconds:F0} s");
        var notes = new List<string>
        {
            "The data are synthetic phantoms (a procedural vessel tree on a textured background), far more regular than real fundus photographs; the published DRIVE figures (Dice, i.e. F1, and sensitivity of U-Net variants) are context only, not a comparison.",
            "clDice: Shit et al. 2021, skeletons by Zhang-Suen thinning as scikit-image computes it; thin vessels: reference pixels outside every open disc of radius equal to the distance to the background where that distance is >= 2 px.",
        };
        return new ExperimentResult(Name, Title, table, settingsLine, notes, []);
    }

    private static byte[] Mask(byte[] labels, byte value)
    {
        var mask = new byte[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            mask[i] = labels[i] == value ? (byte)1 : (byte)0;
        }

        return mask;
    }

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string F3(double value) => value.ToString("F3", CultureInfo.InvariantCulture);
}
