using MedVox.IO.Datasets;
using MedVox.IO.Tests.Datasets;
using MedVox.Testing;

namespace MedVox.Synthetic.Tests;

public class PhantomDatasetTests
{
    public PhantomDatasetTests() => TestImageFormat.EnsureRegistered();

    [Theory]
    [InlineData(PhantomKind.Abdomen, 24)]
    [InlineData(PhantomKind.Colon, 24)]
    [InlineData(PhantomKind.XRay, 48)]
    [InlineData(PhantomKind.Fundus, 64)]
    [InlineData(PhantomKind.Head, 48)]
    public void DatasetsAreWrittenInTheLayoutCheckCleanAndRepeatByteForByte(PhantomKind kind, int size)
    {
        using var first = TestData.CreateTempFolder();
        using var second = TestData.CreateTempFolder();
        var options = new PhantomOptions { Cases = 2, Size = size, Seed = 9, FileEnding = TestImageFormat.Ending };
        var ct = TestContext.Current.CancellationToken;
        var result = PhantomDatasets.Generate(kind, first.Path, options, cancellation: ct);
        PhantomDatasets.Generate(kind, second.Path, options, cancellation: ct);

        var report = DatasetChecker.Check(first.Path, cancellation: ct);
        Assert.True(report.IsValid, string.Join("\n", report.Problems));
        Assert.Equal(2, report.CaseCount);
        foreach (var file in result.Files)
        {
            Assert.True(File.Exists(file), file);
            string twin = Path.Combine(second.Path, Path.GetRelativePath(first.Path, file));
            Assert.True(File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(twin)), $"{file} differs between two runs");
        }

        if (kind == PhantomKind.Head)
        {
            Assert.Equal(2, ClassificationDataset.Read(first.Path).Entries.Count);
        }
        else
        {
            var dataset = DecathlonDataset.Read(first.Path);
            Assert.Equal(2, dataset.Description.NumTraining);
            Assert.Equal(PhantomDatasets.LabelNames(kind).Count, dataset.Description.Labels.Count);
            Assert.Equal($"{PhantomDatasets.KindName(kind)}_001", dataset.TrainingCases[1].Id);
        }
    }

    [Fact]
    public void AbdomenDatasetInNiftiRepeatsByteForByteAndKeepsItsGeometry()
    {
        using var first = TestData.CreateTempFolder();
        using var second = TestData.CreateTempFolder();
        var ct = TestContext.Current.CancellationToken;
        var options = new PhantomOptions { Cases = 1, Seed = 3, Abdomen = new Abdomen.AbdomenOptions { Size = 40, Slices = 20, Spacing = 0.9, SliceSpacing = 2.5 } };
        var result = PhantomDatasets.Generate(PhantomKind.Abdomen, first.Path, options, cancellation: ct);
        PhantomDatasets.Generate(PhantomKind.Abdomen, second.Path, options, cancellation: ct);
        foreach (var file in result.Files)
        {
            string twin = Path.Combine(second.Path, Path.GetRelativePath(first.Path, file));
            Assert.True(File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(twin)), $"{file} differs between two runs");
        }

        var dataset = DecathlonDataset.Read(first.Path);
        var header = IO.ImageFile.ReadHeader(dataset.TrainingCases[0].ImagePaths[0]);
        Assert.EndsWith("abdomen_000_0000.nii.gz", header.Path, StringComparison.Ordinal);
        Assert.Equal(0.9, header.Geometry.Spacing.X, 5);
        Assert.Equal(2.5, header.Geometry.Spacing.Z, 5);
        Assert.Equal(-19.5 * 0.9, header.Geometry.Origin.X, 4);
        Assert.Equal(-15 - (9.5 * 2.5), header.Geometry.Origin.Z, 4);
        Assert.True(DatasetChecker.Check(first.Path, cancellation: ct).IsValid);
    }

    [Fact]
    public void UnknownKindAndEndingFailWithOneLine()
    {
        Assert.Equal(PhantomKind.XRay, PhantomDatasets.ParseKind("X-Ray"));
        var kind = Assert.Throws<MedVoxException>(() => PhantomDatasets.ParseKind("brain"));
        Assert.Contains("abdomen, head, colon, xray or fundus", kind.Message, StringComparison.Ordinal);
        using var folder = TestData.CreateTempFolder();
        Assert.Throws<UnsupportedFormatException>(() => PhantomDatasets.Generate(PhantomKind.Fundus, folder.Path, new PhantomOptions { FileEnding = ".xyz" }, cancellation: TestContext.Current.CancellationToken));
    }
}
