using System.Globalization;

namespace MedVox.Reporting.Snapshots;

/// <summary>
/// The grey-level window of a snapshot: values from <c>Level − Width/2</c> (black) to <c>Level + Width/2</c> (white),
/// as CT viewers set it in Hounsfield units.
/// </summary>
public sealed record IntensityWindow
{
    public IntensityWindow(double level, double width)
    {
        if (!double.IsFinite(level))
        {
            throw new ArgumentOutOfRangeException(nameof(level), $"The window level must be finite, got {level}.");
        }

        if (!(width > 0) || !double.IsFinite(width))
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"The window width must be positive and finite, got {width}.");
        }

        Level = level;
        Width = width;
    }

    /// <summary>CT soft tissue / abdomen (L 40, W 400 HU): the default for images that look like CT.</summary>
    public static IntensityWindow CtSoftTissue { get; } = new(40, 400);

    /// <summary>CT lung (L −600, W 1500 HU).</summary>
    public static IntensityWindow CtLung { get; } = new(-600, 1500);

    /// <summary>CT bone (L 400, W 1800 HU).</summary>
    public static IntensityWindow CtBone { get; } = new(400, 1800);

    /// <summary>CT brain (L 40, W 80 HU).</summary>
    public static IntensityWindow CtBrain { get; } = new(40, 80);

    public double Level { get; }

    public double Width { get; }

    /// <summary>The value shown black.</summary>
    public double Lower => Level - (Width / 2);

    /// <summary>The value shown white.</summary>
    public double Upper => Level + (Width / 2);

    /// <summary>The window from <paramref name="lower"/> (black) to <paramref name="upper"/> (white).</summary>
    public static IntensityWindow FromRange(double lower, double upper) => new((lower + upper) / 2, upper - lower);

    /// <summary>
    /// Parses "LEVEL,WIDTH" (e.g. "40,400") or a preset name: soft-tissue (or abdomen), lung, bone, brain.
    /// </summary>
    /// <exception cref="MedVoxException">The text is neither.</exception>
    public static IntensityWindow Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        switch (text.Trim().ToLowerInvariant())
        {
            case "soft-tissue" or "soft" or "abdomen":
                return CtSoftTissue;
            case "lung":
                return CtLung;
            case "bone":
                return CtBone;
            case "brain":
                return CtBrain;
        }

        var parts = text.Split(',');
        if (parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double level)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double width)
            && double.IsFinite(level) && width > 0 && double.IsFinite(width))
        {
            return new IntensityWindow(level, width);
        }

        throw new MedVoxException($"\"{text}\" is not a window", field: "window", hint: "write LEVEL,WIDTH (e.g. 40,400) or soft-tissue, lung, bone, brain");
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"L {Level:0.###} / W {Width:0.###}");
}
