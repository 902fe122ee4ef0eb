using MedVox.Testing;

namespace MedVox.Experiments.Tests;

public sealed class PolypExperimentTests
{
    [Fact]
    public void TinyRunProducesASaneTableAndCurves()
    {
        using var temp = TestData.CreateTempFolder();
        var experiment = ExperimentCatalog.Find("polyp");
        var result = experiment.Run(new ExperimentSettings(ExperimentScale.Tiny, 1, temp.Path), cancellation: TestContext.Current.CancellationToken);
        var ours = result.Table.Rows[0];
        TestContext.Current.TestOutputHelper?.WriteLine(result.ToMarkdown("test"));
        Assert.Equal("phantoms", ours[1]);
        Assert.True(int.Parse(ours[3], System.Globalization.CultureInfo.InvariantCulture) >= 2, $"{ours[3]} target polyps");
        double sensitivity = double.Parse(ours[4].TrimEnd('%'), System.Globalization.CultureInfo.InvariantCulture);
        double falsePositives = double.Parse(ours[5], System.Globalization.CultureInfo.InvariantCulture);
        // The classical filter finds most polyps of 6 mm and more on thin-slice phantoms, with few false positives.
        Assert.InRange(sensitivity, 50, 100);
        Assert.InRange(falsePositives, 0, 20);
        Assert.All(result.Files, f => Assert.True(new FileInfo(f).Length > 0, f));
        Assert.Contains("published", result.Table.Rows[1][0], StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownExperimentNamesTheKnownOnes()
    {
        var error = Assert.Throws<MedVoxException>(() => ExperimentCatalog.Find("nope"));
        Assert.Contains("polyp", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}
