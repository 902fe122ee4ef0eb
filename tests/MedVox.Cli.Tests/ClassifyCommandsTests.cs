using System.Globalization;
using MedVox.Testing;

namespace MedVox.Cli.Tests;

public class ClassifyCommandsTests
{
    [Fact]
    public void TrainThenPredictADatasetAFolderAndOneFile()
    {
        using var folder = TestData.CreateTempFolder();
        string dataset = folder.File("head");
        Assert.Equal(0, CliRunner.Run("phantom", "head", "--out", dataset, "--cases", "12", "--size", "32").ExitCode);
        var labels = File.ReadAllLines(Path.Combine(dataset, "labels.csv")).Skip(1).Select(l => l.Split(',')).ToDictionary(c => c[0], c => c[1]);
        Assert.Equal(2, labels.Values.Distinct().Count());

        var (code, output) = CliRunner.Run("classify", "train", dataset, "--out", folder.File("model"), "--network", "densenet-small", "--iterations", "2", "--batch", "4", "--size", "32", "--val-fraction", "0.25");

        Assert.True(code == 0, output);
        Assert.Matches(@"held-out: \d image\(s\), F1 \d\.\d{3}", output);
        Assert.True(File.Exists(folder.File("model/classifier.json")), output);

        // A dataset folder: one row per labels.csv line, with the label, and scores against it.
        (code, output) = CliRunner.Run("classify", "predict", "--model", folder.File("model"), "--in", dataset, "--out", folder.File("out/dataset.csv"));
        Assert.True(code == 0, output);
        Assert.Contains("against labels.csv: F1 ", output, StringComparison.Ordinal);
        var rows = File.ReadAllLines(folder.File("out/dataset.csv"));
        Assert.Equal("image,label,predicted,p_0,p_1", rows[0]);
        Assert.Equal(13, rows.Length);
        foreach (var row in rows.Skip(1))
        {
            var cells = row.Split(',');
            Assert.Equal(labels[cells[0]], cells[1]);
            double p0 = double.Parse(cells[3], CultureInfo.InvariantCulture), p1 = double.Parse(cells[4], CultureInfo.InvariantCulture);
            Assert.Equal(1, p0 + p1, 4);
            Assert.Equal(p1 > p0 ? "1" : "0", cells[2]);
        }

        // A folder of images (no labels) and a single file give the same probabilities for the same image.
        (code, output) = CliRunner.Run("classify", "predict", "--model", folder.File("model"), "--in", Path.Combine(dataset, "images"), "--out", folder.File("folder.csv"));
        Assert.True(code == 0, output);
        var folderRows = File.ReadAllLines(folder.File("folder.csv"));
        Assert.Equal("image,predicted,p_0,p_1", folderRows[0]);
        Assert.Equal(13, folderRows.Length);
        Assert.StartsWith("head_000.nii.gz,", folderRows[1], StringComparison.Ordinal);

        (code, output) = CliRunner.Run("classify", "predict", "--model", folder.File("model"), "--in", Path.Combine(dataset, "images", "head_000.nii.gz"), "--out", folder.File("one.csv"));
        Assert.True(code == 0, output);
        var single = File.ReadAllLines(folder.File("one.csv"));
        Assert.Equal(2, single.Length);
        Assert.Equal(folderRows[1], single[1]);
        Assert.Equal(rows[1].Split(',')[4], single[1].Split(',')[3]);
    }

    [Fact]
    public void UnknownNetworkIsOneLine()
    {
        using var folder = TestData.CreateTempFolder();
        string dataset = folder.File("head");
        Assert.Equal(0, CliRunner.Run("phantom", "head", "--out", dataset, "--cases", "2", "--size", "32").ExitCode);

        var (code, output) = CliRunner.Run("classify", "train", dataset, "--out", folder.File("model"), "--network", "alexnet");

        Assert.Equal(1, code);
        Assert.Equal("error: unknown network 'alexnet' (field --network); use resnet50, vgg16, googlenet, densenet121, densenet-small or small-cnn", output.Trim());
        Assert.False(Directory.Exists(folder.File("model")));
    }

    [Fact]
    public void BoneMaskWithoutWindowIsOneLine()
    {
        using var folder = TestData.CreateTempFolder();
        string dataset = folder.File("head");
        Assert.Equal(0, CliRunner.Run("phantom", "head", "--out", dataset, "--cases", "2", "--size", "32").ExitCode);

        var (code, output) = CliRunner.Run("classify", "train", dataset, "--out", folder.File("model"), "--network", "small-cnn", "--bone-mask", "3");

        Assert.Equal(1, code);
        Assert.Equal("error: --bone-mask needs --window (field --bone-mask); e.g. --window \"40/80;60/60\" --bone-mask 3", output.Trim());
        Assert.False(Directory.Exists(folder.File("model")));
    }

    [Fact]
    public void EmptyAndSingleClassDatasetsAreOneLine()
    {
        using var folder = TestData.CreateTempFolder();
        Directory.CreateDirectory(folder.File("empty"));
        File.WriteAllText(folder.File("empty/labels.csv"), "image,label\n");

        var (code, output) = CliRunner.Run("classify", "train", folder.File("empty"), "--out", folder.File("model"));

        Assert.Equal(1, code);
        Assert.Equal($"error: {folder.File("empty/labels.csv")}: the dataset lists no images", output.Trim());

        Directory.CreateDirectory(folder.File("one"));
        File.WriteAllText(folder.File("one/labels.csv"), "image,label\na.nii.gz,0\nb.nii.gz,0\n");
        (code, output) = CliRunner.Run("classify", "train", folder.File("one"), "--out", folder.File("model"));

        Assert.Equal(1, code);
        Assert.Single(output.Trim().Split('\n'));
        Assert.Contains("all 2 image(s) have label 0: a classifier needs images of at least two classes", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder.File("model")));
    }

    [Fact]
    public void PredictWithoutAModelIsOneLine()
    {
        using var folder = TestData.CreateTempFolder();
        File.WriteAllText(folder.File("x.nii.gz"), "not an image");

        var (code, output) = CliRunner.Run("classify", "predict", "--model", folder.File("none"), "--in", folder.File("x.nii.gz"), "--out", folder.File("p.csv"));

        Assert.Equal(1, code);
        Assert.Equal($"error: {folder.File("none")}: no such model folder; train one with medvox classify train", output.Trim());
        Assert.False(File.Exists(folder.File("p.csv")));
    }
}
