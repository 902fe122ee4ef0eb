using System.Globalization;
using System.IO.Compression;
using System.Text.RegularExpressions;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.IO;
using MedVox.Testing;

namespace MedVox.Cli.Tests;

public class MeshCommandTests
{
    [Fact]
    public void MeshesEveryPhantomOrganNamedFromTheDatasetJson()
    {
        using var folder = TestData.CreateTempFolder();
        string dataset = folder.File("ph");
        Assert.Equal(0, CliRunner.Run("phantom", "abdomen", "--out", dataset, "--cases", "1", "--size", "64").ExitCode);
        string labels = Path.Combine(dataset, "labelsTr", "abdomen_000.nii.gz");

        var (code, output) = CliRunner.Run("mesh", labels, "--out", folder.File("surfaces"));

        Assert.True(code == 0, output);
        foreach (string organ in new[] { "liver", "spleen", "kidney_left", "kidney_right", "aorta", "ribs", "body" })
        {
            Assert.True(File.Exists(folder.File($"surfaces/{organ}.stl")), output);
        }

        Assert.Equal(14, Directory.GetFiles(folder.File("surfaces"), "*.stl").Length);
        // Per organ: triangles, area, volume, voxel volume, watertight, manifold, Euler characteristic.
        var liver = Regex.Match(output, @"1 liver\s*│\s*(\d+)\s*│\s*(\d+)\s*│\s*([\d.]+)\s*│\s*([\d.]+)\s*│\s*(\w+)\s*│\s*(\w+)\s*│\s*(-?\d+)");
        Assert.True(liver.Success, output);
        double volume = double.Parse(liver.Groups[3].Value, CultureInfo.InvariantCulture);
        double voxels = double.Parse(liver.Groups[4].Value, CultureInfo.InvariantCulture);
        Assert.InRange(volume / voxels, 0.97, 1.03);
        Assert.Equal("yes", liver.Groups[5].Value);
        Assert.Equal("yes", liver.Groups[6].Value);
        Assert.Equal("2", liver.Groups[7].Value);
        Assert.Contains("touches the image border", output, StringComparison.Ordinal);
        // The voxel volume printed is the label's voxel count times the voxel volume.
        using var map = ImageFile.Read(labels);
        long count = 0;
        for (int z = 0; z < map.Size.Z; z++)
        {
            for (int y = 0; y < map.Size.Y; y++)
            {
                foreach (byte v in map.GetRow<byte>(y, z))
                {
                    count += v == 1 ? 1 : 0;
                }
            }
        }

        var sp = map.Geometry.Spacing;
        Assert.Equal(count * sp.X * sp.Y * sp.Z / 1000, voxels, 0.001);
    }

    [Fact]
    public void SelectedOrgansGoIntoOneColoured3mf()
    {
        using var folder = TestData.CreateTempFolder();
        string dataset = folder.File("ph");
        Assert.Equal(0, CliRunner.Run("phantom", "abdomen", "--out", dataset, "--cases", "1", "--size", "48").ExitCode);

        var (code, output) = CliRunner.Run("mesh", Path.Combine(dataset, "labelsTr", "abdomen_000.nii.gz"), "--out", folder.File("m"),
            "--labels", "liver,kidney_left,2", "--format", "3mf", "--smooth", "5", "--decimate", "0.5");

        Assert.True(code == 0, output);
        string file = folder.File("m/abdomen_000.3mf");
        using var zip = ZipFile.OpenRead(file);
        Assert.NotNull(zip.GetEntry("3D/3dmodel.model"));
        using var model = new StreamReader(zip.GetEntry("3D/3dmodel.model")!.Open());
        string xml = model.ReadToEnd();
        Assert.Equal(3, Regex.Matches(xml, "<object ").Count);
        Assert.Contains("name=\"kidney_left\"", xml, StringComparison.Ordinal);
        Assert.Contains("Δ smooth", output, StringComparison.Ordinal);
        Assert.Contains("Δ decimate", output, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(folder.File("m")));
    }

    [Theory]
    [InlineData("obj")]
    [InlineData("ply")]
    [InlineData("stl-ascii")]
    public void OtherFormatsOneFilePerOrgan(string format)
    {
        using var folder = TestData.CreateTempFolder();
        string map = Ball(folder, ElementType.UInt8);
        var (code, output) = CliRunner.Run("mesh", map, "--out", folder.File("m"), "--labels", "ball=3", "--format", format);
        Assert.True(code == 0, output);
        string ending = format == "stl-ascii" ? "stl" : format;
        Assert.True(File.Exists(folder.File($"m/ball.{ending}")), output);
    }

    [Fact]
    public void UnnamedLabelsAreCalledByTheirValue()
    {
        using var folder = TestData.CreateTempFolder();
        string map = Ball(folder, ElementType.Int16);
        var (code, output) = CliRunner.Run("mesh", map, "--out", folder.File("m"));
        Assert.True(code == 0, output);
        Assert.True(File.Exists(folder.File("m/label_3.stl")), output);
    }

    [Fact]
    public void EmptyLabelWritesNoFileAndSaysSo()
    {
        using var folder = TestData.CreateTempFolder();
        string map = Ball(folder, ElementType.UInt8);

        var (code, output) = CliRunner.Run("mesh", map, "--out", folder.File("m"), "--labels", "ball=3,tumour=7,ball,tumour");

        Assert.True(code == 0, output);
        Assert.Contains("tumour: empty label (no voxel holds 7); no file written", output, StringComparison.Ordinal);
        Assert.True(File.Exists(folder.File("m/ball.stl")));
        Assert.False(File.Exists(folder.File("m/tumour.stl")));

        // Only empty labels: nothing written, and a failure.
        (code, output) = CliRunner.Run("mesh", map, "--out", folder.File("n"), "--labels", "tumour=7");
        Assert.Equal(1, code);
        Assert.Contains("no surface written: every selected label is empty", output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(folder.File("n")));
    }

    [Fact]
    public void BadInputGetsOneClearLine()
    {
        using var folder = TestData.CreateTempFolder();
        string map = Ball(folder, ElementType.UInt8);

        var (code, output) = CliRunner.Run("mesh", map, "--out", folder.File("m"), "--labels", "4");
        Assert.Equal(1, code);
        Assert.Contains("label 4 does not occur in the label map (values present: 3)", output, StringComparison.Ordinal);

        (code, output) = CliRunner.Run("mesh", map, "--out", folder.File("m"), "--labels", "liver");
        Assert.Equal(1, code);
        Assert.Contains("no label is named 'liver'", output, StringComparison.Ordinal);

        (code, output) = CliRunner.Run("mesh", map, "--out", folder.File("m"), "--decimate", "1.5");
        Assert.Equal(1, code);
        Assert.Contains("--decimate must be at least 0 and below 1", output, StringComparison.Ordinal);

        (code, output) = CliRunner.Run("mesh", map, "--out", folder.File("m"), "--format", "vtk");
        Assert.Equal(1, code);
        Assert.Contains("unknown surface format \"vtk\"", output, StringComparison.Ordinal);

        using var flat = Image.Create(new ImageGeometry(ImageSize.Of2D(32, 32)), ElementType.UInt8);
        flat.SetValue(10, 10, 0, 1);
        ImageFile.Write(flat, folder.File("flat.nii.gz"));
        (code, output) = CliRunner.Run("mesh", folder.File("flat.nii.gz"), "--out", folder.File("m"));
        Assert.Equal(1, code);
        Assert.Contains("is a 2D image (32x32); surfaces need a 3D label map", output, StringComparison.Ordinal);
        Assert.Single(output.Split('\n'), l => l.StartsWith("error:", StringComparison.Ordinal));

        (code, output) = CliRunner.Run("mesh", folder.File("missing.nii.gz"), "--out", folder.File("m"));
        Assert.Equal(1, code);
        Assert.StartsWith("error:", output.TrimStart(), StringComparison.Ordinal);
    }

    /// <summary>A 24³ uint8/int16 label map with a ball of label 3 at an oblique geometry.</summary>
    private static string Ball(TempFolder folder, ElementType type)
    {
        var geometry = new ImageGeometry(ImageSize.Of3D(24, 24, 16), new Vector3D(0.9, 0.9, 1.4), new Vector3D(-10, 4, 20), Matrix3D.Identity);
        using var image = Image.Create(geometry, type);
        for (int z = 0; z < 16; z++)
        {
            for (int y = 0; y < 24; y++)
            {
                for (int x = 0; x < 24; x++)
                {
                    var p = geometry.IndexToPhysical(x, y, z) - geometry.IndexToPhysical(11.5, 12.2, 7.6);
                    if (p.Length < 7)
                    {
                        image.SetValue(x, y, z, 3);
                    }
                }
            }
        }

        string path = folder.File($"ball_{type}.nii.gz");
        ImageFile.Write(image, path);
        return path;
    }
}
