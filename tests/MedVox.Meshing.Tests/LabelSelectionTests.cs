using MedVox.Imaging;
using MedVox.IO.Datasets;
using MedVox.Testing;

namespace MedVox.Meshing.Tests;

public class LabelSelectionTests
{
    private static readonly MeshLabel[] Declared = [new("liver", 1), new("spleen", 2), new("tumour", 9)];

    [Fact]
    public void AllTakesDeclaredLabelsAndNamesTheRestByValue()
    {
        var inventory = Inventory(1, 2, 5);
        var selected = LabelSelection.Resolve(null, Declared, inventory);
        Assert.Equal(["liver", "spleen", "tumour", "label_5"], selected.Select(l => l.Name));
        Assert.Equal(selected.Select(l => l.Name), LabelSelection.Resolve("all", Declared, inventory).Select(l => l.Name));
    }

    [Fact]
    public void NamesValuesAndPairsSelect()
    {
        var inventory = Inventory(1, 2, 5);
        Assert.Equal(["spleen", "liver"], LabelSelection.Resolve("spleen, LIVER", Declared, inventory).Select(l => l.Name));
        Assert.Equal(["liver", "label_5"], LabelSelection.Resolve("1,5", Declared, inventory).Select(l => l.Name));
        // Pairs alone are the selection; they rename values too.
        var pairs = LabelSelection.Resolve("kidney=5,organ=1", Declared, inventory);
        Assert.Equal(["kidney", "organ"], pairs.Select(l => l.Name));
        Assert.Equal([5L], pairs[0].Values);
        // Pairs with names select among all definitions.
        Assert.Equal(["kidney"], LabelSelection.Resolve("kidney=5,kidney", [], inventory).Select(l => l.Name));
        Assert.Equal(["liver", "spleen", "tumour", "kidney"], LabelSelection.Resolve("all,kidney=5", Declared, inventory).Select(l => l.Name));
    }

    [Fact]
    public void UnknownNamesAndAbsentValuesAreRefused()
    {
        var inventory = Inventory(1, 2);
        var error = Assert.Throws<MedVoxException>(() => LabelSelection.Resolve("livr", Declared, inventory, "seg.nii.gz"));
        Assert.Equal("seg.nii.gz: no label is named 'livr' (field --labels); known names: liver, spleen, tumour", error.Message);
        error = Assert.Throws<MedVoxException>(() => LabelSelection.Resolve("7", Declared, inventory, "seg.nii.gz"));
        Assert.Equal("seg.nii.gz: label 7 does not occur in the label map (values present: 1, 2) (field --labels); choose values that occur, or names from the dataset.json", error.Message);
        Assert.Contains("background", Assert.Throws<MedVoxException>(() => LabelSelection.Resolve("0", Declared, inventory)).Message, StringComparison.Ordinal);
        Assert.Contains("name=value", Assert.Throws<MedVoxException>(() => LabelSelection.Resolve("liver=x", Declared, inventory)).Message, StringComparison.Ordinal);
        // A declared label that is absent is not an error: it is meshed as empty (and reported).
        Assert.Equal(["tumour"], LabelSelection.Resolve("tumour", Declared, inventory).Select(l => l.Name));
    }

    [Fact]
    public void DatasetJsonIsFoundBesideTheMapOrOneFolderUp()
    {
        using var folder = TestData.CreateTempFolder();
        Directory.CreateDirectory(folder.File("labelsTr"));
        new DatasetDescription
        {
            ChannelNames = ["CT"],
            Labels = [new DatasetLabel("background", 0), new DatasetLabel("liver", 1), new DatasetLabel("vessels", [2, 3])],
        }.Save(folder.File("dataset.json"));

        var (labels, source) = LabelSelection.DeclaredLabels(folder.File("labelsTr/case_000.nii.gz"));
        Assert.Equal(Path.GetFullPath(folder.File("dataset.json")), source);
        Assert.Equal(["liver", "vessels"], labels.Select(l => l.Name));
        Assert.Equal([2L, 3L], labels[1].Values);

        var (none, noSource) = LabelSelection.DeclaredLabels(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "x", "seg.nii.gz"));
        Assert.Empty(none);
        Assert.Null(noSource);
    }

    private static LabelInventory Inventory(params int[] values)
    {
        using var image = Image.Create(new Geometry.ImageGeometry(ImageSize.Of3D(8, 2, 2)), ElementType.UInt8);
        for (int i = 0; i < values.Length; i++)
        {
            image.SetValue(i, 0, 0, values[i]);
        }

        return LabelInventory.Scan(image);
    }
}
