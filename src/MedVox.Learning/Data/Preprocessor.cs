using System.Runtime.InteropServices;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.IO;
using MedVox.IO.Datasets;

namespace MedVox.Learning.Data;

/// <summary>How many cases <see cref="Preprocessor.Run"/> works on at once (each holds its volumes in memory meanwhile).</summary>
public sealed record PreprocessorOptions
{
    public int MaxParallelCases { get; init; } = Math.Max(1, Math.Min(4, Environment.ProcessorCount / 2));
}

/// <summary>
/// Turns dataset cases into training-ready volumes as a <see cref="PreprocessingPlan"/> says, in nnU-Net's order:
/// crop to the plan's box, normalise each channel (on the original grid), resample to the target spacing (images
/// linearly, with "separate z" for anisotropic cases; labels by nearest neighbour), and remember sampled foreground
/// voxels per class. <see cref="Run"/> writes each case into a cache folder of raw little-endian files and a small JSON
/// (<see cref="PreprocessedCaseInfo"/>), read back memory-mapped by <see cref="PreprocessedCache"/>.
/// </summary>
public sealed class Preprocessor
{
    private readonly PreprocessorOptions _options;

    public Preprocessor(PreprocessingPlan plan, PreprocessorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        plan.Validate();
        Plan = plan;
        PlanHash = plan.Hash();
        _options = options ?? new PreprocessorOptions();
    }

    public PreprocessingPlan Plan { get; }

    public string PlanHash { get; }

    /// <summary>
    /// Preprocesses every training case of <paramref name="dataset"/> into <paramref name="cacheDirectory"/>, in parallel,
    /// skipping cases already there with this plan. A bad case (geometry mismatch between image and label, NaN or
    /// infinite intensities, label values not declared in dataset.json, missing files) fails alone, with its
    /// <see cref="MedVoxException"/> in the report, and nothing of it is written; see <see cref="PreprocessingReport.ThrowIfFailed"/>.
    /// Progress goes from 0 to 1 as cases finish.
    /// </summary>
    public PreprocessingReport Run(DecathlonDataset dataset, string cacheDirectory, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(cacheDirectory);
        if (dataset.Description.ChannelNames.Count != Plan.ChannelCount)
        {
            throw new MedVoxException(
                $"the dataset declares {dataset.Description.ChannelNames.Count} channel(s), the plan {Plan.ChannelCount}",
                Path.Combine(dataset.Directory, DatasetDescription.FileName),
                "channel_names",
                "make a plan for this dataset");
        }

        var started = System.Diagnostics.Stopwatch.StartNew();
        Directory.CreateDirectory(cacheDirectory);
        string planPath = Path.Combine(cacheDirectory, PreprocessingPlan.FileName);
        if (!File.Exists(planPath) || !IsSamePlan(planPath))
        {
            Plan.Save(planPath);
        }

        var cases = dataset.TrainingCases;
        var declared = dataset.Description.DeclaredValues;
        var results = new CaseResult[cases.Count];
        long bytesRead = 0, bytesWritten = 0;
        int done = 0;
        try
        {
            Parallel.For(
                0,
                cases.Count,
                new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelCases, CancellationToken = cancellation },
                i =>
                {
                    var datasetCase = cases[i];
                    if (IsCached(cacheDirectory, datasetCase.Id))
                    {
                        results[i] = new CaseResult(datasetCase.Id, CaseOutcome.Skipped);
                    }
                    else
                    {
                        try
                        {
                            using var loaded = CaseReader.Load(datasetCase, Plan.ChannelCount, declared, requireLabel: true, cancellation);
                            using var volume = Transform(loaded);
                            Interlocked.Add(ref bytesWritten, Write(volume, cacheDirectory));
                            Interlocked.Add(ref bytesRead, InputBytes(datasetCase));
                            results[i] = new CaseResult(datasetCase.Id, CaseOutcome.Written);
                        }
                        catch (MedVoxException ex)
                        {
                            results[i] = new CaseResult(datasetCase.Id, CaseOutcome.Failed, ex);
                        }
                        catch (IOException ex)
                        {
                            var error = new MedVoxException($"case {datasetCase.Id} could not be preprocessed: {ex.Message}", cacheDirectory, hint: "check the disk space and permissions of the cache folder", inner: ex);
                            results[i] = new CaseResult(datasetCase.Id, CaseOutcome.Failed, error);
                        }
                    }

                    progress?.Report((double)Interlocked.Increment(ref done) / cases.Count);
                });
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
        }

        return new PreprocessingReport(results, started.Elapsed, bytesRead, bytesWritten);
    }

    /// <summary>Reads, checks and preprocesses one case in memory (for inference pass a case without label).</summary>
    public PreprocessedVolume Transform(DatasetCase datasetCase, DatasetDescription description, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(datasetCase);
        ArgumentNullException.ThrowIfNull(description);
        using var loaded = CaseReader.Load(datasetCase, Plan.ChannelCount, description.DeclaredValues, requireLabel: false, cancellation);
        return Transform(loaded);
    }

    /// <summary>Preprocesses images in memory (one per channel, or multi-component/4D images whose components are channels) and an optional label.</summary>
    public PreprocessedVolume Transform(string caseId, IReadOnlyList<Image> channels, Image? label = null)
    {
        ArgumentNullException.ThrowIfNull(caseId);
        ArgumentNullException.ThrowIfNull(channels);
        var declared = new HashSet<int>(Plan.LabelValues);
        using var loaded = CaseReader.FromImages(caseId, channels, label, declared);
        if (loaded.Channels.Count != Plan.ChannelCount)
        {
            throw new MedVoxException($"case {caseId} has {loaded.Channels.Count} channel(s), the plan {Plan.ChannelCount}");
        }

        return Transform(loaded);
    }

    /// <summary>
    /// Maps a map on the preprocessed grid of a case (a predicted label map, by default with nearest neighbour) back onto
    /// the case's original grid; voxels outside the crop box get <see cref="ResampleOptions.DefaultValue"/> (0).
    /// </summary>
    public static Image RestoreToOriginal(Image image, PreprocessedCaseInfo info, ResampleOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(info);
        var grid = info.Geometry.ToGeometry();
        if (image.Size.X != grid.Size.X || image.Size.Y != grid.Size.Y || image.Size.Z != grid.Size.Z)
        {
            throw new ArgumentException($"The image has size {image.Size}; case {info.Id} was preprocessed to {grid.Size}.", nameof(image));
        }

        using var placed = image.Crop(Index3.Zero, image.Size);
        placed.SetGeometry(grid.WithSize(image.Size));
        return placed.ResampleTo(info.OriginalGeometry.ToGeometry(), options ?? ResampleOptions.Labels);
    }

    /// <summary>True when <paramref name="caseId"/> is in the cache with this plan and all its files are complete.</summary>
    public bool IsCached(string cacheDirectory, string caseId)
    {
        string path = Path.Combine(cacheDirectory, caseId + PreprocessedCaseInfo.Suffix);
        if (!File.Exists(path))
        {
            return false;
        }

        PreprocessedCaseInfo info;
        try
        {
            info = DataJson.Load<PreprocessedCaseInfo>(path, "preprocessed case");
        }
        catch (MedVoxException)
        {
            return false;
        }

        return info.Format == PreprocessedCaseInfo.CurrentFormat && info.PlanHash == PlanHash && info.Id == caseId
            && HasLength(cacheDirectory, info.ImageFile, info.ImageBytes)
            && (info.LabelFile is null || HasLength(cacheDirectory, info.LabelFile, info.LabelBytes))
            && (info.LocationsFile is null || HasLength(cacheDirectory, info.LocationsFile, info.LocationsBytes));

        static bool HasLength(string directory, string file, long length)
        {
            var fileInfo = new FileInfo(Path.Combine(directory, file));
            return fileInfo.Exists && fileInfo.Length == length;
        }
    }

    /// <summary>
    /// The thick axis to resample on its own, as nnU-Net decides: the axis of largest spacing when the case's spacing (or
    /// else the target spacing) is more anisotropic than the threshold, and only when that axis is unique.
    /// </summary>
    public static int? SeparateAxis(Vector3D spacing, Vector3D target, int rank, double anisotropyThreshold)
    {
        int axes = rank == 2 ? 2 : 3;
        return Anisotropic(spacing) ? ThickAxis(spacing) : Anisotropic(target) ? ThickAxis(target) : null;

        bool Anisotropic(Vector3D s)
        {
            double min = double.MaxValue, max = 0;
            for (int a = 0; a < axes; a++)
            {
                min = Math.Min(min, s[a]);
                max = Math.Max(max, s[a]);
            }

            return max / min > anisotropyThreshold;
        }

        int? ThickAxis(Vector3D s)
        {
            int thick = -1, count = 0;
            double max = 0;
            for (int a = 0; a < axes; a++)
            {
                max = Math.Max(max, s[a]);
            }

            for (int a = 0; a < axes; a++)
            {
                if (Math.Abs(s[a] - max) <= 1e-9 * max)
                {
                    thick = a;
                    count++;
                }
            }

            return count == 1 ? thick : null;
        }
    }

    internal PreprocessedVolume Transform(LoadedCase loaded)
    {
        var geometry = loaded.Geometry;
        var size = geometry.Size;
        var (start, cropSize) = CropBox(loaded.Channels, size);
        var target = new Vector3D(Plan.TargetSpacing[0], Plan.TargetSpacing[1], Plan.TargetSpacing[2]);
        var newSize = Resampling.SizeForSpacing(cropSize, geometry.Spacing, target);
        bool resample = newSize != cropSize;
        int? separate = resample ? SeparateAxis(geometry.Spacing, target, size.Rank, Plan.AnisotropyThreshold) : null;
        var imageOptions = new ResampleOptions
        {
            Interpolation = Interpolation.Linear,
            SeparateAxis = separate,
            SeparateAxisInterpolation = Plan.SeparateAxisInterpolation,
            OutputType = ElementType.Float32,
        };

        var channels = new List<Image>();
        Image? label = null;
        try
        {
            for (int c = 0; c < loaded.Channels.Count; c++)
            {
                using var view = loaded.Channels[c].Crop(start, cropSize);
                var normalized = Normalize(view, Plan.Normalization[c]);
                if (resample)
                {
                    using (normalized)
                    {
                        channels.Add(normalized.ResampleToSpacing(target, imageOptions));
                    }
                }
                else
                {
                    channels.Add(normalized);
                }
            }

            var locations = new List<ClassLocations>();
            var triples = new List<int[]>();
            if (loaded.Label is not null)
            {
                using var view = loaded.Label.Crop(start, cropSize);
                label = resample ? view.ResampleToSpacing(target, ResampleOptions.Labels) : view.Clone();
                SampleClassLocations(label, loaded.Id, locations, triples);
            }

            var info = new PreprocessedCaseInfo
            {
                Id = loaded.Id,
                PlanHash = PlanHash,
                Channels = channels.Count,
                Geometry = GeometryRecord.From(channels[0].Geometry),
                OriginalGeometry = GeometryRecord.From(geometry),
                CropStart = [start.X, start.Y, start.Z],
                CropSize = [cropSize.X, cropSize.Y, cropSize.Z],
                SeparateAxis = separate,
                ImageFile = loaded.Id + ".image.f32",
                LabelFile = label is null ? null : loaded.Id + ".label.u8",
                LocationsFile = label is null ? null : loaded.Id + ".locations.i32",
                ClassLocations = locations,
            };
            return new PreprocessedVolume(info, channels, label, triples);
        }
        catch
        {
            foreach (var channel in channels)
            {
                channel.Dispose();
            }

            label?.Dispose();
            throw;
        }
    }

    private bool IsSamePlan(string path)
    {
        try
        {
            return PreprocessingPlan.Load(path).Hash() == PlanHash;
        }
        catch (MedVoxException)
        {
            return false;
        }
    }

    /// <summary>The plan's crop box (start, size) over all channels; the whole image when nothing passes the test.</summary>
    private (Index3 Start, ImageSize Size) CropBox(List<Image> channels, ImageSize size)
    {
        if (Plan.Crop == CropMode.None)
        {
            return (Index3.Zero, size);
        }

        bool nonzero = Plan.Crop == CropMode.Nonzero;
        float threshold = (float)Plan.CropThreshold;
        var boxes = new int[size.Z][];
        ParallelSlabs.For(size.Z, z =>
        {
            int minX = int.MaxValue, maxX = -1, minY = int.MaxValue, maxY = -1;
            for (int y = 0; y < size.Y; y++)
            {
                bool any = false;
                foreach (var channel in channels)
                {
                    ReadOnlySpan<float> row = channel.GetRow<float>(y, z);
                    for (int x = 0; x < row.Length; x++)
                    {
                        if (nonzero ? row[x] != 0 : row[x] > threshold)
                        {
                            any = true;
                            minX = Math.Min(minX, x);
                            maxX = Math.Max(maxX, x);
                        }
                    }
                }

                if (any)
                {
                    minY = Math.Min(minY, y);
                    maxY = Math.Max(maxY, y);
                }
            }

            boxes[z] = [minX, maxX, minY, maxY];
        });

        int x0 = int.MaxValue, x1 = -1, y0 = int.MaxValue, y1 = -1, z0 = int.MaxValue, z1 = -1;
        for (int z = 0; z < size.Z; z++)
        {
            var b = boxes[z];
            if (b[1] >= 0)
            {
                x0 = Math.Min(x0, b[0]);
                x1 = Math.Max(x1, b[1]);
                y0 = Math.Min(y0, b[2]);
                y1 = Math.Max(y1, b[3]);
                z0 = Math.Min(z0, z);
                z1 = Math.Max(z1, z);
            }
        }

        if (z1 < 0)
        {
            return (Index3.Zero, size);
        }

        return (new Index3(x0, y0, z0), new ImageSize(x1 - x0 + 1, y1 - y0 + 1, z1 - z0 + 1, 1, size.Rank));
    }

    /// <summary>A float32 copy of <paramref name="view"/>, normalised as <paramref name="normalization"/> says.</summary>
    private static Image Normalize(Image view, ChannelNormalization normalization)
    {
        double low = double.NegativeInfinity, high = double.PositiveInfinity, offset = 0, scale = 1;
        switch (normalization.Scheme)
        {
            case NormalizationScheme.CT:
                low = normalization.ClipLow;
                high = normalization.ClipHigh;
                offset = normalization.Mean;
                scale = 1 / Math.Max(normalization.StandardDeviation, 1e-8);
                break;
            case NormalizationScheme.ZScore:
                var stats = ImageStatistics.Compute(view);
                offset = stats.Mean;
                scale = 1 / Math.Max(stats.StandardDeviation, 1e-8);
                break;
            case NormalizationScheme.RescaleToUnit:
                var range = ImageStatistics.Compute(view);
                offset = range.Min;
                scale = 1 / Math.Max(range.Max - range.Min, 1e-8);
                break;
            case NormalizationScheme.RgbToUnit:
                scale = 1 / 255.0;
                break;
            default:
                break;
        }

        var result = Image.Create(view.Geometry, ElementType.Float32);
        ParallelSlabs.For(view.Size.Z, z =>
        {
            for (int y = 0; y < view.Size.Y; y++)
            {
                ReadOnlySpan<float> input = view.GetRow<float>(y, z);
                var output = result.GetRow<float>(y, z);
                for (int x = 0; x < input.Length; x++)
                {
                    output[x] = (float)((Math.Clamp(input[x], low, high) - offset) * scale);
                }
            }
        });
        return result;
    }

    /// <summary>
    /// nnU-Net's class locations: per foreground class, min(voxels, samples) voxels but at least the plan's fraction of
    /// them, drawn uniformly without replacement (selection sampling in scan order, seeded per case).
    /// </summary>
    private void SampleClassLocations(Image label, string caseId, List<ClassLocations> locations, List<int[]> triples)
    {
        var size = label.Size;
        var histograms = new long[size.Z][];
        ParallelSlabs.For(size.Z, z =>
        {
            var counts = new long[256];
            for (int y = 0; y < size.Y; y++)
            {
                foreach (byte v in label.GetRow<byte>(y, z))
                {
                    counts[v]++;
                }
            }

            histograms[z] = counts;
        });

        var total = new long[256];
        foreach (var h in histograms)
        {
            for (int v = 0; v < 256; v++)
            {
                total[v] += h[v];
            }
        }

        var wanted = new int[256];
        var remaining = new long[256];
        var arrays = new int[256][];
        var taken = new int[256];
        var values = new List<int>(Plan.LabelValues);
        values.Sort();
        long offset = 0;
        foreach (int value in values)
        {
            if (value <= 0)
            {
                continue;
            }

            long count = total[value];
            long target = Math.Min(count, Plan.ClassLocationSamples);
            target = Math.Max(target, (long)Math.Ceiling(count * Plan.ClassLocationMinFraction));
            wanted[value] = (int)Math.Min(target, Array.MaxLength / 3);
            remaining[value] = count;
            arrays[value] = new int[wanted[value] * 3];
            locations.Add(new ClassLocations { Value = value, Voxels = count, Offset = offset, Count = wanted[value] });
            triples.Add(arrays[value]);
            offset += wanted[value];
        }

        var random = new DataRandom(Plan.Seed, StableHash(caseId), purpose: 2);
        for (int z = 0; z < size.Z; z++)
        {
            for (int y = 0; y < size.Y; y++)
            {
                ReadOnlySpan<byte> row = label.GetRow<byte>(y, z);
                for (int x = 0; x < row.Length; x++)
                {
                    int v = row[x];
                    if (v == 0 || arrays[v] is null)
                    {
                        continue;
                    }

                    int needed = wanted[v] - taken[v];
                    if (needed > 0 && (needed >= remaining[v] || random.NextInt64(remaining[v]) < needed))
                    {
                        int i = taken[v]++ * 3;
                        arrays[v][i] = x;
                        arrays[v][i + 1] = y;
                        arrays[v][i + 2] = z;
                    }

                    remaining[v]--;
                }
            }
        }
    }

    /// <summary>Writes the case's files (data first, JSON last, each atomically); returns the bytes written.</summary>
    private static long Write(PreprocessedVolume volume, string directory)
    {
        var info = volume.Info;
        using (var file = AtomicFile.Create(Path.Combine(directory, info.ImageFile)))
        {
            foreach (var channel in volume.Channels)
            {
                WriteRows(channel, file.Stream);
            }

            file.Commit();
        }

        if (volume.Label is not null)
        {
            using (var file = AtomicFile.Create(Path.Combine(directory, info.LabelFile!)))
            {
                WriteRows(volume.Label, file.Stream);
                file.Commit();
            }

            using (var file = AtomicFile.Create(Path.Combine(directory, info.LocationsFile!)))
            {
                foreach (var triples in volume.ClassLocationTriples)
                {
                    file.Stream.Write(MemoryMarshal.AsBytes(triples.AsSpan()));
                }

                file.Commit();
            }
        }

        DataJson.Save(info, Path.Combine(directory, info.Id + PreprocessedCaseInfo.Suffix));
        return info.ImageBytes + info.LabelBytes + info.LocationsBytes;
    }

    private static void WriteRows(Image image, Stream stream)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The training cache is written in little-endian byte order.");
        }

        for (int z = 0; z < image.Size.Z; z++)
        {
            for (int y = 0; y < image.Size.Y; y++)
            {
                stream.Write(image.GetRowBytes(y, z));
            }
        }
    }

    private static long InputBytes(DatasetCase datasetCase)
    {
        long bytes = 0;
        foreach (var path in datasetCase.ImagePaths)
        {
            bytes += new FileInfo(path).Length;
        }

        if (datasetCase.LabelPath is not null && File.Exists(datasetCase.LabelPath))
        {
            bytes += new FileInfo(datasetCase.LabelPath).Length;
        }

        return bytes;
    }

    /// <summary>FNV-1a of the case identifier: a stream number that does not depend on the case's position in the dataset.</summary>
    internal static long StableHash(string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return (long)(hash >> 1);
    }
}
