namespace MedVox.Reporting;

/// <summary>A result with the name it is shown under (a model, a run, a test set).</summary>
public sealed record NamedResult<T>(string Name, T Result)
    where T : class;
