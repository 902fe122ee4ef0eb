using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.IO.Datasets;
using MedVox.Learning.Inference;
using MedVox.Testing;

namespace MedVox.Learning.Tests.Inference;

public class PredictionCasesTests
{
    [Fact]
    public void FoldersGroupChannelFilesIntoCasesAndFileNamesGiveIds()
    {
        using var folder = TestData.CreateTempFolder();
        Directory.CreateDirectory(folder.File("images"));
        foreach (string name in new[] { "b_0001.nii.gz", "b_0000.nii.gz", "a_0000.nii.gz", "c.nrrd", "notes.txt" })
        {
            Touch(folder.File("images/" + name));
        }

        var cases = PredictionCases.Resolve(folder.File("images"));

        Assert.Equal(["a", "b", "c"], cases.Select(c => c.Id));
        Assert.Equal([folder.File("images/b_0000.nii.gz"), folder.File("images/b_0001.nii.gz")], cases[1].Inputs);
        Assert.Equal("scan", PredictionCases.IdOf("/x/scan.nii.gz"));
        Assert.Equal("scan", PredictionCases.IdOf("/x/scan_0002.mha"));
        Assert.Equal("scan_01", PredictionCases.IdOf("/x/scan_01.nhdr"));
    }

    [Fact]
    public void DatasetsManifestsAndDicomFoldersAreCases()
    {
        using var folder = TestData.CreateTempFolder();
        var dataset = DecathlonDataset.Create(folder.File("ds"), new DatasetDescription { Name = "ds", ChannelNames = ["CT"], Labels = [new DatasetLabel("background", 0), new DatasetLabel("x", 1)] });
        using (var image = Image.Create(new ImageGeometry(ImageSize.Of3D(4, 4, 2)), ElementType.Int16))
        {
            dataset.WriteTestCase("t1", [image]);
            dataset.WriteTestCase("t0", [image]);
        }

        Assert.Equal(["t0", "t1"], PredictionCases.Resolve(folder.File("ds")).Select(c => c.Id));

        Directory.CreateDirectory(folder.File("m/sub"));
        Touch(folder.File("m/sub/p_0000.nii"));
        Touch(folder.File("m/sub/p_0001.nii"));
        Touch(folder.File("m/q.mha"));
        File.WriteAllText(folder.File("m/list.txt"), "# two cases\nsub/p_0000.nii\tsub/p_0001.nii\n\nq.mha  # comment\n");
        var manifest = PredictionCases.Resolve(folder.File("m/list.txt"));
        Assert.Equal(["p", "q"], manifest.Select(c => c.Id));
        Assert.Equal(2, manifest[0].Inputs.Count);

        File.WriteAllText(folder.File("m/bad.txt"), "q.mha\nmissing.nii\n");
        Assert.Equal($"{folder.File("m/bad.txt")}: line 2 names missing.nii, which does not exist; paths in a manifest are relative to the manifest's folder", Assert.Throws<MedVoxException>(() => PredictionCases.Resolve(folder.File("m/bad.txt"))).Message);

        // A folder without image files is one DICOM series; a folder of such folders is one case per series.
        Directory.CreateDirectory(folder.File("dicom/s1"));
        Directory.CreateDirectory(folder.File("dicom/s2"));
        Touch(folder.File("dicom/s1/IM0001"));
        Touch(folder.File("dicom/s2/IM0001"));
        Assert.Equal(["s1"], PredictionCases.Resolve(folder.File("dicom/s1")).Select(c => c.Id));
        Assert.Equal(["s1", "s2"], PredictionCases.Resolve(folder.File("dicom")).Select(c => c.Id));

        // An empty folder (say, a dataset's imagesTs before any test case) is refused before any work starts.
        Directory.CreateDirectory(folder.File("empty/.cache"));
        Assert.Equal($"{folder.File("empty")}: holds no image to predict; give an image, a DICOM folder, a folder of images, a dataset or a manifest", Assert.Throws<MedVoxException>(() => PredictionCases.Resolve(folder.File("empty"))).Message);

        // So is a folder whose subfolders hold no file (series folders made before the export); an empty subfolder
        // beside series is no case.
        Directory.CreateDirectory(folder.File("unfilled/s1/sub"));
        Directory.CreateDirectory(folder.File("unfilled/s2"));
        Assert.Equal($"{folder.File("unfilled")}: holds no image to predict; give an image, a DICOM folder, a folder of images, a dataset or a manifest", Assert.Throws<MedVoxException>(() => PredictionCases.Resolve(folder.File("unfilled"))).Message);
        Directory.CreateDirectory(folder.File("dicom/s3-empty"));
        Directory.CreateDirectory(folder.File("dicom/s4/1"));
        Touch(folder.File("dicom/s4/1/IM0001"));
        Assert.Equal(["s1", "s2", "s4"], PredictionCases.Resolve(folder.File("dicom")).Select(c => c.Id));
    }

    [Fact]
    public void ShardsPartitionTheSortedCases()
    {
        var cases = Enumerable.Range(0, 11).Select(i => new PredictionCase($"case{(i * 7) % 11:D2}", [$"/x/{i}.nii"])).ToList();

        var shards = Enumerable.Range(0, 3).Select(k => PredictionCases.Shard(cases, k, 3)).ToList();

        var union = shards.SelectMany(s => s.Select(c => c.Id)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(cases.Select(c => c.Id).Order(StringComparer.Ordinal), union);
        Assert.Equal([4, 4, 3], shards.Select(s => s.Count));
        Assert.Equal(["case00", "case03", "case06", "case09"], shards[0].Select(c => c.Id));
        Assert.Equal(shards[1], PredictionCases.Shard(Enumerable.Reverse(cases).ToList(), 1, 3));
        Assert.Equal((2, 5), PredictionCases.ParseShard("2/5"));
        foreach (string bad in new[] { "3/3", "-1/3", "1", "a/b", "1/0" })
        {
            Assert.Contains("is not a shard", Assert.Throws<MedVoxException>(() => PredictionCases.ParseShard(bad)).Message, StringComparison.Ordinal);
        }
    }

    private static void Touch(string path) => File.WriteAllBytes(path, [0]);
}
