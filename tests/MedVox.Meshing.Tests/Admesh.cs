using System.Globalization;
using System.Text.RegularExpressions;
using MedVox.Testing;

namespace MedVox.Meshing.Tests;

/// <summary>
/// ADMesh (Debian package admesh), an independent STL checker: run with its default checks (exact and nearby edge
/// matching, unconnected facets, hole filling, normal directions and values) it reports what it had to repair.
/// </summary>
internal static partial class Admesh
{
    /// <summary>The original and final counts ADMesh prints per statistic, by name ("Facets reversed", "Volume", ...).</summary>
    public static Dictionary<string, (double Original, double Final)> Check(string stl)
    {
        string admesh = TestData.RequireTool("admesh", "admesh");
        var (code, output, error) = ProcessRunner.Run(admesh, [stl]);
        Assert.True(code == 0, $"admesh failed: {error}{output}");
        var report = new Dictionary<string, (double, double)>(StringComparer.Ordinal);
        foreach (string line in output.Split('\n'))
        {
            // "Facets reversed       :     0" or "Number of facets : 13240   13240", and "Number of parts :  1   Volume : 1261619.75".
            foreach (Match match in Statistic().Matches(line))
            {
                double original = double.Parse(match.Groups["a"].Value, CultureInfo.InvariantCulture);
                double final = match.Groups["b"].Success ? double.Parse(match.Groups["b"].Value, CultureInfo.InvariantCulture) : original;
                report[match.Groups["name"].Value.Trim()] = (original, final);
            }
        }

        Assert.True(report.ContainsKey("Number of facets"), $"unexpected admesh output: {output}");
        return report;
    }

    /// <summary>Asserts ADMesh found nothing to repair: no disconnected facets, no holes, no flipped or wrong normals.</summary>
    public static Dictionary<string, (double Original, double Final)> AssertClean(string stl, int triangles, int parts)
    {
        var report = Check(stl);
        Assert.Equal(triangles, report["Number of facets"].Original);
        Assert.Equal(triangles, report["Number of facets"].Final);
        foreach (string name in new[]
        {
            "Facets with 1 disconnected edge", "Facets with 2 disconnected edges", "Facets with 3 disconnected edges",
            "Total disconnected facets", "Degenerate facets", "Edges fixed", "Facets removed", "Facets added",
            "Facets reversed", "Backwards edges", "Normals fixed",
        })
        {
            Assert.True(report.TryGetValue(name, out var value), $"admesh did not report \"{name}\"");
            Assert.True(value.Original == 0 && value.Final == 0, $"admesh: {name} = {value}");
        }

        Assert.Equal(parts, report["Number of parts"].Original);
        return report;
    }

    [GeneratedRegex(@"(?<name>[A-Za-z][A-Za-z0-9 ]*?)\s*:\s*(?<a>-?[0-9]+(?:\.[0-9]+)?)(?:\s+(?<b>-?[0-9]+(?:\.[0-9]+)?)(?=\s*$))?")]
    private static partial Regex Statistic();
}
