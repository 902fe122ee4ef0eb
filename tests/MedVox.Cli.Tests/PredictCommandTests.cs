using System.Diagnostics;
using MedVox.Dicom.Writing;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.IO;
using MedVox.IO.Datasets;
using MedVox.Learning.Data;
using MedVox.Learning.Inference;
using MedVox.Learning.Networks;
using MedVox.Learning.Planning;
using MedVox.Testing;
using static TorchSharp.torch;

namespace MedVox.Cli.Tests;

public class PredictCommandTests
{
    [Fact]
    public void PredictsAnObliqueAnisotropicImageOntoItsOwnGridAndSkipsItOnReRun()
    {
        using var folder = TestData.CreateTempFolder();
        string model = Model(folder, "T2");
        string input = ObliqueScan(folder, seed: 1);

        var (code, output) = CliRunner.Run("predict", "--model", model, "--in", input, "--out", folder.File("out"), "--device", "cpu", "--probabilities");

        Assert.True(code == 0, output);
        Assert.Contains("memory plan (cpu", output, StringComparison.Ordinal);
        Assert.Contains("logits: ring of", output, StringComparison.Ordinal);
        var inputHeader = ImageFile.ReadHeader(input);
        var labelHeader = ImageFile.ReadHeader(folder.File("out/scan.nii.gz"));
        Assert.True(inputHeader.Geometry.IsEquivalent(labelHeader.Geometry, 1e-5), $"{inputHeader.Geometry} vs {labelHeader.Geometry}");
        Assert.Equal(ElementType.UInt8, labelHeader.ElementType);
        var probabilities = ImageFile.ReadHeader(folder.File("out/probabilities/scan.nii.gz"));
        Assert.True(inputHeader.Geometry.IsEquivalent(probabilities.Geometry, 1e-5));
        Assert.Equal(3, probabilities.Channels);
        using (var labels = ImageFile.Read(folder.File("out/scan.nii.gz")))
        {
            Assert.True(ImageStatistics.Compute(labels).Max <= 2);
        }

        var sidecar = PredictionSidecar.TryLoad(folder.File("out/scan.prediction.json"))!;
        Assert.Equal(PredictionSidecar.HashModel(model), sidecar.ModelHash);
        Assert.Equal(PredictionSidecar.HashInputs([input]), sidecar.InputHash);
        DateTime written = File.GetLastWriteTimeUtc(folder.File("out/scan.nii.gz"));

        (code, output) = CliRunner.Run("predict", "--model", model, "--in", input, "--out", folder.File("out"), "--device", "cpu", "--probabilities");
        Assert.True(code == 0, output);
        Assert.Contains("skipped scan: already predicted", output, StringComparison.Ordinal);
        Assert.Equal(written, File.GetLastWriteTimeUtc(folder.File("out/scan.nii.gz")));

        // Another setting is another prediction; so is a damaged output.
        (code, output) = CliRunner.Run("predict", "--model", model, "--in", input, "--out", folder.File("out"), "--device", "cpu", "--probabilities", "--overlap", "0.25");
        Assert.True(code == 0, output);
        Assert.Contains("1 written, 0 skipped", output, StringComparison.Ordinal);
        File.WriteAllBytes(folder.File("out/scan.nii.gz"), [1, 2, 3]);
        (code, output) = CliRunner.Run("predict", "--model", model, "--in", input, "--out", folder.File("out"), "--device", "cpu", "--probabilities", "--overlap", "0.25");
        Assert.True(code == 0, output);
        Assert.Contains("1 written, 0 skipped", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// On the CPU the network runs channels-last unless <c>--layout standard</c> asks otherwise; both write the same
    /// labels, and an unknown layout is a one-line error.
    /// </summary>
    [Fact]
    public void ChannelsLastWritesTheLabelsOfTheStandardLayout()
    {
        using var folder = TestData.CreateTempFolder();
        string model = Model(folder, "T2");
        string input = ObliqueScan(folder, seed: 2);

        var (code, output) = CliRunner.Run("predict", "--model", model, "--in", input, "--out", folder.File("standard"), "--device", "cpu", "--layout", "standard");
        Assert.True(code == 0, output);
        Assert.Contains("network layout: standard", output, StringComparison.Ordinal);
        (code, output) = CliRunner.Run("predict", "--model", model, "--in", input, "--out", folder.File("channels-last"), "--device", "cpu");
        Assert.True(code == 0, output);
        Assert.Contains("network layout: channels-last", output, StringComparison.Ordinal);
        (code, output) = CliRunner.Run("predict", "--model", model, "--in", input, "--out", folder.File("other"), "--device", "cpu", "--layout", "nhwc");
        Assert.Equal(1, code);
        Assert.Contains("unknown network layout 'nhwc'", CliRunner.ErrorLine(output), StringComparison.Ordinal);
        using var standard = ImageFile.Read(folder.File("standard/scan.nii.gz"));
        using var channelsLast = ImageFile.Read(folder.File("channels-last/scan.nii.gz"));
        var labels = ImageStatistics.Compute(standard);
        Assert.True(labels.Max > 0 && labels.Min == 0, "the random model should label some voxels, not all");
        double agreement = ImageAssert.LabelAgreement(standard, channelsLast);
        Assert.True(agreement >= 0.999, $"labels agree on {agreement:P3} of voxels");
    }

    /// <summary>
    /// <c>--keep-largest</c> takes label names, values or "all" of the model; what it leaves is one 26-connected
    /// component per named label, it is part of the settings (a re-run with it is another prediction), and an unknown
    /// label is a one-line error before any work.
    /// </summary>
    [Fact]
    public void KeepLargestLeavesOnePiecePerLabelAndIsASetting()
    {
        using var folder = TestData.CreateTempFolder();
        string model = Model(folder, "T2");
        string input = ObliqueScan(folder, seed: 3);

        var (code, output) = CliRunner.Run("predict", "--model", model, "--in", input, "--out", folder.File("out"), "--device", "cpu", "--keep-largest", "c");
        Assert.Equal(1, code);
        Assert.Contains("'c' is not a foreground label of the model", CliRunner.ErrorLine(output), StringComparison.Ordinal);
        Assert.False(File.Exists(folder.File("out/scan.nii.gz")));

        (code, output) = CliRunner.Run("predict", "--model", model, "--in", input, "--out", folder.File("out"), "--device", "cpu");
        Assert.True(code == 0, output);
        (code, output) = CliRunner.Run("predict", "--model", model, "--in", input, "--out", folder.File("out"), "--device", "cpu", "--keep-largest", "a,2");
        Assert.True(code == 0, output);
        var removed = System.Text.RegularExpressions.Regex.Match(output, @"kept the largest component of label\(s\) 1, 2: (\d+) voxel");
        Assert.True(removed.Success && long.Parse(removed.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, output);
        Assert.Contains("1 written, 0 skipped", output, StringComparison.Ordinal);
        using var labels = ImageFile.Read(folder.File("out/scan.nii.gz"));
        foreach (int value in new[] { 1, 2 })
        {
            using var mask = Image.Create(labels.Geometry, ElementType.UInt8);
            for (int z = 0; z < labels.Size.Z; z++)
            {
                for (int y = 0; y < labels.Size.Y; y++)
                {
                    var source = labels.GetRow<byte>(y, z);
                    var target = mask.GetRow<byte>(y, z);
                    for (int x = 0; x < source.Length; x++)
                    {
                        target[x] = source[x] == value ? (byte)1 : (byte)0;
                    }
                }
            }

            using var components = MedVox.Classical.ConnectedComponents.Label(mask);
            Assert.True(components.Count <= 1, $"label {value}: {components.Count} components");
        }

        Assert.Equal(new[] { 1, 2 }, MedVox.Cli.Commands.PredictCommand.KeepLargestLabels("all", model));
    }

    [Fact]
    public async Task ThreeConcurrentShardsWriteWhatOneRunWrites()
    {
        using var folder = TestData.CreateTempFolder();
        string model = Model(folder, "T2");
        string dataset = Dataset(folder, cases: 7);
        string dll = Path.Combine(AppContext.BaseDirectory, "medvox.dll");
        Assert.True(File.Exists(dll), dll);

        var processes = new List<Process>();
        for (int k = 0; k < 3; k++)
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string argument in new[] { dll, "predict", "--model", model, "--in", dataset, "--out", folder.File("sharded"), "--device", "cpu", "--shard", $"{k}/3" })
            {
                info.ArgumentList.Add(argument);
            }

            processes.Add(Process.Start(info)!);
        }

        var ct = TestContext.Current.CancellationToken;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        var results = await Task.WhenAll(processes.Select(async p =>
        {
            var stdout = p.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = p.StandardError.ReadToEndAsync(timeout.Token);
            await p.WaitForExitAsync(timeout.Token);
            return (p.ExitCode, Output: await stdout + await stderr);
        }));
        for (int k = 0; k < 3; k++)
        {
            Assert.True(results[k].ExitCode == 0, $"shard {k}: {results[k].Output}");
            Assert.Contains($"of 7 case(s), shard {k}/3", results[k].Output, StringComparison.Ordinal);
            processes[k].Dispose();
        }

        var (code, output) = CliRunner.Run("predict", "--model", model, "--in", dataset, "--out", folder.File("single"), "--device", "cpu");
        Assert.True(code == 0, output);

        var sharded = Directory.GetFiles(folder.File("sharded")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var single = Directory.GetFiles(folder.File("single")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(14, single.Count);
        Assert.Equal(single, sharded);
        foreach (string? name in single.Where(n => n!.EndsWith(".nii.gz", StringComparison.Ordinal)))
        {
            using var a = ImageFile.Read(Path.Combine(folder.File("sharded"), name!));
            using var b = ImageFile.Read(Path.Combine(folder.File("single"), name!));
            ImageAssert.Identical(b, a);
        }

        // A re-run of every shard finds every case done.
        (code, output) = CliRunner.Run("predict", "--model", model, "--in", dataset, "--out", folder.File("sharded"), "--device", "cpu", "--shard", "1/3");
        Assert.True(code == 0, output);
        Assert.Contains("0 written, 2 skipped, 0 failed", output, StringComparison.Ordinal);
    }

    [Fact]
    public void ADicomFolderAndAManifestArePredicted()
    {
        using var folder = TestData.CreateTempFolder();
        string model = Model(folder, "CT");
        Directory.CreateDirectory(folder.File("images"));
        using (var volume = Volume(Oblique(24, 20, 8, 0.8, 0.8, 2.0), seed: 4))
        {
            DicomCtWriter.WriteSeries(volume, folder.File("series"));
            ImageFile.Write(volume, folder.File("images/a.nrrd"));
            ImageFile.Write(volume, folder.File("images/b.mha"));
        }

        File.WriteAllText(folder.File("images/list.txt"), "# cases\na.nrrd\nb.mha   # second\n");

        var (code, output) = CliRunner.Run("predict", "--model", model, "--in", folder.File("series"), "--out", folder.File("out"), "--device", "cpu");
        Assert.True(code == 0, output);
        var dicom = ImageFile.ReadHeader(folder.File("out/series.nii.gz"));
        using (var read = MedVox.Dicom.Series.DicomSeriesLoader.Load(folder.File("series")))
        {
            Assert.True(read.Image.Geometry.IsEquivalent(dicom.Geometry, 1e-4), $"{read.Image.Geometry} vs {dicom.Geometry}");
        }

        (code, output) = CliRunner.Run("predict", "--model", model, "--in", folder.File("images/list.txt"), "--out", folder.File("out"), "--device", "cpu");
        Assert.True(code == 0, output);
        Assert.True(File.Exists(folder.File("out/a.nrrd")) && File.Exists(folder.File("out/b.mha")), output);
        using var a = ImageFile.Read(folder.File("out/a.nrrd"));
        using var b = ImageFile.Read(folder.File("out/b.mha"));
        ImageAssert.SamePixels(a, b);
    }

    [Fact]
    public void BadInputsAreOneLineBeforeAnyWork()
    {
        using var folder = TestData.CreateTempFolder();
        string model = Model(folder, "T2");
        string input = folder.File("scan.nii.gz");
        Directory.CreateDirectory(folder.File("pair"));
        using (var image = Volume(Oblique(20, 18, 6, 1, 1, 1), seed: 2))
        {
            ImageFile.Write(image, input);
            ImageFile.Write(image, folder.File("pair/two_0000.nii.gz"));
            ImageFile.Write(image, folder.File("pair/two_0001.nii.gz"));
            DicomCtWriter.WriteSeries(image, folder.File("ct-series"));
        }

        string Run(int expectedCode, params string[] args)
        {
            var (code, output) = CliRunner.Run(["predict", "--device", "cpu", .. args]);
            Assert.True(code == expectedCode, output);
            return output.Trim();
        }

        Assert.Equal($"error: {folder.File("nope")}: no such model folder; train one with medvox train, or give the folder that holds plan.json and weights.safetensors", Run(1, "--model", folder.File("nope"), "--in", input, "--out", folder.File("o")));

        File.Delete(Path.Combine(model, ModelFolder.WeightsFile));
        Assert.EndsWith("the model folder has a plan but no weights; training did not finish; resume it with medvox train --resume", Run(1, "--model", model, "--in", input, "--out", folder.File("o")), StringComparison.Ordinal);
        model = Model(folder, "T2", name: "model2");

        string other = Model(folder, "T2", name: "old");
        File.WriteAllText(Path.Combine(other, ModelFolder.PlanFile), File.ReadAllText(Path.Combine(other, ModelFolder.PlanFile)).Replace(SegmentationPlan.CurrentFormat, "medvox-segmentation-plan/0", StringComparison.Ordinal));
        Assert.Contains("the model was made by another MedVox version", Run(1, "--model", other, "--in", input, "--out", folder.File("o")), StringComparison.Ordinal);

        string twoChannels = Run(1, "--model", model, "--in", folder.File("pair"), "--out", folder.File("o"));
        Assert.Contains("two_0000.nii.gz: the model expects 1 channel(s) (T2), the input has 2", twoChannels, StringComparison.Ordinal);

        string modality = Run(1, "--model", model, "--in", folder.File("ct-series"), "--out", folder.File("o"));
        Assert.Contains("the model's channel \"T2\" was trained on MR, the input is CT (field Modality)", modality, StringComparison.Ordinal);

        File.WriteAllText(folder.File("blocker"), "a file where the output folder should be");
        Assert.Equal($"error: {folder.File("blocker")}: cannot write to the output folder (field --out); choose a folder you can write to", Run(1, "--model", model, "--in", input, "--out", folder.File("blocker")));

        string budget = Run(1, "--model", model, "--in", input, "--out", folder.File("o"), "--memory", "64KB");
        Assert.Contains("the memory budget 64 KiB is too small for one window of 8x16x16", budget, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.File("o/scan.nii.gz")));

        Assert.Contains("'2/2' is not a shard", Run(1, "--model", model, "--in", input, "--out", folder.File("o"), "--shard", "2/2"), StringComparison.Ordinal);
        Assert.Contains("'lots' is not a memory size", Run(2, "--model", model, "--in", input, "--out", folder.File("o"), "--memory", "lots"), StringComparison.Ordinal);
    }

    /// <summary>A model folder: a small 3D plan (patch 8 x 16 x 16, three classes) and weights drawn from a fixed seed.</summary>
    private static string Model(TempFolder folder, string channel, string name = "model")
    {
        var normalization = channel == "CT"
            ? new ChannelNormalization { Scheme = NormalizationScheme.CT, ClipLow = -1000, ClipHigh = 400, Mean = 20, StandardDeviation = 150 }
            : ChannelNormalization.ZScore;
        var plan = new SegmentationPlan
        {
            DatasetName = "test",
            Labels = new Dictionary<string, int> { ["background"] = 0, ["a"] = 1, ["b"] = 2 },
            Channels = [channel],
            Preprocessing = new PreprocessingPlan { TargetSpacing = [1.0, 1.0, 1.5], Normalization = [normalization], LabelValues = [0, 1, 2], Crop = CropMode.None },
            PatchSize = [8, 16, 16],
            Network = UNetConfig.ForPatch([8, 16, 16], [1.5, 1.0, 1.0], 1, 3, baseFeatures: 4, maxFeatures: 16, maxStages: 3),
        };
        manual_seed(5);
        using var net = new UNet(plan.Network);
        string path = folder.File(name);
        ModelFolder.Save(path, plan, net.state_dict());
        return path;
    }

    private static string Dataset(TempFolder folder, int cases)
    {
        var dataset = DecathlonDataset.Create(folder.File("dataset"), new DatasetDescription
        {
            Name = "shards",
            ChannelNames = ["T2"],
            Labels = [new DatasetLabel("background", 0), new DatasetLabel("a", 1), new DatasetLabel("b", 2)],
        });
        for (int i = 0; i < cases; i++)
        {
            using var image = Volume(Oblique(18 + i, 16, 6 + (i % 3), 0.9, 0.9, 2.0), seed: 10 + i);
            dataset.WriteTestCase($"case_{i:D3}", [image]);
        }

        return dataset.Directory;
    }

    /// <summary>An oblique, anisotropic 30 x 26 x 9 scan written as scan_0000.nii.gz.</summary>
    private static string ObliqueScan(TempFolder folder, int seed)
    {
        string input = folder.File("scan_0000.nii.gz");
        using var image = Volume(Oblique(30, 26, 9, 0.7, 0.8, 2.5), seed);
        ImageFile.Write(image, input);
        return input;
    }

    private static ImageGeometry Oblique(int x, int y, int z, double sx, double sy, double sz)
    {
        double c = Math.Cos(0.4), s = Math.Sin(0.4);
        var direction = Matrix3D.FromColumns(new Vector3D(c, s, 0), new Vector3D(-s, c, 0), new Vector3D(0, 0, 1));
        return new ImageGeometry(ImageSize.Of3D(x, y, z), new Vector3D(sx, sy, sz), new Vector3D(-40, 25.5, -12), direction);
    }

    /// <summary>An int16 CT-like volume: a body with two blobs in air, and noise.</summary>
    private static Image Volume(ImageGeometry geometry, int seed)
    {
        var size = geometry.Size;
        var image = Image.Create(geometry, ElementType.Int16);
        var random = new Random(seed);
        for (int z = 0; z < size.Z; z++)
        {
            for (int y = 0; y < size.Y; y++)
            {
                var row = image.GetRow<short>(y, z);
                for (int x = 0; x < size.X; x++)
                {
                    double r = Math.Pow((x - (size.X / 2.0)) / (size.X * 0.4), 2) + Math.Pow((y - (size.Y / 2.0)) / (size.Y * 0.4), 2);
                    double v = r < 1 ? 40 + (30 * Math.Sin(x / 2.0)) + (x < size.X / 2 ? 200 : -80) : -1000;
                    row[x] = (short)(v + (random.NextDouble() * 20));
                }
            }
        }

        return image;
    }
}
