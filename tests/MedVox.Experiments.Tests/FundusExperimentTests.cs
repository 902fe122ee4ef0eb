using System.Globalization;
using MedVox.Evaluation.Segmentation;
using MedVox.Experiments.Studies;
using MedVox.Synthetic.Fundus;
using MedVox.Testing;

namespace MedVox.Experiments.Tests;

public sealed class FundusExperimentTests
{
    [Fact]
    public void TinyRunSegmentsVesselsAndScoresTheirCentrelines()
    {
        using var temp = TestData.CreateTempFolder();
        var result = ExperimentCatalog.Find("fundus").Run(new ExperimentSettings(ExperimentScale.Tiny, 1, temp.Path), cancellation: TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(result.ToMarkdown("test"));
        var vessels = result.Table.Rows[0];
        Assert.Equal("vessels", vessels[0]);
        Assert.Equal("phantoms", vessels[2]);
        double Value(IReadOnlyList<string> row, int column) => double.Parse(row[column], CultureInfo.InvariantCulture);
        double dice = Value(vessels, 4), clDice = Value(vessels, 5), sensitivity = Value(vessels, 6), thin = Value(vessels, 7);
        foreach (double v in new[] { dice, clDice, sensitivity, thin, Value(result.Table.Rows[1], 4) })
        {
            Assert.InRange(v, 0, 1);
        }

        // Vessels cover about a tenth of the image: calling everything vessel scores a Dice near 0.2, nothing 0.
        Assert.True(dice > 0.5, $"vessel Dice {dice}");
        Assert.True(clDice > 0.5, $"vessel clDice {clDice}");
        Assert.True(Value(result.Table.Rows[1], 4) > 0.5, "optic disc Dice");
        Assert.Contains("% of test vessel pixels in vessels <= 2 px wide", result.Settings, StringComparison.Ordinal);
        Assert.Contains(result.Table.Rows, r => r[2].Contains("context, real data", StringComparison.Ordinal));
    }

    [Fact]
    public void AnUntrainedNetworkStaysBelowTheTinyTestsFloors()
    {
        // One SGD step of the tiny setting's U-Net, scored on the image it saw: far from the floors of 0.5.
        using var phantom = FundusPhantom.Generate(new FundusOptions { Size = 128 }, 1, 0);
        var sample = new Sample2D(phantom.Channels, phantom.Labels);
        using var network = Segmentation2D.Train([sample], FundusLabels.Names.Count, new UNet2DSettings([8, 16, 32], 64, 4, 1, 0.03, 1), null, TestContext.Current.CancellationToken);
        var predicted = Segmentation2D.Predict(network, sample);
        double dice = XRayExperimentTests.Dice(predicted, sample.Labels, FundusLabels.Vessel);
        var vessel = predicted.Select(v => v == FundusLabels.Vessel ? (byte)1 : (byte)0).ToArray();
        var reference = sample.Labels.Select(v => v == FundusLabels.Vessel ? (byte)1 : (byte)0).ToArray();
        double clDice = CenterlineDice.Compute(vessel, reference, sample.Width, sample.Height).Value;
        TestContext.Current.TestOutputHelper?.WriteLine($"untrained: vessel Dice {dice:F3}, clDice {clDice:F3}");
        Assert.True(dice < 0.5, $"vessel Dice {dice} untrained");
        Assert.True(clDice < 0.5, $"vessel clDice {clDice} untrained");
    }
}
