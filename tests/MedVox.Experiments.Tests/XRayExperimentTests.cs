using System.Globalization;
using MedVox.Experiments.Studies;
using MedVox.Synthetic.XRay;
using MedVox.Testing;

namespace MedVox.Experiments.Tests;

public sealed class XRayExperimentTests
{
    [Fact]
    public void TinyRunSegmentsLungsAndHeartWellAboveTrivialPredictions()
    {
        using var temp = TestData.CreateTempFolder();
        var result = ExperimentCatalog.Find("xray").Run(new ExperimentSettings(ExperimentScale.Tiny, 1, temp.Path), cancellation: TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(result.ToMarkdown("test"));
        var rows = result.Table.Rows;
        Assert.Equal(["lungs", "heart", "clavicles"], rows.Take(3).Select(r => r[0]));
        Assert.All(rows.Take(3), r => Assert.Equal("phantoms", r[2]));
        var dice = rows.Take(3).Select(r => double.Parse(r[4], CultureInfo.InvariantCulture)).ToArray();
        Assert.All(dice, d => Assert.InRange(d, 0, 1));
        // Labelling every pixel lungs scores at most 2f / (1 + f) with f the lung share of the image (about a third:
        // 0.5); every pixel heart at most about 0.2. A network that has not learnt the anatomy stays below these.
        Assert.True(dice[0] > 0.8, $"lungs Dice {dice[0]}");
        Assert.True(dice[1] > 0.6, $"heart Dice {dice[1]}");
        Assert.Contains(rows, r => r[1].Contains("published", StringComparison.Ordinal) && r[2].Contains("context, real data", StringComparison.Ordinal));
        Assert.Contains("synthetic phantoms", string.Join(" ", result.Notes), StringComparison.Ordinal);
    }

    [Fact]
    public void AnUntrainedNetworkStaysBelowTheTinyTestsFloors()
    {
        // The floors above mean something only if a network that has not learnt stays under them: one SGD step of the
        // tiny setting's U-Net, scored on the image it saw.
        using var phantom = ChestXRayPhantom.Generate(new ChestXRayOptions { Size = 64 }, 1, 0, TestContext.Current.CancellationToken);
        var sample = new Sample2D(phantom.Channels, phantom.Labels);
        using var network = Segmentation2D.Train([sample], ChestXRayLabels.Names.Count, new UNet2DSettings([8, 16, 32], 64, 4, 1, 0.03, 1), null, TestContext.Current.CancellationToken);
        var predicted = Segmentation2D.Predict(network, sample);
        double lungs = Dice(predicted, sample.Labels, ChestXRayLabels.Lungs), heart = Dice(predicted, sample.Labels, ChestXRayLabels.Heart);
        TestContext.Current.TestOutputHelper?.WriteLine($"untrained: lungs {lungs:F3}, heart {heart:F3}");
        Assert.True(lungs < 0.8, $"lungs Dice {lungs} untrained");
        Assert.True(heart < 0.6, $"heart Dice {heart} untrained");
    }

    internal static double Dice(byte[] predicted, byte[] reference, byte label)
    {
        long both = 0, p = 0, r = 0;
        for (int i = 0; i < predicted.Length; i++)
        {
            bool inP = predicted[i] == label, inR = reference[i] == label;
            p += inP ? 1 : 0;
            r += inR ? 1 : 0;
            both += inP && inR ? 1 : 0;
        }

        return p + r == 0 ? 1 : 2.0 * both / (p + r);
    }
}
