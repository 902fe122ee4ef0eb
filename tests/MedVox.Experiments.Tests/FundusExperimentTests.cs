using System.Globalization;
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
}
