using System.Globalization;
using MedVox.Classical.Atlas;
using MedVox.Imaging;
using MedVox.Synthetic;
using MedVox.Synthetic.Abdomen;
using MedVox.Testing;

namespace MedVox.Classical.Tests.Atlas;

/// <summary>
/// The probabilistic atlas built from abdomen phantoms and applied to held-out ones, scored against their exact labels;
/// and its parts on data whose answer is known by construction.
/// </summary>
public sealed class ProbabilisticAtlasTests
{
    private static readonly int[] Organs =
    [
        AbdomenLabels.Liver, AbdomenLabels.Spleen, AbdomenLabels.KidneyRight, AbdomenLabels.KidneyLeft,
        AbdomenLabels.Stomach, AbdomenLabels.Pancreas, AbdomenLabels.Aorta, AbdomenLabels.InferiorVenaCava,
    ];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void SegmentsHeldOutPhantomsAndThePriorMatters()
    {
        var training = Enumerable.Range(0, 4).Select(i => Generate(i)).ToArray();
        var test = Enumerable.Range(4, 2).Select(i => Generate(i)).ToArray();
        try
        {
            var options = new AtlasOptions { SingleComponentLabels = Organs };
            var atlas = ProbabilisticAtlas.Build(training.Select(c => (c.Image, c.Labels)).ToArray(), options, Token);
            Assert.Equal(15, atlas.LabelCount);
            // The same intensity model with a flat prior (one cell): what the spatial division adds.
            var flat = ProbabilisticAtlas.Build(training.Select(c => (c.Image, c.Labels)).ToArray(), options with { GridCells = 2, PriorPseudoCount = 1e9 }, Token);
            var line = new System.Text.StringBuilder();
            var dice = new Dictionary<int, List<double>>();
            var flatDice = new Dictionary<int, List<double>>();
            foreach (var phantom in test)
            {
                using var labels = atlas.Segment(phantom.Image, Token);
                using var flatLabels = flat.Segment(phantom.Image, Token);
                ImageAssert.SameGeometry(phantom.Image, labels);
                foreach (int organ in Organs)
                {
                    double d = Dice(labels, phantom.Labels, organ);
                    (dice.TryGetValue(organ, out var list) ? list : dice[organ] = []).Add(d);
                    (flatDice.TryGetValue(organ, out var flatList) ? flatList : flatDice[organ] = []).Add(Dice(flatLabels, phantom.Labels, organ));
                    line.Append(CultureInfo.InvariantCulture, $" {organ}:{d:F3}");
                }
            }

            TestContext.Current.TestOutputHelper?.WriteLine(line.ToString());
            TestContext.Current.TestOutputHelper?.WriteLine(string.Join(" ", flatDice.Select(kv => FormattableString.Invariant($"{kv.Key}:{kv.Value.Average():F3}"))));
            // Measured on cases 4-5 (trained on 0-3): liver 0.945-0.951, spleen 0.87-0.88, kidneys 0.92-0.94, stomach
            // 0.86-0.90, pancreas 0.83-0.84, aorta 0.47-0.54, IVC 0.64-0.67; with a flat prior the pancreas gets 0.11.
            Assert.True(dice[AbdomenLabels.Liver].Average() > 0.92, line.ToString());
            Assert.True(dice[AbdomenLabels.KidneyLeft].Average() > 0.88, line.ToString());
            Assert.True(dice[AbdomenLabels.Pancreas].Average() > 0.75, line.ToString());
            Assert.True(dice[AbdomenLabels.Pancreas].Average() > flatDice[AbdomenLabels.Pancreas].Average() + 0.4, line.ToString());
        }
        finally
        {
            foreach (var phantom in training.Concat(test))
            {
                phantom.Dispose();
            }
        }
    }

    [Fact]
    public void BadTrainingInputIsRefused()
    {
        Assert.Throws<MedVoxException>(() => ProbabilisticAtlas.Build([], cancellation: Token));
        var geometry = Masks.Geometry(ImageSize.Of3D(8, 8, 8), new MedVox.Geometry.Vector3D(1, 1, 1));
        using var ct = Masks.Create(geometry, (_, _, _) => 40, ElementType.Int16);
        using var small = Masks.Create(Masks.Geometry(ImageSize.Of3D(8, 8, 4), new MedVox.Geometry.Vector3D(1, 1, 1)), (_, _, _) => 1);
        Assert.Contains("does not match", Assert.Throws<MedVoxException>(() => ProbabilisticAtlas.Build([(ct, small)], cancellation: Token)).Message);
        using var air = Masks.Create(geometry, (_, _, _) => -1000, ElementType.Int16);
        using var labels = Masks.Create(geometry, (_, _, _) => 0);
        Assert.Contains("no body found", Assert.Throws<MedVoxException>(() => ProbabilisticAtlas.Build([(air, labels)], cancellation: Token)).Message);
        Assert.Throws<ArgumentException>(() => ProbabilisticAtlas.Build([(ct, labels)], new AtlasOptions { GridCells = 1 }, Token));
    }

    private static PhantomCase Generate(int index) =>
        PhantomDatasets.GenerateCase(PhantomKind.Abdomen, new PhantomOptions
        {
            Size = 96,
            Abdomen = new AbdomenOptions { Contrast = ContrastPhase.PortalVenous },
        }, index, cancellation: Token);

    private static double Dice(Image a, Image b, int label)
    {
        var x = a.AsSpan<byte>();
        var y = b.AsSpan<byte>();
        long both = 0, sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            bool p = x[i] == label, q = y[i] == label;
            both += p && q ? 1 : 0;
            sum += (p ? 1 : 0) + (q ? 1 : 0);
        }

        return sum == 0 ? 1 : 2.0 * both / sum;
    }
}
