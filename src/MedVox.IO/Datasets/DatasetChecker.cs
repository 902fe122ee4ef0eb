using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.IO.Datasets;

/// <summary>
/// Checks a dataset folder (<c>medvox dataset check DIR</c>) and lists every problem with its case: for the
/// Decathlon/nnU-Net layout, every channel and label exists and reads, images and labels (and the channels of a case)
/// share their geometry within <see cref="GeometryTolerance"/>, label values are integers declared in dataset.json, and
/// numTraining matches; for a classification folder, every listed image exists and reads.
/// </summary>
public static class DatasetChecker
{
    /// <summary>Largest difference in spacing or origin (mm) and in direction cosines accepted between a case's files.</summary>
    public const double GeometryTolerance = 1e-4;

    public static DatasetCheckReport Check(string directory, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
        {
            throw new MedVoxException("no such folder", directory);
        }

        string full = Path.GetFullPath(directory);
        if (DecathlonDataset.IsDataset(full))
        {
            return CheckDecathlon(full, progress, cancellation);
        }

        if (ClassificationDataset.IsDataset(full))
        {
            return CheckClassification(full, progress, cancellation);
        }

        throw new MedVoxException("is not a dataset: it has neither dataset.json nor labels.csv", full,
            hint: "segmentation datasets follow the nnU-Net layout (dataset.json, imagesTr/, labelsTr/); classification datasets have labels.csv");
    }

    private static DatasetCheckReport CheckDecathlon(string directory, IProgress<double>? progress, CancellationToken cancellation)
    {
        var problems = new List<DatasetProblem>();
        DecathlonDataset dataset;
        try
        {
            dataset = DecathlonDataset.Read(directory);
        }
        catch (MedVoxException ex)
        {
            problems.Add(new DatasetProblem(DatasetProblemKind.InvalidDescription, null, Path.Combine(directory, DatasetDescription.FileName), ex.What + (ex.Field is null ? string.Empty : $" (field {ex.Field})")));
            return new DatasetCheckReport(directory, "decathlon", 0, problems);
        }

        var description = dataset.Description;
        var declared = description.DeclaredValues;
        if (!description.ListsFiles && description.NumTraining != dataset.TrainingCases.Count)
        {
            problems.Add(new DatasetProblem(DatasetProblemKind.CountMismatch, null, Path.Combine(directory, DatasetDescription.FileName),
                $"numTraining is {description.NumTraining} but {dataset.TrainingCases.Count} training case(s) were found"));
        }

        foreach (var stray in dataset.StrayFiles)
        {
            problems.Add(new DatasetProblem(DatasetProblemKind.UnexpectedFile, null, stray,
                $"file name does not follow the layout (CASE_XXXX{description.FileEnding} for images, CASE{description.FileEnding} for labels, channels 0-{description.ChannelNames.Count - 1})"));
        }

        var cases = dataset.TrainingCases.Concat(dataset.TestCases).ToList();
        for (int i = 0; i < cases.Count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            CheckCase(cases[i], description.ListsFiles, declared, problems);
            progress?.Report((i + 1.0) / cases.Count);
        }

        return new DatasetCheckReport(directory, "decathlon", cases.Count, problems);
    }

    private static void CheckCase(DatasetCase item, bool fourDimensional, IReadOnlySet<int> declared, List<DatasetProblem> problems)
    {
        ImageGeometry? reference = null;
        string? referencePath = null;
        int present = 0;
        for (int c = 0; c < item.ImagePaths.Count; c++)
        {
            string path = item.ImagePaths[c];
            if (!File.Exists(path))
            {
                continue;
            }

            present++;
            var header = TryReadHeader(item.Id, path, problems);
            if (header is null)
            {
                continue;
            }

            if (reference is null)
            {
                reference = header.Geometry;
                referencePath = path;
            }
            else
            {
                CompareGeometry(item.Id, header.Geometry, path, reference, $"channel 0 ({Path.GetFileName(referencePath)})", problems);
            }
        }

        bool labelExists = item.LabelPath is not null && File.Exists(item.LabelPath);
        if (present == 0 && labelExists)
        {
            problems.Add(new DatasetProblem(DatasetProblemKind.LabelWithoutImage, item.Id, item.LabelPath, "label has no image"));
        }
        else
        {
            for (int c = 0; c < item.ImagePaths.Count; c++)
            {
                if (!File.Exists(item.ImagePaths[c]))
                {
                    problems.Add(new DatasetProblem(DatasetProblemKind.MissingChannel, item.Id, item.ImagePaths[c], fourDimensional ? "image is missing" : $"channel {c} is missing"));
                }
            }
        }

        if (item.IsTest || item.LabelPath is null)
        {
            return;
        }

        if (!labelExists)
        {
            if (present > 0)
            {
                problems.Add(new DatasetProblem(DatasetProblemKind.MissingLabel, item.Id, item.LabelPath, "label is missing"));
            }

            return;
        }

        var labelHeader = TryReadHeader(item.Id, item.LabelPath, problems);
        if (labelHeader is null)
        {
            return;
        }

        if (reference is not null)
        {
            CompareGeometry(item.Id, labelHeader.Geometry, item.LabelPath, reference, "its image", problems);
        }

        CheckLabelValues(item.Id, item.LabelPath, declared, problems);
    }

    private static ImageHeader? TryReadHeader(string caseId, string path, List<DatasetProblem> problems)
    {
        try
        {
            return ImageFile.ReadHeader(path);
        }
        catch (Exception ex) when (ex is MedVoxException or IOException or UnauthorizedAccessException)
        {
            problems.Add(new DatasetProblem(DatasetProblemKind.UnreadableFile, caseId, path, $"cannot be read: {Describe(ex)}"));
            return null;
        }
    }

    private static void CompareGeometry(string caseId, ImageGeometry geometry, string path, ImageGeometry reference, string what, List<DatasetProblem> problems)
    {
        var differences = new List<string>();
        var a = geometry.Size;
        var b = reference.Size;
        if (a.X != b.X || a.Y != b.Y || a.Z != b.Z)
        {
            differences.Add($"size {a.X}x{a.Y}x{a.Z} vs {b.X}x{b.Y}x{b.Z}");
        }

        if (Vector3D.MaxAbsDifference(geometry.Spacing, reference.Spacing) > GeometryTolerance)
        {
            differences.Add($"spacing {geometry.Spacing} vs {reference.Spacing}");
        }

        if (Vector3D.MaxAbsDifference(geometry.Origin, reference.Origin) > GeometryTolerance)
        {
            differences.Add($"origin {geometry.Origin} vs {reference.Origin}");
        }

        if (Matrix3D.MaxAbsDifference(geometry.Direction, reference.Direction) > GeometryTolerance)
        {
            differences.Add($"direction {geometry.Direction} vs {reference.Direction}");
        }

        if (differences.Count > 0)
        {
            problems.Add(new DatasetProblem(DatasetProblemKind.GeometryMismatch, caseId, path, $"geometry differs from {what}: {string.Join("; ", differences)}"));
        }
    }

    private static void CheckLabelValues(string caseId, string path, IReadOnlySet<int> declared, List<DatasetProblem> problems)
    {
        Image image;
        try
        {
            image = ImageFile.Read(path);
        }
        catch (Exception ex) when (ex is MedVoxException or IOException or UnauthorizedAccessException)
        {
            problems.Add(new DatasetProblem(DatasetProblemKind.UnreadableFile, caseId, path, $"cannot be read: {Describe(ex)}"));
            return;
        }

        using (image)
        {
            var (values, nonInteger) = LabelValues.Distinct(image);
            if (nonInteger)
            {
                problems.Add(new DatasetProblem(DatasetProblemKind.UndeclaredLabelValue, caseId, path, "label holds values that are not integers"));
            }

            var undeclared = values.Where(v => v < int.MinValue || v > int.MaxValue || !declared.Contains((int)v)).Order().ToList();
            if (undeclared.Count > 0)
            {
                string list = string.Join(", ", undeclared.Take(10)) + (undeclared.Count > 10 ? $" and {undeclared.Count - 10} more" : string.Empty);
                problems.Add(new DatasetProblem(DatasetProblemKind.UndeclaredLabelValue, caseId, path, $"label values not declared in dataset.json: {list}"));
            }
        }
    }

    private static DatasetCheckReport CheckClassification(string directory, IProgress<double>? progress, CancellationToken cancellation)
    {
        var problems = new List<DatasetProblem>();
        ClassificationDataset dataset;
        try
        {
            dataset = ClassificationDataset.Read(directory);
        }
        catch (MedVoxException ex)
        {
            problems.Add(new DatasetProblem(DatasetProblemKind.InvalidDescription, null, Path.Combine(directory, ClassificationDataset.LabelsFileName), ex.What + (ex.Field is null ? string.Empty : $" (field {ex.Field})")));
            return new DatasetCheckReport(directory, "classification", 0, problems);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < dataset.Entries.Count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var entry = dataset.Entries[i];
            string path = dataset.FullPath(entry);
            if (!seen.Add(path))
            {
                problems.Add(new DatasetProblem(DatasetProblemKind.InvalidDescription, entry.Image, path, "listed more than once in labels.csv"));
            }
            else if (!File.Exists(path))
            {
                problems.Add(new DatasetProblem(DatasetProblemKind.MissingChannel, entry.Image, path, "image is missing"));
            }
            else
            {
                TryReadHeader(entry.Image, path, problems);
            }

            progress?.Report((i + 1.0) / dataset.Entries.Count);
        }

        return new DatasetCheckReport(directory, "classification", dataset.Entries.Count, problems);
    }

    private static string Describe(Exception ex) => ex is MedVoxException m ? m.What + (m.Field is null ? string.Empty : $" (field {m.Field})") : ex.Message;
}
