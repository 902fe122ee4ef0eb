namespace MedVox.Experiments;

/// <summary>How big an experiment runs.</summary>
public enum ExperimentScale
{
    /// <summary>Seconds: checks that the pipeline runs and produces a sane table (the tests' setting).</summary>
    Tiny,

    /// <summary>Minutes on a CPU: the default, the setting whose tables go to docs/experiments.md.</summary>
    Cpu,

    /// <summary>The settings for a GPU machine (<c>--full</c>).</summary>
    Full,
}
