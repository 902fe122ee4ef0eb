using System.Text.Json;
using MedVox.Imaging;
using MedVox.IO;
using MedVox.Testing;

namespace MedVox.Cli.Tests;

public class TrainingCommandsTests
{
    /// <summary>Two small abdomen phantoms (16 voxels each way, about 24 mm), written by the phantom command.</summary>
    private static string Phantoms(TempFolder folder)
    {
        string dataset = folder.File("ph");
        var (code, output) = CliRunner.Run("phantom", "abdomen", "--out", dataset, "--cases", "2", "--size", "16");
        Assert.True(code == 0, output);
        return dataset;
    }

    private static string LabelPath(string dataset, int index) => Path.Combine(dataset, "labelsTr", $"abdomen_{index:D3}.nii.gz");

    private static string ImagePath(string dataset, int index) => Path.Combine(dataset, "imagesTr", $"abdomen_{index:D3}_0000.nii.gz");

    private static string ErrorLine(string output) => CliRunner.ErrorLine(output);

    [Fact]
    public void PlanWritesPatchBatchNetworkAndTheReasons()
    {
        using var folder = TestData.CreateTempFolder();
        string dataset = Phantoms(folder);

        var (code, output) = CliRunner.Run("plan", dataset, "--memory", "2GB", "--out", folder.File("plan.json"));

        Assert.True(code == 0, output);
        using var plan = JsonDocument.Parse(File.ReadAllText(folder.File("plan.json")));
        var root = plan.RootElement;
        var json = root.ToString();
        Assert.Equal(3, root.GetProperty("patch_size").GetArrayLength());
        Assert.True(root.GetProperty("batch_size").GetInt32() >= 2, json);
        Assert.Contains("batch size:", json, StringComparison.Ordinal);
        Assert.Contains("patch:", json, StringComparison.Ordinal);
        Assert.Contains("within the budget of 2.00 GiB", json, StringComparison.Ordinal);
        Assert.Equal(2L << 30, root.GetProperty("memory").GetProperty("budget_bytes").GetInt64());
        Assert.True(root.GetProperty("memory").GetProperty("estimated_bytes").GetInt64() <= 2L << 30, json);
    }

    [Fact]
    public void TooSmallABudgetIsOneLineAndWritesNothing()
    {
        using var folder = TestData.CreateTempFolder();
        string dataset = Phantoms(folder);

        var (code, output) = CliRunner.Run("plan", dataset, "--memory", "64MB", "--out", folder.File("plan.json"));

        Assert.Equal(1, code);
        string line = ErrorLine(output);
        Assert.Contains("too small", line, StringComparison.Ordinal);
        Assert.Contains("--memory", line, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.File("plan.json")));

        (code, output) = CliRunner.Run("train", dataset, "--memory", "64MB", "--out", folder.File("model"));
        Assert.Equal(1, code);
        Assert.Contains("too small", ErrorLine(output), StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder.File("model")));
    }

    public static TheoryData<string, string> BadCases => new()
    {
        { "label-geometry", "does not match" },
        { "nan", "NaN at voxel" },
        { "undeclared-label", "not declared in dataset.json" },
    };

    /// <summary>A plan made from the good dataset, then the dataset is damaged: training stops before any step, with one line naming the file, and leaves no model folder.</summary>
    [Theory]
    [MemberData(nameof(BadCases))]
    public void BadDatasetStopsBeforeTrainingWithOneLine(string damage, string expected)
    {
        using var folder = TestData.CreateTempFolder();
        string dataset = Phantoms(folder);
        Assert.Equal(0, CliRunner.Run("plan", dataset, "--memory", "1GB", "--out", folder.File("plan.json")).ExitCode);
        string damaged;
        switch (damage)
        {
            case "label-geometry":
                // The label of case 1 on a grid with another spacing (same size): it no longer lies on the image's voxels.
                damaged = LabelPath(dataset, 1);
                using (var label = ImageFile.Read(damaged))
                using (var moved = Image.Create(label.Geometry.WithSpacing(label.Geometry.Spacing * 1.5), label.ElementType))
                {
                    label.AsSpan<byte>().CopyTo(moved.AsSpan<byte>());
                    ImageFile.Write(moved, damaged);
                }

                break;
            case "nan":
                damaged = ImagePath(dataset, 1);
                using (var image = ImageFile.Read(damaged))
                using (var floats = image.ConvertTo(ElementType.Float32))
                {
                    floats.GetRow<float>(8, 8)[8] = float.NaN;
                    ImageFile.Write(floats, damaged);
                }

                break;
            default:
                damaged = LabelPath(dataset, 0);
                using (var label = ImageFile.Read(damaged))
                {
                    label.GetRow<byte>(3, 4)[5] = 200;
                    ImageFile.Write(label, damaged);
                }

                break;
        }

        var (code, output) = CliRunner.Run("train", folder.File("plan.json"), "--out", folder.File("model"), "--iterations", "2");

        Assert.Equal(1, code);
        string line = ErrorLine(output);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(damaged), line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder.File("model")), "a model folder was left behind");
    }
}
