using MedVox.IO.Datasets;

namespace MedVox.Learning.Data;

/// <summary>How <see cref="DatasetFingerprint.Compute"/> samples and how much it runs at once.</summary>
public sealed record FingerprintOptions
{
    /// <summary>
    /// Foreground voxels sampled per channel over the whole dataset (split evenly between cases) for the median and
    /// percentiles. nnU-Net samples 10^8 with replacement; MedVox samples 10^7 without replacement (a case with fewer
    /// foreground voxels than its share contributes all of them), which keeps the pooled sample at 40 MB per channel.
    /// </summary>
    public long ForegroundSampleBudget { get; init; } = 10_000_000;

    /// <summary>Seed of the sampling (nnU-Net uses 1234).</summary>
    public ulong Seed { get; init; } = 1234;

    /// <summary>Cases read at once; each holds its volumes in memory while it is fingerprinted.</summary>
    public int MaxParallelCases { get; init; } = Math.Max(1, Math.Min(4, Environment.ProcessorCount / 2));
}

/// <summary>
/// The dataset fingerprint nnU-Net plans from: per case size, spacing, nonzero box and foreground intensity statistics;
/// per channel the foreground intensity statistics of the pooled samples (what CT normalisation clips and scales with);
/// and the dataset medians. Saved as JSON (<see cref="FileName"/>).
/// </summary>
public sealed record DatasetFingerprint
{
    public const string FileName = "fingerprint.json";

    public const string CurrentFormat = "medvox-fingerprint/1";

    public string Format { get; init; } = CurrentFormat;

    public string DatasetName { get; init; } = string.Empty;

    public required IReadOnlyList<string> ChannelNames { get; init; }

    /// <summary>Label values declared in dataset.json (background included).</summary>
    public required IReadOnlyList<int> LabelValues { get; init; }

    public required IReadOnlyList<CaseFingerprint> Cases { get; init; }

    /// <summary>Per channel, from the foreground samples of all cases pooled (nnU-Net's foreground_intensity_properties_per_channel).</summary>
    public required IReadOnlyList<IntensityStatistics> ForegroundIntensities { get; init; }

    /// <summary>Median spacing per index axis (x, y, z) over the cases.</summary>
    public required double[] MedianSpacing { get; init; }

    /// <summary>Median size per axis over the cases.</summary>
    public required int[] MedianSize { get; init; }

    /// <summary>Median size per axis of the nonzero boxes.</summary>
    public required int[] MedianNonzeroSize { get; init; }

    /// <summary>Foreground voxels sampled per case and channel.</summary>
    public long SamplesPerCase { get; init; }

    /// <summary>Reads every training case of <paramref name="dataset"/> (in parallel) and fingerprints it; a bad case throws its <see cref="MedVoxException"/>.</summary>
    public static DatasetFingerprint Compute(DecathlonDataset dataset, FingerprintOptions? options = null, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        options ??= new FingerprintOptions();
        var cases = dataset.TrainingCases;
        if (cases.Count == 0)
        {
            throw new MedVoxException("the dataset has no training case", dataset.Directory, hint: "put images in imagesTr/ and labels in labelsTr/");
        }

        int perCase = (int)Math.Clamp(options.ForegroundSampleBudget / cases.Count, 1, Array.MaxLength);
        var declared = dataset.Description.DeclaredValues;
        int channelCount = dataset.Description.ChannelNames.Count;
        var fingerprints = new CaseFingerprint[cases.Count];
        var samples = new float[cases.Count][][];
        int done = 0;
        try
        {
            Parallel.For(
                0,
                cases.Count,
                new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelCases, CancellationToken = cancellation },
                i =>
                {
                    using var loaded = CaseReader.Load(cases[i], channelCount, declared, requireLabel: true, cancellation);
                    (fingerprints[i], samples[i]) = CaseFingerprint.Compute(loaded, perCase, options.Seed, i);
                    progress?.Report((double)Interlocked.Increment(ref done) / cases.Count);
                });
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
        }

        var pooled = new IntensityStatistics[channelCount];
        for (int c = 0; c < channelCount; c++)
        {
            long total = 0;
            foreach (var s in samples)
            {
                total += s[c].Length;
            }

            var all = new float[total];
            long offset = 0;
            foreach (var s in samples)
            {
                s[c].CopyTo(all, offset);
                offset += s[c].Length;
            }

            pooled[c] = IntensityStatistics.FromSample(all);
        }

        var values = new List<int>(declared);
        values.Sort();
        return new DatasetFingerprint
        {
            DatasetName = dataset.Description.Name,
            ChannelNames = [.. dataset.Description.ChannelNames],
            LabelValues = values,
            Cases = fingerprints,
            ForegroundIntensities = pooled,
            MedianSpacing = [Median(fingerprints, f => f.Spacing[0]), Median(fingerprints, f => f.Spacing[1]), Median(fingerprints, f => f.Spacing[2])],
            MedianSize = [RoundedMedian(fingerprints, f => f.Size[0]), RoundedMedian(fingerprints, f => f.Size[1]), RoundedMedian(fingerprints, f => f.Size[2])],
            MedianNonzeroSize = [RoundedMedian(fingerprints, f => f.NonzeroSize[0]), RoundedMedian(fingerprints, f => f.NonzeroSize[1]), RoundedMedian(fingerprints, f => f.NonzeroSize[2])],
            SamplesPerCase = perCase,
        };
    }

    /// <summary>Writes the fingerprint as JSON (atomically).</summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        DataJson.Save(this, path);
    }

    public static DatasetFingerprint Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var fingerprint = DataJson.Load<DatasetFingerprint>(path, "dataset fingerprint");
        if (fingerprint.Format != CurrentFormat)
        {
            throw new MedVoxException($"fingerprint format \"{fingerprint.Format}\" is not {CurrentFormat}", path, "format", "compute the fingerprint again");
        }

        return fingerprint;
    }

    private static int RoundedMedian(IReadOnlyList<CaseFingerprint> cases, Func<CaseFingerprint, double> value) =>
        (int)Math.Round(Median(cases, value), MidpointRounding.ToEven);

    /// <summary>numpy's median: the middle value, or the mean of the two middle values.</summary>
    internal static double Median(IReadOnlyList<CaseFingerprint> cases, Func<CaseFingerprint, double> value)
    {
        var values = new double[cases.Count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = value(cases[i]);
        }

        Array.Sort(values);
        int middle = values.Length / 2;
        return values.Length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}
