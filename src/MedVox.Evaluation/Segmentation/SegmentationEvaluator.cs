using System.Globalization;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.IO;

namespace MedVox.Evaluation.Segmentation;

/// <summary>
/// Evaluates predicted label maps against reference label maps: one pair of images, one pair of files, or two
/// folders of cases. Problems with a case (missing or unreadable file, geometry mismatch, undeclared or non-integer
/// label values) never stop the rest: they are reported on that case, which is then skipped.
/// </summary>
public static class SegmentationEvaluator
{
    /// <summary>Compares two binary masks (every non-zero voxel is foreground) of the same geometry.</summary>
    /// <exception cref="ArgumentException">The images do not share their geometry or are not single-channel 2D/3D images.</exception>
    public static SegmentationMetrics CompareMasks(Image prediction, Image reference, SegmentationOptions? options = null)
    {
        var result = EvaluateCase("masks", prediction, reference, LabelSet.Binary, options);
        if (!result.IsEvaluated)
        {
            throw new ArgumentException(string.Join("; ", result.Problems));
        }

        return result.Labels[0].Metrics;
    }

    /// <summary>Evaluates every label of <paramref name="labels"/> on one pair of label maps held in memory.</summary>
    public static CaseResult EvaluateCase(string caseId, Image prediction, Image reference, LabelSet labels, SegmentationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(caseId);
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(labels);
        options ??= SegmentationOptions.Default;
        options.Validate();

        var problems = new List<string>();
        CheckImage(prediction, "prediction", problems);
        CheckImage(reference, "reference", problems);
        if (problems.Count == 0)
        {
            string? mismatch = DescribeMismatch(prediction.Geometry, reference.Geometry, options.GeometryTolerance);
            if (mismatch is not null)
            {
                problems.Add(mismatch);
            }
        }

        if (problems.Count > 0)
        {
            return CaseResult.Skipped(caseId, problems);
        }

        var index = new LabelValueIndex(labels);
        var predictionVolume = LabelVolume.Read(prediction, index);
        var referenceVolume = LabelVolume.Read(reference, index);
        CheckValues(predictionVolume, "prediction", problems);
        CheckValues(referenceVolume, "reference", problems);
        if (problems.Count > 0)
        {
            return CaseResult.Skipped(caseId, problems);
        }

        var results = new List<LabelResult>(labels.Evaluated.Count);
        foreach (var label in labels.Evaluated)
        {
            var metrics = EvaluateLabel(label, index, predictionVolume, referenceVolume, prediction.Size, prediction.Geometry.Spacing, options);
            results.Add(new LabelResult(label, metrics));
        }

        return new CaseResult(caseId, results, []);
    }

    /// <summary>Reads two label-map files (any format <see cref="ImageFile"/> reads) and evaluates them; read errors become problems of the case.</summary>
    public static CaseResult EvaluateFiles(string caseId, string predictionPath, string referencePath, LabelSet labels, SegmentationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(predictionPath);
        ArgumentNullException.ThrowIfNull(referencePath);
        Image? prediction = null, reference = null;
        try
        {
            var problems = new List<string>();
            prediction = TryRead(predictionPath, "prediction", problems);
            reference = TryRead(referencePath, "reference", problems);
            var result = problems.Count > 0
                ? CaseResult.Skipped(caseId, problems)
                : EvaluateCase(caseId, prediction!, reference!, labels, options);
            return result with { PredictionPath = predictionPath, ReferencePath = referencePath };
        }
        finally
        {
            prediction?.Dispose();
            reference?.Dispose();
        }
    }

    /// <summary>
    /// Evaluates every case of two folders. Files are matched by case ID, the file name without its format's ending
    /// (<c>case_001.nii.gz</c> → <c>case_001</c>), so a .nii.gz prediction matches a .nrrd reference. Files of no
    /// registered format and hidden files are ignored. Cases missing on either side, or present twice in one folder,
    /// are reported as problems; the others are evaluated in parallel (<see cref="SegmentationOptions.MaxParallelCases"/>).
    /// </summary>
    /// <param name="predictionFolder">Folder of predicted label maps.</param>
    /// <param name="referenceFolder">Folder of reference label maps.</param>
    /// <param name="labels">The labels to evaluate; other non-zero values are problems.</param>
    /// <param name="options">How to compare; <see cref="SegmentationOptions.Default"/> when null.</param>
    /// <param name="progress">Told about each case as it finishes (from worker threads).</param>
    /// <param name="cancellationToken">Stops starting new cases.</param>
    /// <exception cref="MedVoxException">A folder does not exist, or the reference folder holds no image file.</exception>
    public static SegmentationReport EvaluateFolders(
        string predictionFolder,
        string referenceFolder,
        LabelSet labels,
        SegmentationOptions? options = null,
        IProgress<CaseResult>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(labels);
        options ??= SegmentationOptions.Default;
        options.Validate();
        var predictions = ListCases(predictionFolder, "prediction");
        var references = ListCases(referenceFolder, "reference");
        if (references.Count == 0)
        {
            throw new MedVoxException(
                "holds no reference image file",
                referenceFolder,
                hint: $"name label maps <case>{{{string.Join(",", ImageFile.Formats.SelectMany(f => f.Extensions))}}}");
        }

        var caseIds = predictions.Keys.Union(references.Keys).Order(StringComparer.Ordinal).ToArray();
        var results = new CaseResult[caseIds.Length];
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = options.MaxParallelCases > 0 ? options.MaxParallelCases : Math.Min(Environment.ProcessorCount, 4),
            CancellationToken = cancellationToken,
        };
        Parallel.For(0, caseIds.Length, parallel, i =>
        {
            string id = caseIds[i];
            predictions.TryGetValue(id, out var predictionFiles);
            references.TryGetValue(id, out var referenceFiles);
            var problems = new List<string>();
            if (predictionFiles is null)
            {
                problems.Add($"no prediction in {predictionFolder}");
            }
            else if (predictionFiles.Count > 1)
            {
                problems.Add($"several predictions: {string.Join(", ", predictionFiles.Select(Path.GetFileName))}");
            }

            if (referenceFiles is null)
            {
                problems.Add($"no reference in {referenceFolder}");
            }
            else if (referenceFiles.Count > 1)
            {
                problems.Add($"several references: {string.Join(", ", referenceFiles.Select(Path.GetFileName))}");
            }

            var result = problems.Count > 0
                ? CaseResult.Skipped(id, problems) with { PredictionPath = predictionFiles?[0], ReferencePath = referenceFiles?[0] }
                : EvaluateFiles(id, predictionFiles![0], referenceFiles![0], labels, options);
            results[i] = result;
            progress?.Report(result);
        });

        return new SegmentationReport(results, labels, options)
        {
            PredictionFolder = Path.GetFullPath(predictionFolder),
            ReferenceFolder = Path.GetFullPath(referenceFolder),
        };
    }

    /// <summary>The case ID of an image file: its name without the ending of its format; null when no registered format reads it.</summary>
    public static string? CaseIdOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string name = Path.GetFileName(path);
        var format = ImageFile.FindFormat(name);
        if (format is null)
        {
            return null;
        }

        int longest = 0;
        foreach (string extension in format.Extensions)
        {
            if (name.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            {
                longest = Math.Max(longest, extension.Length);
            }
        }

        return longest < name.Length ? name[..^longest] : null;
    }

    /// <summary>
    /// Why two geometries cannot be compared voxel by voxel, or null when they agree within <paramref name="tolerance"/>
    /// (mm for spacing and origin, absolute for direction cosines).
    /// </summary>
    public static string? DescribeMismatch(ImageGeometry prediction, ImageGeometry reference, double tolerance)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(reference);
        var differences = new List<string>();
        if (prediction.Size.X != reference.Size.X || prediction.Size.Y != reference.Size.Y || prediction.Size.Z != reference.Size.Z || prediction.Size.T != reference.Size.T)
        {
            differences.Add($"size {prediction.Size} vs {reference.Size}");
        }

        if (Vector3D.MaxAbsDifference(prediction.Spacing, reference.Spacing) > tolerance)
        {
            differences.Add($"spacing {prediction.Spacing} vs {reference.Spacing} mm");
        }

        if (Vector3D.MaxAbsDifference(prediction.Origin, reference.Origin) > tolerance)
        {
            differences.Add($"origin {prediction.Origin} vs {reference.Origin} mm");
        }

        if (Matrix3D.MaxAbsDifference(prediction.Direction, reference.Direction) > tolerance)
        {
            differences.Add($"direction {prediction.OrientationCode} {prediction.Direction} vs {reference.OrientationCode} {reference.Direction}");
        }

        return differences.Count == 0
            ? null
            : $"prediction and reference geometry differ: {string.Join("; ", differences)} (tolerance {tolerance.ToString(CultureInfo.InvariantCulture)}); resample the prediction onto the reference grid";
    }

    private static SegmentationMetrics EvaluateLabel(
        LabelDefinition label, LabelValueIndex index, LabelVolume prediction, LabelVolume reference, ImageSize size, Vector3D spacing, SegmentationOptions options)
    {
        var members = index.MembersOf(label);
        var box = VoxelBox.Empty;
        long predictionVoxels = 0, referenceVoxels = 0;
        for (int i = 1; i < index.Count; i++)
        {
            if (members[i] != 0)
            {
                box = box.Union(prediction.Boxes[i]).Union(reference.Boxes[i]);
                predictionVoxels += prediction.Counts[i];
                referenceVoxels += reference.Counts[i];
            }
        }

        double tolerance = options.ToleranceFor(label.Name);
        bool threeD = size.Rank >= 3;
        if (box.IsEmpty)
        {
            return SurfaceComparison.Compare([], 1, 1, 1, spacing, threeD, 0, 0, 0, tolerance, options);
        }

        var crop = new byte[box.VoxelCount];
        long truePositives = Extract(box, size, members, prediction.Indices, reference.Indices, crop);
        return SurfaceComparison.Compare(crop, box.SizeX, box.SizeY, box.SizeZ, spacing, threeD, truePositives, predictionVoxels, referenceVoxels, tolerance, options);
    }

    /// <summary>Copies the label's voxels inside <paramref name="box"/> into bit flags; returns the voxels in both masks.</summary>
    private static long Extract(VoxelBox box, ImageSize size, byte[] members, ushort[] prediction, ushort[] reference, byte[] crop)
    {
        int nx = box.SizeX, ny = box.SizeY;
        long both = 0;
        Parallel.For(0, box.SizeZ, () => 0L, (dz, _, local) =>
        {
            int z = box.MinZ + dz;
            for (int dy = 0; dy < ny; dy++)
            {
                int y = box.MinY + dy;
                int source = (int)((((long)z * size.Y) + y) * size.X) + box.MinX;
                var predictionRow = prediction.AsSpan(source, nx);
                var referenceRow = reference.AsSpan(source, nx);
                var target = crop.AsSpan(((dz * ny) + dy) * nx, nx);
                for (int x = 0; x < nx; x++)
                {
                    int p = members[predictionRow[x]];
                    int r = members[referenceRow[x]];
                    target[x] = (byte)(p | (r << 1));
                    local += p & r;
                }
            }

            return local;
        }, local => Interlocked.Add(ref both, local));
        return both;
    }

    private static void CheckImage(Image image, string role, List<string> problems)
    {
        if (image.Channels != 1)
        {
            problems.Add($"{role} has {image.Channels} channels; a label map has one");
        }

        if (image.Size.T != 1)
        {
            problems.Add($"{role} has {image.Size.T} frames; a label map is 2D or 3D");
        }

        if (image.Size.VoxelCount > Array.MaxLength)
        {
            problems.Add($"{role} has {image.Size.VoxelCount} voxels, more than the {Array.MaxLength} evaluation supports");
        }

        if (!image.Geometry.Direction.IsOrthonormal(1e-3))
        {
            problems.Add($"{role} direction {image.Geometry.Direction} is not orthonormal (sheared axes), so distances cannot be measured along the index axes; resample it");
        }
    }

    private static void CheckValues(LabelVolume volume, string role, List<string> problems)
    {
        if (volume.NonIntegerVoxels > 0)
        {
            problems.Add(FormattableString.Invariant(
                $"{role} has {volume.NonIntegerVoxels} voxel{(volume.NonIntegerVoxels == 1 ? string.Empty : "s")} with non-integer values (first {volume.FirstNonIntegerValue}); a label map holds integers, so round it or use nearest-neighbour resampling"));
        }

        if (volume.UndeclaredVoxels > 0)
        {
            var values = string.Join(", ", volume.UndeclaredValues.Select(p => FormattableString.Invariant($"{p.Key} ({p.Value} voxel{(p.Value == 1 ? string.Empty : "s")})")));
            string more = volume.UndeclaredValues.Values.Sum() < volume.UndeclaredVoxels ? ", ..." : string.Empty;
            problems.Add($"{role} has label values not declared in the label set: {values}{more}");
        }
    }

    private static Image? TryRead(string path, string role, List<string> problems)
    {
        try
        {
            return ImageFile.Read(path);
        }
        catch (MedVoxException ex)
        {
            problems.Add($"{role} {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            problems.Add($"{role} {path}: {ex.Message.ReplaceLineEndings(" ")}");
        }

        return null;
    }

    private static Dictionary<string, List<string>> ListCases(string folder, string role)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
        {
            throw new MedVoxException(File.Exists(folder) ? $"is a file, not a {role} folder" : $"no such {role} folder", folder);
        }

        var cases = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string path in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(path).StartsWith('.'))
            {
                continue;
            }

            string? id = CaseIdOf(path);
            if (id is null)
            {
                continue;
            }

            if (!cases.TryGetValue(id, out var files))
            {
                cases[id] = files = [];
            }

            files.Add(path);
        }

        return cases;
    }
}
