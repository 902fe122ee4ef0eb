namespace MedVox.IO.Datasets;

/// <summary>
/// One case of a segmentation dataset: its identifier, the path of each image channel and of its label (null for test
/// cases). The paths are where the layout puts them; <see cref="DatasetChecker"/> reports those that do not exist.
/// </summary>
public sealed record DatasetCase(string Id, IReadOnlyList<string> ImagePaths, string? LabelPath, bool IsTest);
