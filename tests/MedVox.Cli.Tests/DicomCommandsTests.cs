using MedVox.Dicom.Writing;
using MedVox.Imaging;
using MedVox.IO;
using MedVox.Testing;

namespace MedVox.Cli.Tests;

public class DicomCommandsTests
{
    /// <summary>
    /// A CT-range volume (-1000..1500 HU, which the writer's rescale intercept of -1024 can store) with an oblique,
    /// right-handed geometry (DICOM stacks run along row x column, so that is how a loader returns them).
    /// </summary>
    private static Image Volume()
    {
        var size = ImageSize.Of3D(16, 12, 6);
        var oblique = TestImages.ObliqueGeometry(size);
        var rightHanded = oblique.WithDirection(MedVox.Geometry.Matrix3D.FromColumns(oblique.Direction.Column(0), oblique.Direction.Column(1), -oblique.Direction.Column(2)));
        var volume = Image.Create(rightHanded, ElementType.Int16);
        for (int z = 0; z < size.Z; z++)
        {
            for (int y = 0; y < size.Y; y++)
            {
                for (int x = 0; x < size.X; x++)
                {
                    volume.SetValue(x, y, z, (x * 7) + (y * 31) + (z * 211) - 1000);
                }
            }
        }

        return volume;
    }

    private static string WriteSeries(TempFolder folder)
    {
        using var volume = Volume();
        string dir = folder.File("dicom");
        Directory.CreateDirectory(dir);
        DicomCtWriter.WriteSeries(volume, dir);
        return dir;
    }

    [Fact]
    public void ListShowsTheSeriesAndConvertKeepsPixelsAndGeometry()
    {
        using var folder = TestData.CreateTempFolder();
        string dir = WriteSeries(folder);
        using var expected = Volume();

        var (code, output) = CliRunner.Run("dicom", "ls", dir);
        Assert.True(code == 0, output);
        Assert.Contains("16x12x6", output, StringComparison.Ordinal);
        Assert.Contains("CT", output, StringComparison.Ordinal);

        (code, output) = CliRunner.Run("convert", dir, folder.File("ct.nii.gz"));
        Assert.True(code == 0, output);
        using var converted = ImageFile.Read(folder.File("ct.nii.gz"));
        ImageAssert.SamePixels(expected, converted);
        ImageAssert.SameGeometry(expected, converted, 1e-4);

        (code, output) = CliRunner.Run("info", dir);
        Assert.True(code == 0, output);
        Assert.Contains("DICOM series", output, StringComparison.Ordinal);
    }

    [Fact]
    public void FolderWithoutDicomIsOneClearLine()
    {
        using var folder = TestData.CreateTempFolder();
        File.WriteAllText(folder.File("notes.txt"), "hello");

        var (code, output) = CliRunner.Run("dicom", "ls", folder.Path);

        Assert.Equal(1, code);
        Assert.Contains("holds no DICOM image series", output, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownSeriesIsNamed()
    {
        using var folder = TestData.CreateTempFolder();
        string dir = WriteSeries(folder);

        var (code, output) = CliRunner.Run("convert", dir, folder.File("x.nii.gz"), "--series", "1.2.3.4");

        Assert.Equal(1, code);
        Assert.Contains("1.2.3.4", output, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.File("x.nii.gz")));
    }

    [Fact]
    public void MissingSliceIsReportedAndThePolicyDecides()
    {
        using var folder = TestData.CreateTempFolder();
        using (var volume = Volume())
        {
            string dir = folder.File("gap");
            Directory.CreateDirectory(dir);
            DicomCtWriter.WriteSeries(volume, dir, new DicomCtWriter.SeriesOptions { Skip = new HashSet<int> { 3 } });
        }

        var (code, output) = CliRunner.Run("convert", folder.File("gap"), folder.File("warn.nii.gz"));
        Assert.True(code == 0, output);
        Assert.Contains("warning:", output, StringComparison.Ordinal);

        (code, output) = CliRunner.Run("convert", folder.File("gap"), folder.File("refuse.nii.gz"), "--irregular", "Refuse");
        Assert.Equal(1, code);
        Assert.False(File.Exists(folder.File("refuse.nii.gz")));

        (code, output) = CliRunner.Run("convert", folder.File("gap"), folder.File("even.nii.gz"), "--irregular", "Resample");
        Assert.True(code == 0, output);
        using var even = ImageFile.Read(folder.File("even.nii.gz"));
        Assert.Equal(6, even.Size.Z);
    }
}
