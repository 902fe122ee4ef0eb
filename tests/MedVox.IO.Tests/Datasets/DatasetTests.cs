using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.IO.Datasets;
using MedVox.Testing;

namespace MedVox.IO.Tests.Datasets;

public class DatasetTests
{
    public DatasetTests() => TestImageFormat.EnsureRegistered();

    [Fact]
    public void DescriptionRoundTripsThroughDatasetJson()
    {
        using var folder = TestData.CreateTempFolder();
        var description = new DatasetDescription
        {
            Name = "Test",
            ChannelNames = ["T2", "ADC"],
            Labels = [new DatasetLabel("background", 0), new DatasetLabel("zone", 1), new DatasetLabel("whole", [1, 2])],
            NumTraining = 7,
            FileEnding = ".mha",
            Extra = new Dictionary<string, System.Text.Json.Nodes.JsonNode?> { ["licence"] = "CC-BY-SA 4.0" },
        };
        string path = folder.File("dataset.json");
        description.Save(path);

        var read = DatasetDescription.Load(path);

        Assert.Equal(["T2", "ADC"], read.ChannelNames);
        Assert.Equal(3, read.Labels.Count);
        Assert.Equal([1, 2], read.Labels[2].Values);
        Assert.Equal(new HashSet<int> { 0, 1, 2 }, read.DeclaredValues);
        Assert.Equal(7, read.NumTraining);
        Assert.Equal(".mha", read.FileEnding);
        Assert.Equal("CC-BY-SA 4.0", read.Extra["licence"]!.ToString());
        string text = File.ReadAllText(path);
        Assert.Contains("\"channel_names\"", text, StringComparison.Ordinal);
        Assert.Contains("\"file_ending\": \".mha\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadsTheDecathlonsOwnDatasetJsonWithFileLists()
    {
        // As in the Medical Segmentation Decathlon's Task02_Heart: modality, labels value -> name, training/test lists.
        using var folder = TestData.CreateTempFolder();
        File.WriteAllText(folder.File("dataset.json"), """
            {
              "name": "LeftAtrium", "tensorImageSize": "3D",
              "modality": { "0": "MRI" },
              "labels": { "0": "background", "1": "left atrium" },
              "numTraining": 2, "numTest": 1,
              "training": [ {"image":"./imagesTr/la_007.nii.gz","label":"./labelsTr/la_007.nii.gz"},
                            {"image":"./imagesTr/la_019.nii.gz","label":"./labelsTr/la_019.nii.gz"} ],
              "test": [ "./imagesTs/la_001.nii.gz" ]
            }
            """);

        var dataset = DecathlonDataset.Read(folder.Path);

        Assert.True(dataset.Description.ListsFiles);
        Assert.Equal(["MRI"], dataset.Description.ChannelNames);
        Assert.Equal("left atrium", dataset.Description.Labels[1].Name);
        Assert.Equal([1], dataset.Description.Labels[1].Values);
        Assert.Equal(["la_007", "la_019"], dataset.TrainingCases.Select(c => c.Id));
        Assert.Equal(Path.Combine(folder.Path, "imagesTr", "la_007.nii.gz"), dataset.TrainingCases[0].ImagePaths.Single());
        Assert.Equal(Path.Combine(folder.Path, "labelsTr", "la_019.nii.gz"), dataset.TrainingCases[1].LabelPath);
        Assert.Equal("la_001", dataset.TestCases.Single().Id);
        Assert.Equal("3D", dataset.Description.Extra["tensorImageSize"]!.ToString());
    }

    [Fact]
    public void CreatedDatasetListsCasesByNamingConventionAndChecksClean()
    {
        using var folder = TestData.CreateTempFolder();
        var dataset = CreateDataset(folder.Path, channels: 2);
        WriteCase(dataset, "case_a", Geometry());
        WriteCase(dataset, "case_b", Geometry());
        using (var test = Image.Create(Geometry(), ElementType.Int16))
        {
            dataset.WriteTestCase("case_t", [test, test]);
        }

        var read = DecathlonDataset.Read(folder.Path);
        Assert.Equal(2, read.Description.NumTraining);
        Assert.Equal(["case_a", "case_b"], read.TrainingCases.Select(c => c.Id));
        Assert.Equal(Path.Combine(read.Directory, "imagesTr", "case_b_0001.mvt"), read.TrainingCases[1].ImagePaths[1]);
        Assert.Equal(Path.Combine(read.Directory, "labelsTr", "case_a.mvt"), read.TrainingCases[0].LabelPath);
        Assert.Equal("case_t", read.TestCases.Single().Id);

        var report = DatasetChecker.Check(folder.Path, cancellation: TestContext.Current.CancellationToken);
        Assert.True(report.IsValid, string.Join("\n", report.Problems));
        Assert.Equal(3, report.CaseCount);
    }

    [Fact]
    public void CheckerListsEveryProblemWithItsCase()
    {
        using var folder = TestData.CreateTempFolder();
        var dataset = CreateDataset(folder.Path, channels: 2);
        WriteCase(dataset, "good", Geometry());
        WriteCase(dataset, "nolabel", Geometry());
        WriteCase(dataset, "nochannel", Geometry());
        WriteCase(dataset, "shifted", Geometry(), labelGeometry: Geometry().WithOrigin(new Vector3D(10.001, -20, 5)));
        WriteCase(dataset, "tiny_shift", Geometry(), labelGeometry: Geometry().WithOrigin(new Vector3D(10.00005, -20, 5)));
        WriteCase(dataset, "resized", Geometry(), labelGeometry: Geometry().WithSize(ImageSize.Of3D(6, 5, 4)));
        WriteCase(dataset, "badvalue", Geometry(), labelValue: 7);
        WriteCase(dataset, "garbage", Geometry());
        WriteCase(dataset, "orphan", Geometry());
        File.Delete(dataset.LabelPath("nolabel"));
        File.Delete(dataset.ImagePath("nochannel", 1));
        File.WriteAllBytes(dataset.ImagePath("garbage", 0), [1, 2, 3]);
        File.Delete(dataset.ImagePath("orphan", 0));
        File.Delete(dataset.ImagePath("orphan", 1));
        File.WriteAllBytes(Path.Combine(folder.Path, "imagesTr", "stray.mvt"), [0]);

        var report = DatasetChecker.Check(folder.Path, cancellation: TestContext.Current.CancellationToken);

        Assert.False(report.IsValid);
        void Has(DatasetProblemKind kind, string? caseId) =>
            Assert.Contains(report.Problems, p => p.Kind == kind && p.CaseId == caseId);
        Has(DatasetProblemKind.MissingLabel, "nolabel");
        Has(DatasetProblemKind.MissingChannel, "nochannel");
        Has(DatasetProblemKind.GeometryMismatch, "shifted");
        Has(DatasetProblemKind.GeometryMismatch, "resized");
        Has(DatasetProblemKind.UndeclaredLabelValue, "badvalue");
        Has(DatasetProblemKind.UnreadableFile, "garbage");
        Has(DatasetProblemKind.LabelWithoutImage, "orphan");
        Has(DatasetProblemKind.UnexpectedFile, null);
        Assert.DoesNotContain(report.Problems, p => p.CaseId is "good" or "tiny_shift");
        Assert.Contains("7", report.Problems.Single(p => p.CaseId == "badvalue").Message, StringComparison.Ordinal);
        Assert.Contains("origin", report.Problems.Single(p => p.CaseId == "shifted").Message, StringComparison.Ordinal);
        Assert.Contains("case nolabel: label is missing", report.Problems.Single(p => p.CaseId == "nolabel").ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void CheckerReportsCountMismatchAndBadJson()
    {
        using var folder = TestData.CreateTempFolder();
        var dataset = CreateDataset(folder.Path, channels: 1);
        WriteCase(dataset, "a", Geometry());
        (dataset.Description with { NumTraining = 5 }).Save(folder.File("dataset.json"));
        Assert.Contains(DatasetChecker.Check(folder.Path, cancellation: TestContext.Current.CancellationToken).Problems, p => p.Kind == DatasetProblemKind.CountMismatch);

        File.WriteAllText(folder.File("dataset.json"), "{ \"labels\": { \"background\": 0 }, ");
        var report = DatasetChecker.Check(folder.Path, cancellation: TestContext.Current.CancellationToken);
        Assert.Equal(DatasetProblemKind.InvalidDescription, report.Problems.Single().Kind);

        File.WriteAllText(folder.File("dataset.json"), "{ \"channel_names\": {\"0\": \"CT\"}, \"labels\": { \"liver\": \"one\" } }");
        Assert.Contains("liver", DatasetChecker.Check(folder.Path, cancellation: TestContext.Current.CancellationToken).Problems.Single().Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClassificationFolderIsReadAndChecked()
    {
        using var folder = TestData.CreateTempFolder();
        Directory.CreateDirectory(folder.File("images"));
        using (var image = Image.Create(Geometry(), ElementType.Int16))
        {
            ImageFile.Write(image, folder.File("images/a.mvt"));
        }

        ClassificationDataset.Write(folder.Path, [new("images/a.mvt", 1), new("images/missing.mvt", 0)]);
        var read = ClassificationDataset.Read(folder.Path);
        Assert.Equal([new ClassificationEntry("images/a.mvt", 1), new ClassificationEntry("images/missing.mvt", 0)], read.Entries);

        var report = DatasetChecker.Check(folder.Path, cancellation: TestContext.Current.CancellationToken);
        Assert.Equal("images/missing.mvt", report.Problems.Single().CaseId);
        Assert.Equal(DatasetProblemKind.MissingChannel, report.Problems.Single().Kind);

        File.WriteAllText(folder.File("labels.csv"), "image,label\nimages/a.mvt,yes\n");
        var bad = Assert.Throws<MedVoxException>(() => ClassificationDataset.Read(folder.Path));
        Assert.Equal("line 2", bad.Field);
    }

    [Fact]
    public void CheckingAFolderThatIsNoDatasetFailsWithOneLine()
    {
        using var folder = TestData.CreateTempFolder();
        var error = Assert.Throws<MedVoxException>(() => DatasetChecker.Check(folder.Path, cancellation: TestContext.Current.CancellationToken));
        Assert.Contains("neither dataset.json nor labels.csv", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    private static ImageGeometry Geometry() =>
        new(ImageSize.Of3D(5, 5, 4), new Vector3D(0.8, 0.8, 2.5), new Vector3D(10, -20, 5), Matrix3D.Identity);

    private static DecathlonDataset CreateDataset(string directory, int channels) => DecathlonDataset.Create(directory, new DatasetDescription
    {
        Name = "Broken",
        ChannelNames = [.. Enumerable.Range(0, channels).Select(c => $"c{c}")],
        Labels = [new DatasetLabel("background", 0), new DatasetLabel("organ", 1)],
        FileEnding = TestImageFormat.Ending,
    });

    private static void WriteCase(DecathlonDataset dataset, string id, ImageGeometry geometry, ImageGeometry? labelGeometry = null, byte labelValue = 1)
    {
        var channels = new List<Image>();
        for (int c = 0; c < dataset.Description.ChannelNames.Count; c++)
        {
            channels.Add(Image.Create(geometry, ElementType.Int16));
        }

        using var label = Image.Create(labelGeometry ?? geometry, ElementType.UInt8);
        label.SetValue(1, 1, 1, labelValue);
        dataset.WriteTrainingCase(id, channels, label);
        foreach (var channel in channels)
        {
            channel.Dispose();
        }
    }
}
