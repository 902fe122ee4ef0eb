using System.Text.Json;
using MedVox.Evaluation.Segmentation;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Evaluation.Tests.Segmentation;

public class LabelMapTests
{
    private static readonly ImageGeometry Geometry = Masks.Geometry(ImageSize.Of3D(12, 10, 8), new Vector3D(0.8, 0.8, 2));

    private static readonly LabelSet LiverAndTumour = LabelSet.FromValues([new("background", 0), new("liver", 1), new("tumour", 2)]);

    [Fact]
    public void EachDeclaredLabelIsComparedOnItsOwn()
    {
        // Reference: liver = x 1..8 (except the tumour), tumour = x 3..4; prediction: tumour grown to x 3..5.
        // Liver: reference 6 columns, prediction 5 → Dice = 2·5 / 11 per (y, z) line. Tumour: 2 vs 3 → Dice = 4/5.
        static int Reference(int x, int y, int z) => x is >= 3 and <= 4 ? 2 : x is >= 1 and <= 8 ? 1 : 0;
        static int Prediction(int x, int y, int z) => x is >= 3 and <= 5 ? 2 : x is >= 1 and <= 8 ? 1 : 0;
        using var reference = Masks.Create(Geometry, Reference, ElementType.Int16);
        using var prediction = Masks.Create(Geometry, Prediction, ElementType.UInt16);

        var result = SegmentationEvaluator.EvaluateCase("case_1", prediction, reference, LiverAndTumour);
        Assert.True(result.IsEvaluated);
        Assert.Equal(["liver", "tumour"], result.Labels.Select(l => l.Label.Name));
        Assert.Equal(10.0 / 11, result["liver"]!.Dice, 15);
        Assert.Equal(0.8, result["tumour"]!.Dice, 15);
        Assert.Equal(80 * 0.8 * 0.8 * 2, result["tumour"]!.VolumeDifference, 9); // one extra column of 10·8 voxels
        Assert.Equal(0.5, result["tumour"]!.RelativeVolumeDifference, 15);
    }

    [Fact]
    public void RegionLabelsJoinValues()
    {
        // nnU-Net style region "whole" = {1, 2}: the liver/tumour split no longer matters, both are x 1..8.
        var labels = new LabelSet([new LabelDefinition("background", 0), new LabelDefinition("whole", [1, 2]), new LabelDefinition("tumour", 2)]);
        using var reference = Masks.Create(Geometry, (x, _, _) => x is >= 3 and <= 4 ? 2 : x is >= 1 and <= 8 ? 1 : 0);
        using var prediction = Masks.Create(Geometry, (x, _, _) => x is >= 3 and <= 5 ? 2 : x is >= 1 and <= 8 ? 1 : 0);
        var result = SegmentationEvaluator.EvaluateCase("case_1", prediction, reference, labels);
        Assert.Equal(1.0, result["whole"]!.Dice);
        Assert.Equal(0.0, result["whole"]!.HausdorffDistance);
        Assert.Equal(0.8, result["tumour"]!.Dice, 15);
    }

    [Fact]
    public void UndeclaredValuesAreAProblemOfTheCase()
    {
        using var reference = Masks.Create(Geometry, (x, _, _) => x == 1 ? 1 : 0);
        using var prediction = Masks.Create(Geometry, (x, y, z) => x == 1 ? 1 : x == 2 && y == 0 ? 7 : x == 3 && y == 0 && z == 0 ? 9 : 0);
        var result = SegmentationEvaluator.EvaluateCase("case_7", prediction, reference, LiverAndTumour);
        Assert.False(result.IsEvaluated);
        Assert.Empty(result.Labels);
        string problem = Assert.Single(result.Problems);
        Assert.Equal("prediction has label values not declared in the label set: 7 (8 voxels), 9 (1 voxel)", problem);
    }

    [Fact]
    public void NonIntegerValuesAreAProblem()
    {
        var image = Image.Create(Geometry, ElementType.Float32);
        image.SetValue(3, 3, 3, 1.0);
        image.AsSpan<float>()[5] = 1.5f;
        using var prediction = image;
        using var reference = Masks.Create(Geometry, (_, _, _) => 0, ElementType.Float32);
        var result = SegmentationEvaluator.EvaluateCase("c", prediction, reference, LiverAndTumour);
        Assert.Contains("prediction has 1 voxel with non-integer values (first 1.5)", Assert.Single(result.Problems));
    }

    [Fact]
    public void FloatLabelMapsWithIntegerValuesAreFine()
    {
        using var prediction = Masks.Create(Geometry, (x, _, _) => x == 1 ? 2 : 0, ElementType.Float64);
        using var reference = Masks.Create(Geometry, (x, _, _) => x == 1 ? 2 : 0, ElementType.UInt8);
        var result = SegmentationEvaluator.EvaluateCase("c", prediction, reference, LiverAndTumour);
        Assert.Equal(1.0, result["tumour"]!.Dice);
        Assert.True(double.IsNaN(result["liver"]!.Dice));
    }

    [Theory]
    [InlineData("size")]
    [InlineData("spacing")]
    [InlineData("origin")]
    [InlineData("direction")]
    public void GeometryMismatchIsAProblem(string field)
    {
        var other = field switch
        {
            "size" => Geometry.WithSize(ImageSize.Of3D(12, 10, 9)),
            "spacing" => Geometry.WithSpacing(new Vector3D(0.8, 0.8, 2.001)),
            "origin" => Geometry.WithOrigin(Geometry.Origin + new Vector3D(0, 0.0002, 0)),
            _ => Geometry.WithDirection(Matrix3D.FromColumns(new Vector3D(-1, 0, 0), new Vector3D(0, 1, 0), new Vector3D(0, 0, -1))),
        };
        using var prediction = Masks.Create(other, (_, _, _) => 1);
        using var reference = Masks.Create(Geometry, (_, _, _) => 1);
        var result = SegmentationEvaluator.EvaluateCase("c", prediction, reference, LiverAndTumour);
        string problem = Assert.Single(result.Problems);
        Assert.StartsWith($"prediction and reference geometry differ: {field} ", problem);
        Assert.EndsWith("resample the prediction onto the reference grid", problem);
    }

    [Fact]
    public void GeometryWithinToleranceIsAccepted()
    {
        var shifted = Geometry.WithOrigin(Geometry.Origin + new Vector3D(0.00005, 0, 0));
        using var prediction = Masks.Create(shifted, (x, _, _) => x == 1 ? 1 : 0);
        using var reference = Masks.Create(Geometry, (x, _, _) => x == 1 ? 1 : 0);
        Assert.True(SegmentationEvaluator.EvaluateCase("c", prediction, reference, LiverAndTumour).IsEvaluated);
    }

    [Fact]
    public void MultiChannelImagesAreRejected()
    {
        using var prediction = Image.Create(Geometry, ElementType.UInt8, channels: 3);
        using var reference = Masks.Create(Geometry, (_, _, _) => 0);
        var result = SegmentationEvaluator.EvaluateCase("c", prediction, reference, LiverAndTumour);
        Assert.Equal("prediction has 3 channels; a label map has one", Assert.Single(result.Problems));
    }

    [Fact]
    public void CroppedViewsEvaluateLikeCopies()
    {
        // A crop is a view whose rows are not packed; results must equal those of contiguous copies.
        using var reference = Masks.Create(Geometry, (x, y, z) => x is >= 2 and <= 8 && y is >= 1 and <= 6 && z >= 2 ? 1 : 0);
        using var prediction = Masks.Create(Geometry, (x, y, z) => x is >= 3 and <= 9 && y is >= 2 and <= 7 && z >= 1 ? 1 : 0);
        var start = new Index3(1, 1, 1);
        var size = ImageSize.Of3D(10, 8, 6);
        using var referenceView = reference.Crop(start, size);
        using var predictionView = prediction.Crop(start, size);
        using var referenceCopy = referenceView.Clone();
        using var predictionCopy = predictionView.Clone();
        Assert.False(referenceView.IsContiguous);
        Assert.Equal(
            SegmentationEvaluator.CompareMasks(predictionCopy, referenceCopy),
            SegmentationEvaluator.CompareMasks(predictionView, referenceView));
    }

    [Fact]
    public void CompareMasksThrowsOnMismatch()
    {
        using var prediction = Masks.Create(Geometry.WithSize(ImageSize.Of3D(5, 5, 5)), (_, _, _) => 1);
        using var reference = Masks.Create(Geometry, (_, _, _) => 1);
        var error = Assert.Throws<ArgumentException>(() => SegmentationEvaluator.CompareMasks(prediction, reference));
        Assert.Contains("size 5x5x5 vs 12x10x8", error.Message);
    }

    [Fact]
    public void BinaryLabelSetTakesAnyNonZeroValue()
    {
        using var prediction = Masks.Create(Geometry, (x, _, _) => x == 1 ? 255 : 0);
        using var reference = Masks.Create(Geometry, (x, _, _) => x == 1 ? 1 : 0);
        Assert.Equal(1.0, SegmentationEvaluator.CompareMasks(prediction, reference).Dice);
    }

    [Fact]
    public void ParsesNnUNetDatasetJson()
    {
        using var document = JsonDocument.Parse("""{"background": 0, "liver": 1, "tumour": 2, "whole": [1, 2]}""");
        var labels = LabelSet.Parse(document.RootElement);
        Assert.Equal(["background", "liver", "tumour", "whole"], labels.Select(l => l.Name));
        Assert.Equal(["liver", "tumour", "whole"], labels.Evaluated.Select(l => l.Name));
        Assert.Equal([1L, 2L], labels[3].Values);
        Assert.Equal([0L, 1L, 2L], labels.DeclaredValues);
    }

    [Fact]
    public void ParsesDecathlonDatasetJson()
    {
        using var folder = MedVox.Testing.TestData.CreateTempFolder();
        string path = folder.File("dataset.json");
        File.WriteAllText(path, """{"name": "Task03_Liver", "labels": {"0": "background", "1": "liver", "2": "cancer"}}""");
        var labels = LabelSet.FromDatasetJson(path);
        Assert.Equal(["liver", "cancer"], labels.Evaluated.Select(l => l.Name));
        Assert.Equal([2L], labels.Evaluated[1].Values);
    }

    [Theory]
    [InlineData("""{"name": "x"}""", "has no \"labels\" object (field labels)")]
    [InlineData("""{"labels": {"background": 0}}""", "The label set declares no foreground label to evaluate. (field labels)")]
    [InlineData("""{"labels": {"liver": "one"}}""", "label \"liver\" has value \"one\", not an integer or a list of integers (field labels)")]
    [InlineData("""{"labels": {"liver": [1.5]}}""", "label \"liver\" has a non-integer value 1.5 (field labels)")]
    [InlineData("""{"labels": {"liver": 1,""", "is not valid JSON")]
    public void BadDatasetJsonGivesOneLineError(string json, string expected)
    {
        using var folder = MedVox.Testing.TestData.CreateTempFolder();
        string path = folder.File("dataset.json");
        File.WriteAllText(path, json);
        var error = Assert.Throws<MedVoxException>(() => LabelSet.FromDatasetJson(path));
        Assert.StartsWith($"{path}: ", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain("\n", error.Message);
    }

    [Fact]
    public void OnlyEvaluatesTheNamedLabelsWhileTheOthersStayDeclared()
    {
        var all = LabelSet.FromValues([new("background", 0), new("liver", 1), new("muscle", 2)]);
        var geometry = new ImageGeometry(ImageSize.Of3D(6, 6, 6));
        using var reference = Masks.Create(geometry, (x, _, _) => x < 2 ? 1 : x < 4 ? 2 : 0);
        using var prediction = Masks.Create(geometry, (x, _, _) => x < 2 ? 1 : 0);

        var result = SegmentationEvaluator.EvaluateCase("c", prediction, reference, all.Only(["liver"]));

        Assert.True(result.IsEvaluated, string.Join("; ", result.Problems));
        var label = Assert.Single(result.Labels);
        Assert.Equal("liver", label.Label.Name);
        Assert.Equal(1.0, label.Metrics.Dice);
        Assert.Throws<MedVoxException>(() => all.Only(["kidney"]));
    }
}
