using System.Globalization;
using MedVox.Geometry;
using MedVox.Testing;

namespace MedVox.IO.Tests;

/// <summary>
/// ITK as an independent oracle, through plastimatch (Debian package plastimatch, built on ITK 5.2): its "header"
/// command prints what ITK's image readers make of a file, "convert" rewrites a file with ITK's writers, and
/// "synth-vf --xf-phys-pos" writes a vector image whose every voxel holds its own physical position as ITK computes it.
/// </summary>
internal static class ItkOracle
{
    public static string Plastimatch => TestData.RequireTool("plastimatch", "plastimatch");

    /// <summary>What ITK reads from <paramref name="path"/>: size, spacing, origin, direction (row-major) and pixel type.</summary>
    public static (long[] Size, Vector3D Spacing, Vector3D Origin, Matrix3D Direction, string Type) Header(string path)
    {
        var (code, output, error) = ProcessRunner.Run(Plastimatch, ["header", path]);
        Assert.True(code == 0, $"plastimatch header failed: {error}{output}");
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in output.Split('\n'))
        {
            int equals = line.IndexOf(" = ", StringComparison.Ordinal);
            if (equals > 0)
            {
                fields[line[..equals].Trim()] = line[(equals + 3)..].Trim();
            }
        }

        double[] Numbers(string key) => fields[key].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var spacing = Numbers("Spacing");
        var origin = Numbers("Origin");
        return (
            Numbers("Size").Select(v => (long)v).ToArray(),
            new Vector3D(spacing[0], spacing[1], spacing[2]),
            new Vector3D(origin[0], origin[1], origin[2]),
            Matrix3D.FromRowMajor(Numbers("Direction")),
            fields["Type"]);
    }

    /// <summary>Rewrites <paramref name="input"/> as <paramref name="output"/> with ITK's reader and writer.</summary>
    public static void Convert(string input, string output)
    {
        var (code, stdout, error) = ProcessRunner.Run(Plastimatch, ["convert", "--input", input, "--output-img", output]);
        Assert.True(code == 0 && File.Exists(output), $"plastimatch convert failed: {error}{stdout}");
    }

    /// <summary>Rewrites the vector field <paramref name="input"/> as <paramref name="output"/> with ITK.</summary>
    public static void ConvertVectorField(string input, string output)
    {
        var (code, stdout, error) = ProcessRunner.Run(Plastimatch, ["xf-convert", "--input", input, "--output", output]);
        Assert.True(code == 0 && File.Exists(output), $"plastimatch xf-convert failed: {error}{stdout}");
    }

    /// <summary>Writes a 3-component float image whose voxels hold their physical (LPS) positions as ITK computes them.</summary>
    public static void PhysicalPositionField(string output, string dim, string origin, string spacing, string directionRowMajor)
    {
        var (code, stdout, error) = ProcessRunner.Run(Plastimatch,
            ["synth-vf", "--xf-phys-pos", "--dim", dim, "--origin", origin, "--spacing", spacing, "--direction-cosines", directionRowMajor, "--output", output]);
        Assert.True(code == 0 && File.Exists(output), $"plastimatch synth-vf failed: {error}{stdout}");
    }

    /// <summary>Values (x fastest) and RAS affine of a NIfTI file as nibabel reads it.</summary>
    public static (double[] Values, double[] Affine, string DType) Nibabel(string niftiPath)
    {
        TestData.RequirePython("nibabel", "numpy");
        string output = ProcessRunner.Python(
            """
            import sys, numpy as np, nibabel as nib
            img = nib.load(sys.argv[1])
            a = np.asanyarray(img.dataobj)
            print(a.dtype)
            print(' '.join(repr(float(v)) for v in a.ravel(order='F')))
            print(' '.join(repr(float(v)) for v in img.affine.ravel()))
            """,
            niftiPath);
        var lines = output.Split('\n');
        double[] Parse(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return (Parse(lines[1]), Parse(lines[2]), lines[0].Trim());
    }
}
