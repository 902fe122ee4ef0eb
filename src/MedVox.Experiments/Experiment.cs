namespace MedVox.Experiments;

/// <summary>
/// One of the field's standard studies as a runnable experiment: generates its phantom data, runs the methods,
/// evaluates them and returns its table. Deterministic under the settings' seed.
/// </summary>
public abstract class Experiment
{
    /// <summary>The name on the command line (<c>medvox experiment NAME</c>).</summary>
    public abstract string Name { get; }

    public abstract string Title { get; }

    public abstract ExperimentResult Run(ExperimentSettings settings, IProgress<string>? progress = null, CancellationToken cancellation = default);
}
