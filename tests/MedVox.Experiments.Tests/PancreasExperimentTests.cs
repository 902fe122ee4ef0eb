using System.Globalization;

namespace MedVox.Experiments.Tests;

[Collection(AbdomenUNetsCollection.Name)]
public sealed class PancreasExperimentTests(AbdomenUNetsFixture fixture)
{
    [Fact]
    public void TinyRunProducesASaneTable()
    {
        var experiment = ExperimentCatalog.Find("pancreas");
        var result = experiment.Run(new ExperimentSettings(ExperimentScale.Tiny, 1, fixture.WorkDirectory("pancreas")), cancellation: TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(result.ToMarkdown("test"));
        var rows = result.Table.Rows;
        Assert.Equal(["method", "data", "pancreas Dice (mean)", "abdomen_004", "abdomen_005"], result.Table.Columns);
        Assert.StartsWith("probabilistic atlas", rows[0][0], StringComparison.Ordinal);
        Assert.StartsWith("2D U-Net", rows[1][0], StringComparison.Ordinal);
        Assert.StartsWith("3D U-Net", rows[2][0], StringComparison.Ordinal);
        double atlas = Dice(rows[0][2]), twoD = Dice(rows[1][2]), threeD = Dice(rows[2][2]);
        Assert.All(rows.Take(3), r => Assert.Equal("phantoms", r[1]));
        // Each mean is the mean of its cases.
        Assert.All(rows.Take(3), r => Assert.Equal((Dice(r[3]) + Dice(r[4])) / 2, Dice(r[2]), 0.0011));
        TestContext.Current.TestOutputHelper?.WriteLine($"atlas {atlas}, 2D {twoD}, 3D {threeD}");
        Assert.All(rows.Skip(3), r => Assert.Contains("(published)", r[0], StringComparison.Ordinal));
        Assert.Contains(result.Notes, n => n.Contains("synthetic phantoms", StringComparison.Ordinal));
    }

    private static double Dice(string cell) => double.Parse(cell, CultureInfo.InvariantCulture);
}
