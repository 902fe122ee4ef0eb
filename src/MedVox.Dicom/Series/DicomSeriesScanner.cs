using System.Collections.Concurrent;
using MedVox.Dicom.Pixels;
using MedVox.Geometry;

namespace MedVox.Dicom.Series;

/// <summary>
/// Scans a folder: parses every file's header in parallel (pixels are not read), groups images by
/// SeriesInstanceUID, splits a series into stacks where orientation, size, pixel format, echo or stack differ, and
/// sorts and checks each stack. Files that are not DICOM images are listed as skipped with the reason.
/// </summary>
public static class DicomSeriesScanner
{
    public static DicomFolderScan Scan(string folder, DicomScanOptions? options = null)
    {
        options ??= DicomScanOptions.Default;
        if (!Directory.Exists(folder))
        {
            throw new MedVoxException(File.Exists(folder) ? "is a file, not a folder of DICOM files" : "no such folder", folder);
        }

        var files = Directory.EnumerateFiles(folder, "*", options.Recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
            .Order(StringComparer.Ordinal)
            .ToArray();
        return Scan(folder, files, options);
    }

    /// <summary>Scans the given files (a folder's or any list).</summary>
    public static DicomFolderScan Scan(string folder, IReadOnlyList<string> files, DicomScanOptions? options = null)
    {
        options ??= DicomScanOptions.Default;
        var slices = new List<DicomSlice>[files.Count];
        var skipped = new ConcurrentBag<DicomSkippedFile>();
        int done = 0;
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxParallelism) }, i =>
        {
            string path = files[i];
            try
            {
                var file = DicomFile.Open(path);
                if (file.PixelData is null)
                {
                    string sop = file.Dataset.GetString(DicomTag.SOPClassUID) ?? file.Meta.GetString(DicomTag.MediaStorageSOPClassUID) ?? "unknown SOP class";
                    skipped.Add(new DicomSkippedFile(path, $"no pixel data ({sop})"));
                }
                else
                {
                    slices[i] = DicomSlice.FromFile(file);
                }
            }
            catch (MedVoxException ex)
            {
                skipped.Add(new DicomSkippedFile(path, ex.FilePath == path ? Reason(ex) : ex.Message));
            }
            catch (IOException ex)
            {
                skipped.Add(new DicomSkippedFile(path, $"cannot be read ({ex.Message})"));
            }

            int count = Interlocked.Increment(ref done);
            options.Progress?.Report(new DicomProgress("scan", count, files.Count));
        });

        // Copies of the same instance (archives often hold duplicates) would read as a second time point: keep the first.
        var all = new List<DicomSlice>();
        var seen = new HashSet<(string, int)>();
        foreach (var slice in slices.Where(s => s is not null).SelectMany(s => s))
        {
            string? sop = slice.File.Dataset.GetString(DicomTag.SOPInstanceUID);
            if (string.IsNullOrEmpty(sop) || seen.Add((sop, slice.Frame)))
            {
                all.Add(slice);
            }
            else if (slice.Frame == 0)
            {
                skipped.Add(new DicomSkippedFile(slice.File.Path, $"duplicate of SOP instance {sop}, already read from another file"));
            }
        }
        var studies = new List<DicomStudyInfo>();
        foreach (var study in all.GroupBy(s => s.File.Dataset.GetString(DicomTag.StudyInstanceUID) ?? string.Empty, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var series = new List<DicomSeriesInfo>();
            foreach (var group in study.GroupBy(s => s.File.Dataset.GetString(DicomTag.SeriesInstanceUID) ?? string.Empty, StringComparer.Ordinal)
                .OrderBy(g => g.First().File.Dataset.GetInt(DicomTag.SeriesNumber) ?? int.MaxValue).ThenBy(g => g.Key, StringComparer.Ordinal))
            {
                series.AddRange(BuildSeries(study.Key, group.Key, [.. group], options.SpacingTolerance));
            }

            var firstDataset = study.First().File.Dataset;
            studies.Add(new DicomStudyInfo(
                study.Key,
                firstDataset.GetString(DicomTag.StudyDate),
                firstDataset.GetString(DicomTag.StudyDescription),
                firstDataset.GetString(DicomTag.PatientID),
                firstDataset.GetString(DicomTag.PatientName),
                series));
        }

        return new DicomFolderScan(folder, studies, [.. skipped.OrderBy(s => s.Path, StringComparer.Ordinal)]);
    }

    private static string Reason(MedVoxException ex) =>
        ex.What + (ex.Field is not null ? $" (field {ex.Field})" : string.Empty) + (ex.Hint is not null ? $"; {ex.Hint}" : string.Empty);

    private static List<DicomSeriesInfo> BuildSeries(string studyUid, string seriesUid, List<DicomSlice> slices, double tolerance)
    {
        // Stacks: same size and pixel format, same orientation (within 1e-3), same echo and enhanced stack ID.
        var stacks = new List<(DicomSlice Key, List<DicomSlice> Slices)>();
        foreach (var slice in slices)
        {
            var match = stacks.FindIndex(s => SameStack(s.Key, slice));
            if (match < 0)
            {
                stacks.Add((slice, [slice]));
            }
            else
            {
                stacks[match].Slices.Add(slice);
            }
        }

        stacks.Sort((a, b) => b.Slices.Count.CompareTo(a.Slices.Count));
        var result = new List<DicomSeriesInfo>();
        string uid = seriesUid.Length > 0 ? seriesUid : "(no SeriesInstanceUID)";
        for (int i = 0; i < stacks.Count; i++)
        {
            var members = stacks[i].Slices;
            var stack = DicomSliceStack.Build(members, tolerance);
            var warnings = new List<string>(stack.Warnings);
            foreach (var file in members.Select(s => s.File).Distinct())
            {
                foreach (var warning in file.Warnings.Concat(file.Dataset.CharacterSetWarning is { } w ? [w] : []))
                {
                    string text = $"{file.Path}: {warning}";
                    if (!warnings.Contains(text))
                    {
                        warnings.Add(text);
                    }
                }
            }

            if (stacks.Count > 1)
            {
                var others = stacks.Where((_, j) => j != i).Select(s => Describe(s.Key, s.Slices)).ToList();
                warnings.Insert(0, $"series {uid} splits into {stacks.Count} stacks that differ in size, orientation, pixel format, echo or stack; this is stack {i + 1}; the others: {string.Join("; ", others)}");
            }

            warnings.AddRange(stack.Irregularities);
            var first = stack.Ordered[0];
            var ds = first.File.Dataset;
            result.Add(new DicomSeriesInfo(stacks.Count > 1 ? $"{uid}#{i + 1}" : uid, stack)
            {
                SeriesInstanceUID = uid,
                StudyInstanceUID = studyUid,
                StackIndex = i + 1,
                StackCount = stacks.Count,
                Modality = ds.GetString(DicomTag.Modality),
                Description = ds.GetString(DicomTag.SeriesDescription),
                SeriesNumber = SafeInt(ds, DicomTag.SeriesNumber),
                SliceCount = stack.Z,
                FileCount = members.Select(s => s.File).Distinct().Count(),
                Size = stack.Size,
                Spacing = stack.Spacing,
                Origin = stack.Origin,
                Direction = stack.Direction,
                StoredType = first.Format.StoredType,
                Problems = stack.Problems,
                Warnings = warnings,
                SpacingIrregularities = stack.Irregularities,
            });
        }

        return result;
    }

    private static int? SafeInt(DicomDataset ds, DicomTag tag)
    {
        try
        {
            return ds.GetInt(tag);
        }
        catch (InvalidImageFileException)
        {
            return null;
        }
    }

    private static string Describe(DicomSlice key, List<DicomSlice> slices)
    {
        var f = key.Format;
        string files = slices.Count <= 3 ? $" ({DicomSliceStack.Examples(slices.Select(s => s.Name).ToList())})" : string.Empty;
        return $"{slices.Count} slice(s) of {f.Columns}x{f.Rows}{files}";
    }

    private static bool SameStack(DicomSlice a, DicomSlice b)
    {
        DicomPixelFormat fa = a.Format, fb = b.Format;
        if (fa.Rows != fb.Rows || fa.Columns != fb.Columns || fa.SamplesPerPixel != fb.SamplesPerPixel
            || fa.BitsAllocated != fb.BitsAllocated || fa.IsSigned != fb.IsSigned || fa.IsFloat != fb.IsFloat
            || a.Echo != b.Echo || !string.Equals(a.StackId, b.StackId, StringComparison.Ordinal))
        {
            return false;
        }

        return Close(a.RowCosine, b.RowCosine) && Close(a.ColumnCosine, b.ColumnCosine);
    }

    private static bool Close(Vector3D? a, Vector3D? b) =>
        (a is null && b is null) || (a is { } x && b is { } y && Vector3D.MaxAbsDifference(x.Normalized(), y.Normalized()) < 1e-3);
}
