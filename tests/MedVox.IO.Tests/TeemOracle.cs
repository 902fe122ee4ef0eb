using System.Globalization;
using MedVox.Testing;

namespace MedVox.IO.Tests;

/// <summary>
/// teem's unu (Debian package teem-apps, installed as teem-unu), the NRRD reference implementation, as an independent
/// oracle: "unu make" writes files MedVox must read, "unu save" decodes files MedVox wrote into teem's own raw output.
/// </summary>
internal static class TeemOracle
{
    public static string Unu => TestData.RequireTool("teem-unu", "teem-apps");

    public static void Run(params string[] arguments)
    {
        var (code, output, error) = ProcessRunner.Run(Unu, arguments);
        Assert.True(code == 0, $"unu {string.Join(' ', arguments)} failed: {error}{output}");
    }

    /// <summary>teem's decoding of <paramref name="path"/>: the header it writes back (fields) and the raw little-endian data.</summary>
    public static (Dictionary<string, string> Fields, byte[] Data) Decode(string path, string folder)
    {
        string header = Path.Combine(folder, "teem-decoded.nhdr");
        Run("save", "-f", "nrrd", "-e", "raw", "-en", "little", "-i", path, "-o", header, "-od", "teem-decoded.raw");
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadAllLines(header))
        {
            int colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon > 0 && !line.StartsWith('#'))
            {
                fields[line[..colon]] = line[(colon + 2)..];
            }
        }

        return (fields, File.ReadAllBytes(Path.Combine(folder, "teem-decoded.raw")));
    }

    /// <summary>The numbers of "(a,b,c) none (d,e,f)": one array per vector, null for none.</summary>
    public static double[]?[] Vectors(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries)
        .Select(v => v == "none" ? null : v.Trim('(', ')').Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray())
        .ToArray();
}
