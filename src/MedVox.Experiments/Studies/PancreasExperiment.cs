using System.Globalization;

namespace MedVox.Experiments.Studies;

/// <summary>
/// <c>pancreas</c>: pancreas segmentation on abdomen phantoms with the three generations of methods the literature
/// went through: a registration-free multi-organ probabilistic atlas with an intensity model (Shimizu et al.), a 2D U-Net
/// applied slice by slice, and a 3D U-Net (both trained on the same eight organs with the same recipe). Dice of the
/// pancreas per method on held-out phantoms, mean and per case.
/// </summary>
public sealed class PancreasExperiment : Experiment
{
    public override string Name => "pancreas";

    public override string Title => "Pancreas segmentation: atlas vs 2D U-Net vs 3D U-Net";

    public override ExperimentResult Run(ExperimentSettings settings, IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var outcome = AbdomenUNets.Run(settings, withAtlas: true, progress, cancellation);
        const string Pancreas = "pancreas";
        var cases = outcome.Cases;
        var columns = new List<string> { "method", "data", "pancreas Dice (mean)" };
        columns.AddRange(cases.Select(c => c.Id));
        var table = new MarkdownTable([.. columns]);
        foreach (string method in new[] { AbdomenUNets.Atlas, AbdomenUNets.TwoD, AbdomenUNets.ThreeD })
        {
            var row = new List<string> { method + " (MedVox)", "phantoms", AbdomenUNets.Format(AbdomenUNets.MeanDice(cases, method, Pancreas)) };
            row.AddRange(cases.Select(c => AbdomenUNets.Format(c.Dice[method][Pancreas])));
            table.Add([.. row]);
        }

        var blanks = Enumerable.Repeat(string.Empty, cases.Count).ToArray();
        table.Add(["multi-organ probabilistic atlas, 2013 (published)", "real CT", "0.691", .. blanks]);
        table.Add(["regression forest, 2016 (published)", "real CT", "0.751", .. blanks]);
        table.Add(["3D FCN, 2017 (published)", "real CT", "0.822", .. blanks]);
        table.Add(["3D FCN, 2018 (published)", "real CT", "0.897", .. blanks]);

        double volume = cases.Average(c => c.VolumeMl[Pancreas]);
        string settingsLine = string.Create(CultureInfo.InvariantCulture,
            $"scale {settings.Scale}, {outcome.Setup.Describe(settings.Seed)} (pancreas {volume:F0} mL on average); phantoms generated in {outcome.GenerationSeconds:F0} s; atlas (24^3 cells over the body box, HU histograms, largest component per organ) built and applied in {outcome.AtlasSeconds:F1} s; {string.Join("; ", outcome.Networks.Select(n => n.Describe()))}; {AbdomenUNets.Recipe(outcome.Setup)}");
        var notes = new List<string>
        {
            "The data are synthetic phantoms, far simpler than real CT (one smooth pancreas shape per case, no fat infiltration, no neighbouring bowel of the same density); the published figures were measured on real patient CT and are context only, not a comparison of like with like.",
            string.Create(CultureInfo.InvariantCulture, $"Ranking on these phantoms (mean pancreas Dice): {string.Join(" < ", new[] { AbdomenUNets.Atlas, AbdomenUNets.TwoD, AbdomenUNets.ThreeD }.Select(m => (Method: m, Dice: AbdomenUNets.MeanDice(cases, m, Pancreas))).OrderBy(p => p.Dice).Select(p => $"{p.Method} {AbdomenUNets.Format(p.Dice)}"))}."),
        };
        return new ExperimentResult(Name, Title, table, settingsLine, notes, []);
    }
}
