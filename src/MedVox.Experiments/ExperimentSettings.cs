namespace MedVox.Experiments;

/// <summary>How one experiment run is configured: its scale, its seed (everything is deterministic under it) and where it may write.</summary>
public sealed record ExperimentSettings(ExperimentScale Scale, int Seed, string WorkDirectory);
