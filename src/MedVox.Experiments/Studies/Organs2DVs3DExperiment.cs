using System.Globalization;

namespace MedVox.Experiments.Studies;

/// <summary>
/// <c>organs-2d-vs-3d</c>: per-organ Dice of a 2D U-Net (slice by slice) and a 3D U-Net, trained on the same phantoms
/// with the same recipe, against organ size. It tests the common claim that 2D networks lose accuracy on small organs
/// while 3D networks do not, by comparing how much each network's Dice drops from the larger half of the organs to the
/// smaller half; the note states what the numbers show, whichever way they go.
/// </summary>
public sealed class Organs2DVs3DExperiment : Experiment
{
    /// <summary>A drop in mean Dice (small organs vs large) counts as a difference between the networks beyond this margin.</summary>
    internal const double Margin = 0.02;

    public override string Name => "organs-2d-vs-3d";

    public override string Title => "Per-organ Dice of 2D vs 3D U-Net against organ size";

    public override ExperimentResult Run(ExperimentSettings settings, IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var outcome = AbdomenUNets.Run(settings, withAtlas: false, progress, cancellation);
        var cases = outcome.Cases;
        var organs = AbdomenUNets.Organs.Select(o => o.Key)
            .Select(name => (Name: name, Volume: cases.Average(c => c.VolumeMl[name])))
            .OrderBy(o => o.Volume)
            .ToArray();
        var columns = new List<string> { "network" };
        columns.AddRange(organs.Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Name} ({o.Volume:F0} mL)")));
        columns.Add("mean");
        var table = new MarkdownTable([.. columns]);
        var mean2D = organs.Select(o => AbdomenUNets.MeanDice(cases, AbdomenUNets.TwoD, o.Name)).ToArray();
        var mean3D = organs.Select(o => AbdomenUNets.MeanDice(cases, AbdomenUNets.ThreeD, o.Name)).ToArray();
        table.Add([AbdomenUNets.TwoD + " (MedVox, phantoms)", .. mean2D.Select(AbdomenUNets.Format), AbdomenUNets.Format(mean2D.Average())]);
        table.Add([AbdomenUNets.ThreeD + " (MedVox, phantoms)", .. mean3D.Select(AbdomenUNets.Format), AbdomenUNets.Format(mean3D.Average())]);
        table.Add(["3D - 2D", .. mean3D.Zip(mean2D, (a, b) => Signed(a - b)), Signed(mean3D.Average() - mean2D.Average())]);

        var finding = Analyse(organs.Select(o => o.Name).ToArray(), mean2D, mean3D);
        string settingsLine = string.Create(CultureInfo.InvariantCulture,
            $"scale {settings.Scale}, {outcome.Setup.Describe(settings.Seed)}; organ volumes are the mean reference volumes of the held-out cases; phantoms generated in {outcome.GenerationSeconds:F0} s; {string.Join("; ", outcome.Networks.Select(n => n.Describe()))}; {AbdomenUNets.Recipe(outcome.Setup)}");
        var notes = new List<string>
        {
            "The data are synthetic phantoms, simpler than real CT; the claim under test comes from studies on real CT and is context only.",
            finding.Text,
        };
        return new ExperimentResult(Name, Title, table, settingsLine, notes, []);
    }

    /// <summary>What the Dice values say about the claim: the smaller half of the organs against the larger half, per network.</summary>
    internal sealed record Finding(double Drop2D, double Drop3D, bool SupportsClaim, string Text);

    /// <summary>
    /// <paramref name="organs"/> sorted by size, smallest first, with each network's mean Dice. The claim holds when the
    /// 2D network's Dice drops from the larger to the smaller half by more than the 3D network's (by <see cref="Margin"/>)
    /// and the 3D network's drop stays within the margin ("3D does not lose").
    /// </summary>
    internal static Finding Analyse(IReadOnlyList<string> organs, IReadOnlyList<double> dice2D, IReadOnlyList<double> dice3D)
    {
        int half = organs.Count / 2;
        static double Mean(IReadOnlyList<double> values, int from, int to)
        {
            double sum = 0;
            for (int i = from; i < to; i++)
            {
                sum += values[i];
            }

            return sum / (to - from);
        }

        double small2D = Mean(dice2D, 0, half), large2D = Mean(dice2D, half, organs.Count);
        double small3D = Mean(dice3D, 0, half), large3D = Mean(dice3D, half, organs.Count);
        double drop2D = large2D - small2D, drop3D = large3D - small3D;
        bool twoDLoses = drop2D > drop3D + Margin;
        bool threeDHolds = drop3D <= Margin;
        bool supports = twoDLoses && threeDHolds;
        string smallNames = string.Join(", ", organs.Take(half)), largeNames = string.Join(", ", organs.Skip(half));
        string verdict = supports
            ? "the phantom data support the claim: the 2D U-Net loses accuracy on the small organs and the 3D U-Net does not"
            : twoDLoses
                ? "the phantom data support only half of the claim: the 2D U-Net loses more on the small organs than the 3D U-Net, but the 3D U-Net loses accuracy on them too"
                : "the phantom data do not support the claim: the 2D U-Net does not lose more accuracy on the small organs than the 3D U-Net";
        string text = string.Create(CultureInfo.InvariantCulture,
            $"Mean Dice on the {half} smallest organs ({smallNames}) vs the {organs.Count - half} largest ({largeNames}): 2D U-Net {small2D:F3} vs {large2D:F3} (drop {drop2D:F3}), 3D U-Net {small3D:F3} vs {large3D:F3} (drop {drop3D:F3}); {verdict} (a drop counts beyond {Margin:F2}).");
        return new Finding(drop2D, drop3D, supports, text);
    }

    private static string Signed(double value) => double.IsNaN(value) ? "n/a" : value.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture);
}
