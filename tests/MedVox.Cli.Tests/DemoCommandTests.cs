using System.Globalization;
using System.Text.RegularExpressions;
using MedVox.Cli.Commands;
using MedVox.Imaging;
using MedVox.IO;
using MedVox.Learning.Planning;
using MedVox.Testing;

namespace MedVox.Cli.Tests;

public class DemoCommandTests
{
    private static readonly (string Name, byte Value)[] Organs = [("liver", 1), ("spleen", 2), ("kidney_right", 3), ("kidney_left", 4)];

    /// <summary>
    /// The demo with the 3D U-Nets shipped in models/ (found beside medvox.dll, where the build copies them) segments a
    /// whole-field-of-view phantom of a seed they were not trained on at the phantom's own resolution: the coarse model
    /// finds the organs, the fine model segments that region in more than one Gaussian-blended window. Dice above 0.85
    /// for liver, spleen and both kidneys, checked here by counting voxels of the written mask against the written
    /// ground truth, and the same figures in metrics.csv. It fails when a model is missing, not found, or segments badly.
    /// </summary>
    [Fact]
    public void DemoSegmentsAHeldOutPhantomWithTheShippedUNet()
    {
        using var folder = TestData.CreateTempFolder();
        string output = folder.File("demo");
        string shipped = Path.Combine(AppContext.BaseDirectory, "models", "phantom-abdomen");
        Assert.True(File.Exists(Path.Combine(shipped, ModelFolder.WeightsFile)), $"no shipped model in {shipped}");

        var (code, text) = CliRunner.Run("demo", "--out", output, "--device", "cpu");

        Assert.True(code == 0, text);
        Assert.Contains(Path.Combine("models", "phantom-abdomen"), text, StringComparison.Ordinal);
        Assert.Contains(Path.Combine("models", "phantom-abdomen-coarse"), text, StringComparison.Ordinal);
        Assert.Contains("cascade: region ", text, StringComparison.Ordinal);
        var windows = Regex.Match(text, @"memory plan \(cpu[^)]*\): (\d+) windows");
        Assert.True(windows.Success && int.Parse(windows.Groups[1].Value, CultureInfo.InvariantCulture) > 1, text);
        Assert.Contains("Dice, fine", text, StringComparison.Ordinal);
        string id = DemoModel.CaseId(DemoModel.HeldOutSeed, 0);
        Assert.NotEqual(DemoModel.TrainingSeed, DemoModel.HeldOutSeed);
        string heldOut = Path.Combine(output, DemoCommand.HeldOutFolder(DemoModel.HeldOutSeed));
        using var image = ImageFile.Read(Path.Combine(heldOut, "imagesTr", id + "_0000.nii.gz"));
        using var mask = ImageFile.Read(Path.Combine(output, "predictions", id + ".nii.gz"));
        using var reference = ImageFile.Read(Path.Combine(heldOut, "labelsTr", id + ".nii.gz"));
        Assert.True(mask.Geometry.IsEquivalent(image.Geometry, 1e-5), "the mask has the image's geometry");
        Assert.Equal(ImageSize.Of3D(DemoModel.HeldOutGrid.Size, DemoModel.HeldOutGrid.Size, DemoModel.HeldOutGrid.Slices!.Value), image.Size);

        var metrics = File.ReadAllLines(Path.Combine(output, "metrics.csv"));
        foreach (var (name, value) in Organs)
        {
            double dice = Dice(mask, reference, value);
            Assert.True(dice > 0.85, string.Create(CultureInfo.InvariantCulture, $"{name}: Dice {dice:F3}\n{text}"));
            var row = metrics.Single(l => l.StartsWith($"{id},{value},{name},", StringComparison.Ordinal)).Split(',');
            Assert.Equal(dice, double.Parse(row[3], CultureInfo.InvariantCulture), 3);
        }

        Assert.True(File.Exists(Path.Combine(output, "report.html")));
    }

    /// <summary>
    /// <c>--train</c> (cut to 2 iterations here; the shipped models took 300 and 200) trains both stages from scratch
    /// into the output folder, with plans for their grids and no path of this run in them, and the demo then runs with
    /// the new model, not the shipped one; a second <c>--train</c> refuses to overwrite them.
    /// </summary>
    [Fact]
    public void TrainRetrainsBothModelsFromScratchAndUsesThem()
    {
        using var folder = TestData.CreateTempFolder();
        string output = folder.File("demo");

        var (code, text) = CliRunner.Run("demo", "--out", output, "--train", "--iterations", "2", "--device", "cpu");

        Assert.True(code == 0, text);
        foreach (var (stage, spacing) in new[] { (DemoModel.Fine, new[] { 6.0, 6, 8 }), (DemoModel.Coarse, new[] { 12.0, 12, 16 }) })
        {
            string model = Path.Combine(output, stage.Name);
            Assert.True(File.Exists(Path.Combine(model, ModelFolder.WeightsFile)), text);
            var plan = ModelFolder.LoadPlan(Path.Combine(model, ModelFolder.PlanFile));
            Assert.Equal(spacing, plan.Preprocessing.TargetSpacing);
            Assert.Null(plan.DatasetPath);
            Assert.Equal(["background", "liver", "spleen", "kidney_right", "kidney_left"], plan.Labels.OrderBy(l => l.Value).Select(l => l.Key));
            Assert.Contains($"trained {stage.Name} (", text, StringComparison.Ordinal);
        }

        Assert.Contains("model: " + Path.Combine(output, "model") + " (", text.Replace("\n", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "metrics.csv")));

        (code, text) = CliRunner.Run("demo", "--out", output, "--train", "--iterations", "2", "--device", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("already holds a demo model", CliRunner.ErrorLine(text), StringComparison.Ordinal);
    }

    [Fact]
    public void TheTrainingSeedIsRefusedForTheHeldOutCase()
    {
        using var folder = TestData.CreateTempFolder();

        var (code, text) = CliRunner.Run("demo", "--out", folder.File("demo"), "--seed", DemoModel.TrainingSeed.ToString(CultureInfo.InvariantCulture));

        Assert.Equal(1, code);
        Assert.Contains("made the training phantoms", CliRunner.ErrorLine(text), StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder.File("demo")));
    }

    /// <summary>Dice of one label, by counting voxels.</summary>
    internal static double Dice(Image prediction, Image reference, byte label)
    {
        long both = 0, predicted = 0, expected = 0;
        var size = reference.Size;
        for (int z = 0; z < size.Z; z++)
        {
            for (int y = 0; y < size.Y; y++)
            {
                var p = prediction.GetRow<byte>(y, z);
                var r = reference.GetRow<byte>(y, z);
                for (int x = 0; x < size.X; x++)
                {
                    bool inP = p[x] == label, inR = r[x] == label;
                    predicted += inP ? 1 : 0;
                    expected += inR ? 1 : 0;
                    both += inP && inR ? 1 : 0;
                }
            }
        }

        return expected + predicted == 0 ? double.NaN : 2.0 * both / (expected + predicted);
    }
}
