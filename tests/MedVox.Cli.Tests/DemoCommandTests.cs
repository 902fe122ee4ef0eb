using System.Globalization;
using MedVox.IO;
using MedVox.Testing;

namespace MedVox.Cli.Tests;

public class DemoCommandTests
{
    [Fact]
    public void DemoSegmentsTheHeldOutCaseAndWritesMasksMetricsAndReport()
    {
        using var folder = TestData.CreateTempFolder();
        string output = folder.File("demo");

        var (code, text) = CliRunner.Run("demo", "--out", output, "--cases", "1", "--size", "96");

        Assert.True(code == 0, text);
        Assert.Contains("classical baseline", text, StringComparison.Ordinal);
        string prediction = Path.Combine(output, "predictions", "abdomen_000.nii.gz");
        using (var mask = ImageFile.Read(prediction))
        using (var image = ImageFile.Read(Path.Combine(output, "dataset", "imagesTr", "abdomen_000_0000.nii.gz")))
        {
            Assert.True(mask.Geometry.IsEquivalent(image.Geometry, 1e-5), "the mask has the image's geometry");
        }

        var liver = File.ReadAllLines(Path.Combine(output, "metrics.csv")).Single(l => l.StartsWith("abdomen_000,1,liver,", StringComparison.Ordinal)).Split(',');
        Assert.True(double.Parse(liver[3], CultureInfo.InvariantCulture) > 0.85, $"liver Dice {liver[3]}");
        Assert.True(File.Exists(Path.Combine(output, "report.html")));

        // A second run reuses the dataset.
        (code, text) = CliRunner.Run("demo", "--out", output, "--cases", "1", "--size", "96");
        Assert.True(code == 0, text);
        Assert.Contains("reusing the phantom dataset", text, StringComparison.Ordinal);
    }
}
