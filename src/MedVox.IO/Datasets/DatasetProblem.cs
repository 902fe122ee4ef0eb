namespace MedVox.IO.Datasets;

/// <summary>What is wrong with a dataset, case or file.</summary>
public enum DatasetProblemKind
{
    /// <summary>dataset.json or labels.csv is missing or malformed.</summary>
    InvalidDescription,

    /// <summary>A channel file of a case does not exist.</summary>
    MissingChannel,

    /// <summary>A training case has no label file.</summary>
    MissingLabel,

    /// <summary>A label file has no image.</summary>
    LabelWithoutImage,

    /// <summary>A file does not follow the layout's naming.</summary>
    UnexpectedFile,

    /// <summary>A file cannot be read as an image.</summary>
    UnreadableFile,

    /// <summary>Size, spacing, origin or direction differ between a case's label and image, or between its channels.</summary>
    GeometryMismatch,

    /// <summary>A label value is not declared in dataset.json, or not an integer.</summary>
    UndeclaredLabelValue,

    /// <summary>numTraining differs from the training cases found.</summary>
    CountMismatch,
}

/// <summary>One problem found by <see cref="DatasetChecker"/>, with the case and file it concerns.</summary>
public sealed record DatasetProblem(DatasetProblemKind Kind, string? CaseId, string? Path, string Message)
{
    public override string ToString() =>
        (CaseId is null ? string.Empty : $"case {CaseId}: ") + Message + (Path is null ? string.Empty : $" ({Path})");
}

/// <summary>The outcome of checking a dataset: every problem found, not only the first.</summary>
public sealed record DatasetCheckReport(string Directory, string Layout, int CaseCount, IReadOnlyList<DatasetProblem> Problems)
{
    public bool IsValid => Problems.Count == 0;
}
