using System.Text.Json.Serialization;
using MedVox.Imaging;
using static TorchSharp.torch;

namespace MedVox.Learning.Classification;

/// <summary>How pixel values become network input.</summary>
public enum IntensityNormalization
{
    /// <summary>CT in Hounsfield units: each window clips to [center - width / 2, center + width / 2] and maps it to [0, 1].</summary>
    CtWindow,

    /// <summary>Per image and channel: subtract the mean, divide by the standard deviation (MR, X-ray, photographs).</summary>
    ZScore,

    /// <summary>Per image and channel: map [min, max] to [0, 1].</summary>
    MinMax,
}

/// <summary>A CT display window in Hounsfield units (brain: center 40, width 80; subdural: 80/200; bone: 600/2800).</summary>
public readonly record struct CtWindow(double Center, double Width)
{
    public static CtWindow Brain { get; } = new(40, 80);

    [JsonIgnore]
    public double Low => Center - (Width / 2);

    [JsonIgnore]
    public double High => Center + (Width / 2);

    /// <summary>Parses "center/width" or "center,width" (e.g. "40/80").</summary>
    public static CtWindow Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(['/', ','], StringSplitOptions.TrimEntries);
        if (parts.Length != 2
            || !double.TryParse(parts[0], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double center)
            || !double.TryParse(parts[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double width)
            || !double.IsFinite(center) || !(width > 0) || double.IsInfinity(width))
        {
            throw new MedVoxException($"'{text}' is not a CT window", field: "--window", hint: "write center/width in HU, e.g. 40/80 (brain) or 40/80;80/200;600/2800 for three channels");
        }

        return new CtWindow(center, width);
    }

    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Center:G}/{Width:G}");
}

/// <summary>
/// The intensity normalisation of a classifier, stored with the model so that prediction prepares images exactly as
/// training did. CT windows each give one network channel per image channel (the RSNA hemorrhage winners stacked brain,
/// subdural and bone windows); values outside a window saturate at 0 or 1, so a window chooses what contrast the network
/// sees (blood at 50-90 HU against brain at 25-40 HU is clear in the brain window, while bone at 1000+ HU is just "1").
/// </summary>
public sealed record ClassifierNormalization
{
    /// <summary>Brain window (40/80): the default for head CT.</summary>
    public static ClassifierNormalization BrainCt { get; } = new() { Mode = IntensityNormalization.CtWindow, Windows = [CtWindow.Brain] };

    /// <summary>
    /// For hemorrhage in head CT: the brain window (40/80) and a narrow blood window (60/60, where fresh blood at 50-90 HU
    /// stands out from grey matter at 35-45 HU), with the pixels within 3 pixels of bone masked (see
    /// <see cref="BoneMaskRadius"/>), since partial volume of brain and skull passes through blood values all along the
    /// inner table.
    /// </summary>
    public static ClassifierNormalization HemorrhageCt { get; } = new() { Mode = IntensityNormalization.CtWindow, Windows = [CtWindow.Brain, new CtWindow(60, 60)], BoneMaskRadius = 3 };

    public static ClassifierNormalization ZScore { get; } = new() { Mode = IntensityNormalization.ZScore };

    /// <summary>HU above which a pixel counts as bone for <see cref="BoneMaskRadius"/>.</summary>
    public const double BoneThreshold = 300;

    public IntensityNormalization Mode { get; init; } = IntensityNormalization.CtWindow;

    /// <summary>The windows of <see cref="IntensityNormalization.CtWindow"/> (one network channel each per image channel).</summary>
    public IReadOnlyList<CtWindow> Windows { get; init; } = [CtWindow.Brain];

    /// <summary>
    /// CT only: in soft-tissue windows (those ending below <see cref="BoneThreshold"/>), pixels within this many pixels
    /// (of the original image, a square neighbourhood) of bone are set to the window's low end, like a rough skull
    /// strip; 0 (the default) masks nothing. Bone itself stays visible in wider windows.
    /// </summary>
    public int BoneMaskRadius { get; init; }

    /// <summary>Network input channels for images of <paramref name="imageChannels"/> channels.</summary>
    public int NetworkChannels(int imageChannels) => Mode == IntensityNormalization.CtWindow ? imageChannels * Windows.Count : imageChannels;

    /// <summary>
    /// Guesses the normalisation from a sample image: integer pixels reaching below -200 are CT in HU (air is -1000),
    /// which gets the brain window; anything else gets a per-image z-score.
    /// </summary>
    public static ClassifierNormalization Guess(Image sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (sample.ElementType.IsFloatingPoint() || sample.Channels != 1)
        {
            return ZScore;
        }

        var statistics = ImageStatistics.Compute(sample);
        return statistics.Min < -200 ? BrainCt : ZScore;
    }

    public void Validate()
    {
        if (Mode == IntensityNormalization.CtWindow && (Windows is null || Windows.Count == 0))
        {
            throw new MedVoxException("CT normalisation needs at least one window", field: "--window", hint: "e.g. --window 40/80");
        }

        if (BoneMaskRadius is < 0 or > 64)
        {
            throw new MedVoxException($"the bone mask radius must be 0 to 64 pixels, got {BoneMaskRadius}");
        }

        if (Mode == IntensityNormalization.CtWindow)
        {
            foreach (var window in Windows!)
            {
                if (!double.IsFinite(window.Center) || !(window.Width > 0) || double.IsInfinity(window.Width))
                {
                    throw new MedVoxException($"the CT window {window} is invalid", field: "--window", hint: "the width must be positive");
                }
            }
        }
    }

    /// <summary>Normalises <paramref name="image"/> [C, H, W] (float32) into network channels [C', H, W] (a new tensor).</summary>
    public Tensor Apply(Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var scope = NewDisposeScope();
        // Numbers go to LibTorch as scalars held until the call returns (see the bone mask below).
        using TorchSharp.Scalar tiny = 1e-8;
        Tensor result;
        switch (Mode)
        {
            case IntensityNormalization.CtWindow:
                var channels = new Tensor[Windows.Count];
                Tensor? awayFromBone = null;
                if (BoneMaskRadius > 0)
                {
                    int r = BoneMaskRadius;
                    using TorchSharp.Scalar threshold = BoneThreshold;
                    var bone = image.gt(threshold).to(ScalarType.Float32).unsqueeze(0);
                    // ones - pooled, tensor with tensor: "1 - tensor" builds a temporary Scalar that the GC could
                    // finalise while LibTorch still read it (seen once as a corrupt scalar on a loader thread).
                    var nearBone = nn.functional.max_pool2d(bone, (2 * r) + 1, 1, r).squeeze(0);
                    awayFromBone = ones_like(nearBone).sub_(nearBone);
                }

                for (int w = 0; w < Windows.Count; w++)
                {
                    double low = Windows[w].Low, width = Windows[w].Width;
                    // Explicit scalars, alive until the end of the iteration (see above).
                    using TorchSharp.Scalar lowScalar = low;
                    using TorchSharp.Scalar highScalar = low + width;
                    using TorchSharp.Scalar widthScalar = width;
                    channels[w] = image.clamp(lowScalar, highScalar).sub_(lowScalar).div_(widthScalar);
                    if (awayFromBone is not null && Windows[w].High < BoneThreshold)
                    {
                        channels[w] = channels[w].mul_(awayFromBone);
                    }
                }

                // Window-major per image channel: [c0 w0, c0 w1, ..., c1 w0, ...].
                result = channels.Length == 1 ? channels[0] : stack(channels, 1).flatten(0, 1);
                break;
            case IntensityNormalization.MinMax:
                var min = image.amin([1, 2], keepdim: true);
                var range = (image.amax([1, 2], keepdim: true) - min).clamp_min(tiny);
                result = (image - min) / range;
                break;
            default:
                var mean = image.mean([1, 2], keepdim: true);
                var sd = image.std([1, 2], unbiased: false, keepdim: true).clamp_min(tiny);
                result = (image - mean) / sd;
                break;
        }

        return result.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>For the model file: "ct 40/80" or "zscore".</summary>
    [JsonIgnore]
    public string Description => Mode == IntensityNormalization.CtWindow ? $"ct {string.Join(";", Windows)}{(BoneMaskRadius > 0 ? $" bone-mask {BoneMaskRadius}" : string.Empty)}" : Mode.ToString().ToLowerInvariant();
}
