using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using MedVox.Imaging;

namespace MedVox.Learning.Data;

/// <summary>How intensities of a channel are normalised (nnU-Net's schemes, chosen by channel name).</summary>
public enum NormalizationScheme
{
    /// <summary>Per image: subtract the mean, divide by the standard deviation (MR and anything not named otherwise).</summary>
    ZScore,

    /// <summary>Clip to the dataset's foreground 0.5/99.5 percentiles, then z-score with the dataset's foreground mean and deviation (channel name "CT").</summary>
    CT,

    /// <summary>Leave values as they are (channel name "noNorm").</summary>
    None,

    /// <summary>Per image: map min..max to 0..1 (channel name "rescale_to_0_1").</summary>
    RescaleToUnit,

    /// <summary>Divide by 255 (channel name "rgb_to_0_1").</summary>
    RgbToUnit,
}

/// <summary>Which box of each case is kept before resampling.</summary>
public enum CropMode
{
    None,

    /// <summary>The bounding box of voxels that are nonzero in any channel (nnU-Net).</summary>
    Nonzero,

    /// <summary>The bounding box of voxels above <see cref="PreprocessingPlan.CropThreshold"/> in any channel (e.g. the body in CT with -500 HU).</summary>
    AboveThreshold,
}

/// <summary>The normalisation of one channel; the CT values come from the fingerprint.</summary>
public sealed record ChannelNormalization
{
    public NormalizationScheme Scheme { get; init; } = NormalizationScheme.ZScore;

    public double ClipLow { get; init; }

    public double ClipHigh { get; init; }

    public double Mean { get; init; }

    public double StandardDeviation { get; init; } = 1;

    public static ChannelNormalization ZScore { get; } = new();

    /// <summary>CT normalisation with the pooled foreground statistics of a channel.</summary>
    public static ChannelNormalization ForCT(IntensityStatistics foreground)
    {
        ArgumentNullException.ThrowIfNull(foreground);
        if (foreground.Count == 0 || !double.IsFinite(foreground.Mean))
        {
            throw new MedVoxException("CT normalisation needs foreground intensity statistics, but the dataset has no foreground voxel", hint: "check the labels, or name the channel otherwise to use z-score normalisation");
        }

        return new ChannelNormalization
        {
            Scheme = NormalizationScheme.CT,
            ClipLow = foreground.Percentile00_5,
            ClipHigh = foreground.Percentile99_5,
            Mean = foreground.Mean,
            StandardDeviation = foreground.StandardDeviation,
        };
    }
}

/// <summary>
/// What preprocessing does to every case: crop, normalise each channel, resample to <see cref="TargetSpacing"/>
/// (images linearly, nnU-Net's "separate z" for anisotropic cases; labels by nearest neighbour), and which foreground
/// voxels are remembered for oversampling. The cache records the plan's <see cref="Hash"/> with every case, so a case
/// is preprocessed again exactly when the plan changes.
/// </summary>
public sealed record PreprocessingPlan
{
    public const string FileName = "preprocessing_plan.json";

    public const string CurrentFormat = "medvox-preprocessing/1";

    public string Format { get; init; } = CurrentFormat;

    /// <summary>Spacing (mm) along the index axes x, y, z of the preprocessed volumes; z is ignored for 2D images.</summary>
    public required double[] TargetSpacing { get; init; }

    /// <summary>One entry per channel; the channel count of the plan.</summary>
    public required IReadOnlyList<ChannelNormalization> Normalization { get; init; }

    /// <summary>Label values of the dataset, background (0) included; values 0 to 255.</summary>
    public required IReadOnlyList<int> LabelValues { get; init; }

    public CropMode Crop { get; init; } = CropMode.Nonzero;

    public double CropThreshold { get; init; }

    /// <summary>Ratio of largest to smallest spacing above which the thick axis is resampled on its own (nnU-Net: 3).</summary>
    public double AnisotropyThreshold { get; init; } = 3;

    /// <summary>Interpolation along the thick axis of anisotropic cases (nnU-Net: nearest, order 0).</summary>
    public Interpolation SeparateAxisInterpolation { get; init; } = Interpolation.Nearest;

    /// <summary>Foreground voxels remembered per class for oversampling (nnU-Net: 10000) ...</summary>
    public int ClassLocationSamples { get; init; } = 10_000;

    /// <summary>... or this fraction of the class's voxels when that is more (nnU-Net: 1%).</summary>
    public double ClassLocationMinFraction { get; init; } = 0.01;

    public ulong Seed { get; init; } = 1234;

    [JsonIgnore]
    public int ChannelCount => Normalization.Count;

    /// <summary>Hex digest of the plan's JSON: equal plans, equal hashes.</summary>
    public string Hash()
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(this, DataJson.Compact);
        return Convert.ToHexStringLower(SHA256.HashData(json))[..16];
    }

    /// <summary>
    /// nnU-Net's choices for a 3D full-resolution configuration: the median spacing, except that for strongly
    /// anisotropic datasets the thick axis gets the 10th percentile of its spacings (but never finer than the other
    /// axes); CT normalisation for channels named "CT", z-score otherwise; crop to the nonzero box.
    /// </summary>
    public static PreprocessingPlan FromFingerprint(DatasetFingerprint fingerprint, double[]? targetSpacing = null)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        var normalization = new ChannelNormalization[fingerprint.ChannelNames.Count];
        for (int c = 0; c < normalization.Length; c++)
        {
            normalization[c] = fingerprint.ChannelNames[c].ToLowerInvariant() switch
            {
                "ct" => ChannelNormalization.ForCT(fingerprint.ForegroundIntensities[c]),
                "nonorm" => new ChannelNormalization { Scheme = NormalizationScheme.None },
                "rescale_to_0_1" => new ChannelNormalization { Scheme = NormalizationScheme.RescaleToUnit },
                "rgb_to_0_1" => new ChannelNormalization { Scheme = NormalizationScheme.RgbToUnit },
                _ => ChannelNormalization.ZScore,
            };
        }

        return new PreprocessingPlan
        {
            TargetSpacing = targetSpacing ?? FullResolutionSpacing(fingerprint),
            Normalization = normalization,
            LabelValues = fingerprint.LabelValues,
        };
    }

    /// <summary>nnU-Net's target spacing of the 3D full-resolution configuration (see <see cref="FromFingerprint"/>).</summary>
    public static double[] FullResolutionSpacing(DatasetFingerprint fingerprint, double anisotropyThreshold = 3)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        var target = (double[])fingerprint.MedianSpacing.Clone();
        var cases = fingerprint.Cases;
        var sizes = new double[3];
        for (int a = 0; a < 3; a++)
        {
            int axis = a;
            sizes[a] = DatasetFingerprint.Median(cases, f => f.NonzeroSize[axis]);
        }

        int worst = 0;
        for (int a = 1; a < 3; a++)
        {
            if (target[a] > target[worst])
            {
                worst = a;
            }
        }

        double otherSpacing = 0, otherSize = double.MaxValue;
        for (int a = 0; a < 3; a++)
        {
            if (a != worst)
            {
                otherSpacing = Math.Max(otherSpacing, target[a]);
                otherSize = Math.Min(otherSize, sizes[a]);
            }
        }

        bool anisotropicSpacing = target[worst] > anisotropyThreshold * otherSpacing;
        bool anisotropicVoxels = sizes[worst] * anisotropyThreshold < otherSize;
        if (anisotropicSpacing && anisotropicVoxels)
        {
            var spacings = new float[cases.Count];
            for (int i = 0; i < spacings.Length; i++)
            {
                spacings[i] = (float)cases[i].Spacing[worst];
            }

            Array.Sort(spacings);
            double thick = IntensityStatistics.Percentile(spacings, 10);
            if (thick < otherSpacing)
            {
                thick = Math.Max(otherSpacing, thick) + 1e-5;
            }

            target[worst] = thick;
        }

        return target;
    }

    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        DataJson.Save(this, path);
    }

    public static PreprocessingPlan Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var plan = DataJson.Load<PreprocessingPlan>(path, "preprocessing plan");
        if (plan.Format != CurrentFormat)
        {
            throw new MedVoxException($"plan format \"{plan.Format}\" is not {CurrentFormat}", path, "format", "preprocess the dataset again");
        }

        plan.Validate(path);
        return plan;
    }

    /// <summary>Checks the values a plan must have; throws a <see cref="MedVoxException"/> naming the field.</summary>
    public void Validate(string? path = null)
    {
        if (TargetSpacing is not { Length: 3 } || !(TargetSpacing[0] > 0 && TargetSpacing[1] > 0 && TargetSpacing[2] > 0)
            || !double.IsFinite(TargetSpacing[0] + TargetSpacing[1] + TargetSpacing[2]))
        {
            throw new MedVoxException("the target spacing must be three positive numbers (x, y, z in mm)", path, "target_spacing");
        }

        if (Normalization is null || Normalization.Count == 0)
        {
            throw new MedVoxException("the plan declares no channel", path, "normalization");
        }

        foreach (var n in Normalization)
        {
            if (n.Scheme == NormalizationScheme.CT && !(n.ClipLow <= n.ClipHigh && double.IsFinite(n.Mean) && n.StandardDeviation >= 0))
            {
                throw new MedVoxException("CT normalisation needs finite clip bounds (low <= high), mean and deviation", path, "normalization");
            }
        }

        if (LabelValues is null)
        {
            throw new MedVoxException("the plan lists no label values", path, "label_values");
        }

        foreach (int value in LabelValues)
        {
            if (value is < 0 or > 255)
            {
                throw new MedVoxException($"label value {value} is outside 0..255, which the training cache stores", path, "label_values");
            }
        }

        if (ClassLocationSamples < 1 || !(ClassLocationMinFraction >= 0 && ClassLocationMinFraction <= 1) || !(AnisotropyThreshold >= 1))
        {
            throw new MedVoxException("class location sampling needs at least one sample and a fraction in [0, 1], and the anisotropy threshold must be at least 1", path);
        }
    }
}
