using MedVox.Evaluation.Segmentation;
using MedVox.Reporting.Snapshots;

namespace MedVox.Reporting.Tests;

public class FormattingTests
{
    [Theory]
    [InlineData("dice", 0.91249, "0.912")]
    [InlineData("dice", 1.0, "1.000")]
    [InlineData("hd95_mm", 3.14159, "3.14")]
    [InlineData("hd95_mm", double.PositiveInfinity, "∞")]
    [InlineData("nsd", double.NaN, "n/a")]
    [InlineData("reference_volume_mm3", 5120.0, "5.120")]
    [InlineData("volume_difference_mm3", -80379.0, "−80.379")]
    [InlineData("relative_volume_difference", -1.0, "−100.0")]
    [InlineData("relative_volume_difference", 0.0421, "+4.2")]
    [InlineData("reference_voxels", 2048.0, "2048")]
    public void ValuesAreShownAsDocumented(string metric, double value, string expected) =>
        Assert.Equal(expected, MetricFormat.Value(SegmentationMetric.All.Single(m => m.Name == metric), value));

    [Fact]
    public void MeanAndDeviationDropsAnUndefinedDeviation()
    {
        var two = MetricStatistics.Compute([0.5, 0.7]);
        Assert.Equal("0.600 ± 0.141", MetricFormat.MeanAndDeviation(SegmentationMetric.Dice, two));
        var infinite = MetricStatistics.Compute([1.0, double.PositiveInfinity]);
        Assert.Equal("∞", MetricFormat.MeanAndDeviation(SegmentationMetric.Hausdorff95, infinite));
        Assert.Equal("−10.0 ± 14.1", MetricFormat.MeanAndDeviation(SegmentationMetric.RelativeVolumeDifference, MetricStatistics.Compute([0.0, -0.2])));
        Assert.Equal("14.1", MetricFormat.Deviation(SegmentationMetric.RelativeVolumeDifference, 0.1414));
    }

    [Theory]
    [InlineData("40,400", 40, 400)]
    [InlineData(" -600, 1500 ", -600, 1500)]
    [InlineData("lung", -600, 1500)]
    [InlineData("Soft-Tissue", 40, 400)]
    [InlineData("bone", 400, 1800)]
    public void WindowsParse(string text, double level, double width)
    {
        var window = IntensityWindow.Parse(text);
        Assert.Equal((level, width), (window.Level, window.Width));
        Assert.Equal(level - (width / 2), window.Lower);
    }

    [Theory]
    [InlineData("40")]
    [InlineData("40,0")]
    [InlineData("40,-3")]
    [InlineData("abdomenish")]
    [InlineData("nan,400")]
    public void BadWindowIsOneLineError(string text)
    {
        var error = Assert.Throws<MedVoxException>(() => IntensityWindow.Parse(text));
        Assert.Contains("LEVEL,WIDTH", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}
