using System.Globalization;
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
}
