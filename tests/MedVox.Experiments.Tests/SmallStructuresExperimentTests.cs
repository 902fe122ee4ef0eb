using System.Globalization;
using MedVox.Experiments.Studies;
using MedVox.IO;
using MedVox.Synthetic;
using MedVox.Synthetic.Abdomen;
using MedVox.Testing;

namespace MedVox.Experiments.Tests;

public sealed class SmallStructuresExperimentTests
{
    /// <summary>
    /// The tiny run (3 training phantoms and 1 held-out of 32 x 32 x 24 voxels, a few dozen steps) produces the table:
    /// three methods, Dice of aorta, IVC and vessels and the thin-vessel recall, all in [0, 1]. The 4x network sees a
    /// grid on which no vessel 3 voxels across survives, so its thin-vessel recall stays near 0 however it trained.
    /// </summary>
    [Fact]
    public void TinyRunProducesTheTableOfTheThreeSettings()
    {
        using var temp = TestData.CreateTempFolder();
        var result = ExperimentCatalog.Find("small-structures").Run(new ExperimentSettings(ExperimentScale.Tiny, 1, temp.Path), cancellation: TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(result.ToMarkdown("test"));
        Assert.Equal(4, result.Table.Columns.Count);
        Assert.StartsWith("full resolution", result.Table.Columns[1], StringComparison.Ordinal);
        Assert.StartsWith("4x downsampled", result.Table.Columns[2], StringComparison.Ordinal);
        Assert.StartsWith("cascade", result.Table.Columns[3], StringComparison.Ordinal);
        Assert.Equal(["aorta (Dice)", "inferior_vena_cava (Dice)", "vessels (Dice)", "thin vessels, <= 3 voxels across (recall)"], result.Table.Rows.Select(r => r[0]));
        foreach (var row in result.Table.Rows)
        {
            Assert.All(row.Skip(1), cell => Assert.InRange(double.Parse(cell, CultureInfo.InvariantCulture), 0, 1));
        }

        Assert.True(double.Parse(result.Table.Rows[3][2], CultureInfo.InvariantCulture) < 0.1, "thin-vessel recall of the 4x network");
        Assert.Contains("synthetic phantoms", result.Notes[0], StringComparison.Ordinal);
    }

    /// <summary>The thin-vessel mask is the one bench/small_structures.py computes with scipy (EDT, 5^3 maximum filter, &lt;= 1.5).</summary>
    [Fact]
    public void ThinVesselsAreThoseScipyFinds()
    {
        TestData.RequirePython("numpy", "scipy", "nibabel");
        using var temp = TestData.CreateTempFolder();
        var grid = new AbdomenOptions { Size = 96, Spacing = 2, Slices = 64, SliceSpacing = 2, Contrast = ContrastPhase.PortalVenous };
        using var phantom = PhantomDatasets.GenerateCase(PhantomKind.Abdomen, new PhantomOptions { Seed = 3, Abdomen = grid }, 0, cancellation: TestContext.Current.CancellationToken);
        string path = temp.File("labels.nii");
        ImageFile.Write(phantom.Labels, path);

        var thin = SmallStructuresExperiment.ThinVessels(phantom.Labels, AbdomenLabels.Vessels);

        string output = ProcessRunner.Python(
            "import sys, nibabel as nib, numpy as np; from scipy import ndimage\n" +
            "v = np.asarray(nib.load(sys.argv[1]).dataobj) == 9\n" +
            "t = v & (ndimage.maximum_filter(ndimage.distance_transform_edt(v), size=5, mode='constant') <= 1.5)\n" +
            "np.save(sys.argv[2], np.ascontiguousarray(t.transpose(2, 1, 0)).ravel())\nprint(int(v.sum()), int(t.sum()))",
            path, temp.File("thin.npy"));
        var counts = output.Trim().Split(' ').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        Assert.True(counts[1] > 20 && counts[1] < counts[0], output);
        var expected = ReadBoolNpy(temp.File("thin.npy"));
        Assert.Equal(expected.Length, thin.Length);
        Assert.Equal(counts[1], thin.Count(b => b));
        Assert.Equal(expected, thin);
    }

    /// <summary>A 1-D bool array from NumPy's .npy format (version 1, header then one byte per element).</summary>
    private static bool[] ReadBoolNpy(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int headerLength = bytes[8] | (bytes[9] << 8);
        return [.. bytes.Skip(10 + headerLength).Select(b => b != 0)];
    }
}
