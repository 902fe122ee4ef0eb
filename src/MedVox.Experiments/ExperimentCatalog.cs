using MedVox.Experiments.Studies;

namespace MedVox.Experiments;

/// <summary>The experiments MedVox ships, by name.</summary>
public static class ExperimentCatalog
{
    public static IReadOnlyList<Experiment> All { get; } = [new HemorrhageExperiment(), new PolypExperiment(), new PancreasExperiment(), new Organs2DVs3DExperiment(), new XRayExperiment(), new FundusExperiment(), new SmallStructuresExperiment()];

    /// <summary>The experiment called <paramref name="name"/>; a one-line error naming the known ones otherwise.</summary>
    public static Experiment Find(string name)
    {
        foreach (var experiment in All)
        {
            if (string.Equals(experiment.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return experiment;
            }
        }

        throw new MedVoxException($"unknown experiment '{name}'", hint: "known: " + string.Join(", ", All.Select(e => e.Name)));
    }
}
