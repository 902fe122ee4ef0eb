using System.Globalization;
using MedVox.Testing;

namespace MedVox.Cli.Tests;

public class DatasetCommandsTests
{
    [Fact]
    public void PhantomThenCheckThenEvaluateAgainstItself()
    {
        using var folder = TestData.CreateTempFolder();
        string dataset = folder.File("ph");

        var (code, output) = CliRunner.Run("phantom", "abdomen", "--out", dataset, "--cases", "2", "--size", "48", "--contrast", "portal-venous");
        Assert.True(code == 0, output);
        Assert.True(File.Exists(Path.Combine(dataset, "labelsTr", "abdomen_001.nii.gz")), output);

        (code, output) = CliRunner.Run("dataset", "check", dataset);
        Assert.True(code == 0, output);
        Assert.Contains("2 case(s)", output, StringComparison.Ordinal);

        string labels = Path.Combine(dataset, "labelsTr");
        (code, output) = CliRunner.Run("evaluate", "--pred", labels, "--gt", labels, "--out", folder.File("eval"));
        Assert.True(code == 0, output);
        var rows = File.ReadAllLines(folder.File("eval/metrics.csv"));
        Assert.StartsWith("case,label,name,dice,iou,hd95,assd,nsd,volume_pred_ml,volume_gt_ml", rows[0], StringComparison.Ordinal);
        var liver = rows.Single(r => r.StartsWith("abdomen_000,1,liver,", StringComparison.Ordinal)).Split(',');
        Assert.Equal(1.0, double.Parse(liver[3], CultureInfo.InvariantCulture));
        Assert.Equal(liver[8], liver[9]);
        Assert.True(File.Exists(folder.File("eval/summary.json")));
    }

    [Fact]
    public void ReportWritesOneSelfContainedHtmlFile()
    {
        using var folder = TestData.CreateTempFolder();
        string dataset = folder.File("ph");
        Assert.Equal(0, CliRunner.Run("phantom", "abdomen", "--out", dataset, "--cases", "2", "--size", "48").ExitCode);
        string labels = Path.Combine(dataset, "labelsTr");

        var (code, output) = CliRunner.Run("report", "--pred", labels, "--gt", labels, "--images", Path.Combine(dataset, "imagesTr"), "--out", folder.File("r.html"));

        Assert.True(code == 0, output);
        string html = File.ReadAllText(folder.File("r.html"));
        Assert.Contains("data:image/png;base64,", html, StringComparison.Ordinal);
        Assert.Contains("liver", html, StringComparison.Ordinal);
        Assert.DoesNotContain("src=\"http", html, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingPredictionIsReportedPerCaseAndFailsTheRun()
    {
        using var folder = TestData.CreateTempFolder();
        string dataset = folder.File("ph");
        Assert.Equal(0, CliRunner.Run("phantom", "abdomen", "--out", dataset, "--cases", "2", "--size", "48").ExitCode);
        string predictions = folder.File("pred");
        Directory.CreateDirectory(predictions);
        File.Copy(Path.Combine(dataset, "labelsTr", "abdomen_000.nii.gz"), Path.Combine(predictions, "abdomen_000.nii.gz"));

        var (code, output) = CliRunner.Run("evaluate", "--pred", predictions, "--gt", Path.Combine(dataset, "labelsTr"), "--out", folder.File("eval"));

        Assert.Equal(1, code);
        Assert.Contains("skipped abdomen_001", output, StringComparison.Ordinal);
        Assert.Contains("1 case(s) evaluated, 1 skipped", output, StringComparison.Ordinal);
    }

    [Fact]
    public void BrokenDatasetListsTheProblemWithItsCase()
    {
        using var folder = TestData.CreateTempFolder();
        string dataset = folder.File("ph");
        Assert.Equal(0, CliRunner.Run("phantom", "abdomen", "--out", dataset, "--cases", "2", "--size", "48").ExitCode);
        File.Delete(Path.Combine(dataset, "labelsTr", "abdomen_001.nii.gz"));

        var (code, output) = CliRunner.Run("dataset", "check", dataset);

        Assert.Equal(1, code);
        Assert.Contains("abdomen_001", output, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownPhantomKindIsOneLine()
    {
        var (code, output) = CliRunner.Run("phantom", "knee", "--out", "/tmp/never");

        Assert.Equal(1, code);
        Assert.Single(output.Trim().Split('\n'));
    }
}
