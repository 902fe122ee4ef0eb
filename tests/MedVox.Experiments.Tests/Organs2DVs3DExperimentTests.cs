using System.Globalization;
using MedVox.Experiments.Studies;

namespace MedVox.Experiments.Tests;

[Collection(AbdomenUNetsCollection.Name)]
public sealed class Organs2DVs3DExperimentTests(AbdomenUNetsFixture fixture)
{
    /// <summary>
    /// The tiny run produces one column per organ sorted by its volume (which grows from the aorta to the liver), a row
    /// per network with Dice in [0, 1], a difference row that is the difference of the two, and a stated finding. The
    /// liver, which every network learns first, must be found by both.
    /// </summary>
    [Fact]
    public void TinyRunProducesASaneTable()
    {
        var experiment = ExperimentCatalog.Find("organs-2d-vs-3d");
        var result = experiment.Run(new ExperimentSettings(ExperimentScale.Tiny, 1, fixture.WorkDirectory("organs-2d-vs-3d")), cancellation: TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(result.ToMarkdown("test"));
        var columns = result.Table.Columns;
        Assert.Equal(10, columns.Count);
        Assert.Equal("mean", columns[^1]);
        var volumes = columns.Skip(1).Take(8).Select(c => double.Parse(c[(c.LastIndexOf('(') + 1)..c.IndexOf(" mL", StringComparison.Ordinal)], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(volumes.Order(), volumes);
        Assert.StartsWith("liver", columns[8], StringComparison.Ordinal);
        Assert.InRange(volumes[^1], 800, 2500);
        var rows = result.Table.Rows;
        Assert.Equal(3, rows.Count);
        var twoD = rows[0].Skip(1).Select(Number).ToArray();
        var threeD = rows[1].Skip(1).Select(Number).ToArray();
        var difference = rows[2].Skip(1).Select(Number).ToArray();
        Assert.All(twoD.Concat(threeD), d => Assert.InRange(d, 0, 1));
        for (int i = 0; i < difference.Length; i++)
        {
            Assert.Equal(threeD[i] - twoD[i], difference[i], 0.0021);
        }

        Assert.True(twoD[7] > 0.8 && threeD[7] > 0.8, $"liver Dice 2D {twoD[7]}, 3D {threeD[7]}");
        Assert.Contains(result.Notes, n => n.Contains("the phantom data", StringComparison.Ordinal));
    }

    /// <summary>The verdict on hand-made values: each branch of the rule, with the drops computed by hand.</summary>
    [Fact]
    public void FindingFollowsTheDropsOfBothNetworks()
    {
        string[] organs = ["a", "b", "c", "d"];
        // 2D: small 0.5, large 0.9 (drop 0.4); 3D: small 0.89, large 0.9 (drop 0.01): the claim holds.
        var holds = Organs2DVs3DExperiment.Analyse(organs, [0.4, 0.6, 0.9, 0.9], [0.88, 0.9, 0.9, 0.9]);
        Assert.Equal(0.4, holds.Drop2D, 1e-12);
        Assert.Equal(0.01, holds.Drop3D, 1e-12);
        Assert.True(holds.SupportsClaim);
        Assert.Contains("support the claim", holds.Text, StringComparison.Ordinal);
        // Both drop by 0.3: 2D does not lose more.
        var same = Organs2DVs3DExperiment.Analyse(organs, [0.6, 0.6, 0.9, 0.9], [0.6, 0.6, 0.9, 0.9]);
        Assert.False(same.SupportsClaim);
        Assert.Contains("do not support", same.Text, StringComparison.Ordinal);
        // 2D drops 0.4, 3D 0.2: 2D loses more, but 3D loses too.
        var half = Organs2DVs3DExperiment.Analyse(organs, [0.5, 0.5, 0.9, 0.9], [0.7, 0.7, 0.9, 0.9]);
        Assert.False(half.SupportsClaim);
        Assert.Contains("only half", half.Text, StringComparison.Ordinal);
    }

    private static double Number(string cell) => double.Parse(cell, NumberStyles.Float, CultureInfo.InvariantCulture);
}
