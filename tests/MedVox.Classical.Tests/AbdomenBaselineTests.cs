using System.Diagnostics;
using System.Globalization;
using MedVox.Classical.Abdomen;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Synthetic;
using MedVox.Synthetic.Abdomen;
using MedVox.Testing;

namespace MedVox.Classical.Tests;

/// <summary>
/// The classical baseline on abdomen phantoms, scored against their exact labels. Portal venous cases must reach
/// Dice a little below what the baseline reaches today (printed with each run); native cases are scored and printed,
/// with only the contrast-independent spine asserted.
/// </summary>
public class AbdomenBaselineTests
{
    private static readonly (string Name, byte Label)[] Organs =
    [
        ("liver", AbdomenLabels.Liver), ("spleen", AbdomenLabels.Spleen), ("kidney_right", AbdomenLabels.KidneyRight),
        ("kidney_left", AbdomenLabels.KidneyLeft), ("stomach", AbdomenLabels.Stomach), ("aorta", AbdomenLabels.Aorta),
        ("inferior_vena_cava", AbdomenLabels.InferiorVenaCava), ("spine", AbdomenLabels.Spine),
    ];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void PortalVenousPhantomsAt128()
    {
        // Measured on cases 0-3 (seed 1): liver 0.973-0.978, spleen 0.905-0.931, kidneys 0.957-0.978, stomach
        // 0.746-0.883, aorta 0.731-0.848, IVC 0.527-0.779, spine 0.793-0.856.
        var dice = Score(ContrastPhase.PortalVenous, 128, cases: 4);
        AssertMean(dice, "liver", 0.95, minimum: 0.95);
        AssertMean(dice, "spleen", 0.88, minimum: 0.85);
        AssertMean(dice, "kidney_right", 0.94, minimum: 0.93);
        AssertMean(dice, "kidney_left", 0.94, minimum: 0.93);
        AssertMean(dice, "stomach", 0.72, minimum: 0.65);
        AssertMean(dice, "aorta", 0.77, minimum: 0.7);
        AssertMean(dice, "inferior_vena_cava", 0.55, minimum: 0.45);
        AssertMean(dice, "spine", 0.8, minimum: 0.77);
    }

    [Fact]
    public void PortalVenousPhantomsAt96()
    {
        // Coarser voxels (4.0 x 4.0 x 3.1 mm), cases 0-2: liver 0.960-0.963, spleen 0.895-0.904, kidneys 0.931-0.965,
        // stomach 0.374-0.615, aorta 0.734-0.829, spine 0.828-0.847; the IVC (0.14-0.67) is not required here.
        var dice = Score(ContrastPhase.PortalVenous, 96, cases: 3);
        AssertMean(dice, "liver", 0.94, minimum: 0.93);
        AssertMean(dice, "spleen", 0.87, minimum: 0.85);
        AssertMean(dice, "kidney_right", 0.92, minimum: 0.9);
        AssertMean(dice, "kidney_left", 0.92, minimum: 0.9);
        AssertMean(dice, "stomach", 0.4, minimum: 0.3);
        AssertMean(dice, "aorta", 0.74, minimum: 0.7);
        AssertMean(dice, "spine", 0.8, minimum: 0.8);
    }

    [Fact]
    public void NativePhantomsAreScoredNotRequired()
    {
        // Without contrast the windows find no kidneys, vessels, liver or spleen (measured 0-0.04); bone and gas do
        // not depend on it: spine 0.850, stomach 0.62 on cases 0-1.
        var dice = Score(ContrastPhase.Native, 128, cases: 2);
        AssertMean(dice, "spine", 0.8, minimum: 0.8);
    }

    [Fact]
    public void TheFileOrderDoesNotChangeTheResult()
    {
        // The same patient stored RAS and with permuted axes (SAL: i running up, k to the left) segments to the same labels, in
        // each file's own geometry.
        using var phantom = Generate(ContrastPhase.PortalVenous, 64, 0);
        using var reference = AbdomenBaselineSegmenter.Segment(phantom.Image, cancellation: Token);
        Assert.Contains((byte)AbdomenLabels.Liver, reference.AsSpan<byte>().ToArray());
        foreach (string code in new[] { "RAS", "SAL" })
        {
            using var stored = phantom.Image.Reorient(code);
            using var labels = AbdomenBaselineSegmenter.Segment(stored, cancellation: Token);
            ImageAssert.SameGeometry(stored, labels);
            using var back = labels.Reorient("LPS");
            Assert.Equal(reference.AsSpan<byte>().ToArray(), back.AsSpan<byte>().ToArray());
        }
    }

    [Fact]
    public void LabelValuesComeFromTheOptions()
    {
        using var phantom = Generate(ContrastPhase.PortalVenous, 64, 1);
        using var standard = AbdomenBaselineSegmenter.Segment(phantom.Image, cancellation: Token);
        var options = new AbdomenBaselineOptions { Labels = new AbdomenBaselineLabels { Liver = 21, Spleen = 0 } };
        using var result = AbdomenBaselineSegmenter.Run(phantom.Image, options, Token);
        var a = standard.AsSpan<byte>();
        var b = result.Labels.AsSpan<byte>();
        int liver = 0;
        for (int i = 0; i < a.Length; i++)
        {
            byte expected = a[i] switch { AbdomenLabels.Liver => 21, AbdomenLabels.Spleen => 0, var v => v };
            Assert.Equal(expected, b[i]);
            liver += b[i] == 21 ? 1 : 0;
        }

        Assert.True(liver > 1000, $"{liver} liver voxels");
        Assert.Contains(result.Findings, f => f.StartsWith("liver:", StringComparison.Ordinal));
    }

    [Fact]
    public void RefusesWhatIsNotACtVolume()
    {
        using var slice = Image.Create(new ImageGeometry(ImageSize.Of2D(32, 32)), ElementType.Int16);
        Assert.Throws<MedVoxException>(() => AbdomenBaselineSegmenter.Segment(slice, cancellation: Token));
        using var air = Masks.Create(new ImageGeometry(ImageSize.Of3D(16, 16, 8)), (_, _, _) => -1000, ElementType.Int16);
        var error = Assert.Throws<MedVoxException>(() => AbdomenBaselineSegmenter.Segment(air, cancellation: Token));
        Assert.Contains("Hounsfield", error.Message, StringComparison.Ordinal);
        using var rgb = Image.Create(new ImageGeometry(ImageSize.Of3D(16, 16, 8)), ElementType.UInt8, 3);
        Assert.Throws<ArgumentException>(() => AbdomenBaselineSegmenter.Segment(rgb, cancellation: Token));
    }

    [Fact]
    public void SegmentsA256By256By200Volume()
    {
        using var phantom = PhantomDatasets.GenerateCase(PhantomKind.Abdomen, new PhantomOptions
        {
            Size = 256,
            Abdomen = new AbdomenOptions { Contrast = ContrastPhase.PortalVenous, Slices = 200 },
        }, 0, cancellation: Token);
        var watch = Stopwatch.StartNew();
        using var labels = AbdomenBaselineSegmenter.Segment(phantom.Image, cancellation: Token);
        watch.Stop();
        var line = new System.Text.StringBuilder(FormattableString.Invariant($"256x256x200 on {Environment.ProcessorCount} cores: {watch.Elapsed.TotalSeconds:F1} s;"));
        foreach (var (name, label) in Organs)
        {
            line.Append(CultureInfo.InvariantCulture, $" {name} {Dice(labels, phantom.Labels, label):F3}");
        }

        TestContext.Current.TestOutputHelper?.WriteLine(line.ToString());
        // The time is printed, not asserted: speed is measured by benchmarks, not by tests on a shared machine.
        Assert.True(Dice(labels, phantom.Labels, AbdomenLabels.Liver) > 0.94, line.ToString());
    }

    private static PhantomCase Generate(ContrastPhase phase, int size, int index) =>
        PhantomDatasets.GenerateCase(PhantomKind.Abdomen, new PhantomOptions
        {
            Size = size,
            Abdomen = new AbdomenOptions { Contrast = phase },
        }, index, cancellation: Token);

    /// <summary>Dice per organ (rows) and case (columns), printed as a table.</summary>
    private static Dictionary<string, double[]> Score(ContrastPhase phase, int size, int cases)
    {
        var dice = Organs.ToDictionary(o => o.Name, _ => new double[cases]);
        for (int i = 0; i < cases; i++)
        {
            using var phantom = Generate(phase, size, i);
            using var labels = AbdomenBaselineSegmenter.Segment(phantom.Image, cancellation: Token);
            ImageAssert.SameGeometry(phantom.Image, labels);
            foreach (var (name, label) in Organs)
            {
                dice[name][i] = Dice(labels, phantom.Labels, label);
            }
        }

        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine($"{phase} phantoms, {size}^3 grid, Dice per case and mean:");
        foreach (var (name, values) in dice)
        {
            output?.WriteLine(FormattableString.Invariant($"  {name,-20} {string.Join(" ", values.Select(v => v.ToString("F3", CultureInfo.InvariantCulture)))}  mean {values.Average():F3}"));
        }

        return dice;
    }

    private static void AssertMean(Dictionary<string, double[]> dice, string organ, double mean, double minimum)
    {
        var values = dice[organ];
        string all = string.Join(", ", values.Select(v => v.ToString("F3", CultureInfo.InvariantCulture)));
        Assert.True(values.Average() >= mean, $"{organ}: mean Dice {values.Average():F3} < {mean} ({all})");
        Assert.True(values.Min() >= minimum, $"{organ}: a case has Dice under {minimum} ({all})");
    }

    /// <summary>2·|A∩B| / (|A| + |B|) by counting; 1 when both are empty.</summary>
    internal static double Dice(Image prediction, Image reference, byte label)
    {
        var p = prediction.AsSpan<byte>();
        var r = reference.AsSpan<byte>();
        long both = 0, inP = 0, inR = 0;
        for (int i = 0; i < p.Length; i++)
        {
            bool a = p[i] == label, b = r[i] == label;
            both += a && b ? 1 : 0;
            inP += a ? 1 : 0;
            inR += b ? 1 : 0;
        }

        return inP + inR == 0 ? 1 : 2.0 * both / (inP + inR);
    }
}
