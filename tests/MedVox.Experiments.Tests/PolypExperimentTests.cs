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

        // The CNN row: permissive candidates classified by a 3D CNN trained on two separate phantoms, scored on the same
        // test phantoms, with its FROC curve. At this scale (7 target polyps, 200 steps) the network is weak and its
        // prior-corrected operating point (p >= about 0.95) may keep no polyp, so the checks are on the pipeline: the row
        // has sane values, the candidates reach the polyps (the curve's last point, every candidate kept), and the
        // operating point rejects some of the permissive filter's false positives. The CPU scale in docs/experiments.md
        // is where the network's quality shows.
        var cnn = result.Table.Rows[1];
        Assert.StartsWith("CNN (candidates + 3D CNN", cnn[0], StringComparison.Ordinal);
        Assert.Equal(ours[3], cnn[3]);
        double cnnSensitivity = double.Parse(cnn[4].TrimEnd('%'), System.Globalization.CultureInfo.InvariantCulture);
        double cnnFalsePositives = double.Parse(cnn[5], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(cnnSensitivity, 0, 100);
        Assert.InRange(cnnFalsePositives, 0, 20);
        string[] cnnCurve = File.ReadAllLines(result.Files.Single(f => f.EndsWith("polyp-froc-cnn.csv", StringComparison.Ordinal)));
        Assert.True(cnnCurve.Length > 2, "the CNN's FROC curve has points");
        string[] all = cnnCurve[^1].Split(',');
        double allSensitivity = double.Parse(all[1], System.Globalization.CultureInfo.InvariantCulture);
        double allCandidates = double.Parse(all[2], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(allSensitivity, 0.25, 1);
        Assert.True(allCandidates > cnnFalsePositives, $"every permissive candidate: {allCandidates} FP per case; CNN at its operating point: {cnnFalsePositives}");
        Assert.Contains("published", result.Table.Rows[2][0], StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownExperimentNamesTheKnownOnes()
    {
        var error = Assert.Throws<MedVoxException>(() => ExperimentCatalog.Find("nope"));
        Assert.Contains("polyp", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}
