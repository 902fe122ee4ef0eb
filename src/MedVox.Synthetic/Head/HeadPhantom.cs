using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Synthetic.Rendering;

namespace MedVox.Synthetic.Head;

/// <summary>Label values of the head phantom's per-slice masks.</summary>
public static class HeadLabels
{
    public const byte Background = 0;
    public const byte Skull = 1;
    public const byte Brain = 2;

    /// <summary>Cerebrospinal fluid spaces: ventricles, sulci, fissures and cisterns.</summary>
    public const byte Csf = 3;
    public const byte Hemorrhage = 4;

    public static IReadOnlyList<KeyValuePair<string, int>> Names { get; } =
    [
        new("background", Background), new("skull", Skull), new("brain", Brain), new("csf", Csf), new("hemorrhage", Hemorrhage),
    ];
}

/// <summary>Options of head CT slices.</summary>
public sealed record HeadOptions
{
    /// <summary>Pixels along each side (32 to 1024); the field of view is 230 mm.</summary>
    public int Size { get; init; } = 256;

    /// <summary>Noise SD (HU); drawn in [3, 6] per case when null (brain CT is reconstructed smoother than body CT).</summary>
    public double? NoiseSd { get; init; }

    /// <summary>Share of slices with subarachnoid hemorrhage.</summary>
    public double HemorrhageFraction { get; init; } = 0.5;

    /// <summary>
    /// Least area of blood (mm^2, counted at pixel centres) a hemorrhage slice shows; a drawn bleed that leaves less in
    /// the slice is drawn again (see <see cref="HeadPhantom.DefaultMinimumBloodArea"/>). 0 keeps any bleed, down to one pixel.
    /// </summary>
    public double MinimumBloodArea { get; init; } = HeadPhantom.DefaultMinimumBloodArea;
}

/// <summary>One axial head CT slice with its class (hemorrhage or not) and its tissue mask.</summary>
public sealed class HeadSlice : PhantomCase
{
    internal HeadSlice(Image image, Image labels, bool hemorrhage, double hemorrhageRadius, double bloodArea)
        : base([image], labels)
    {
        HasHemorrhage = hemorrhage;
        HemorrhageRadius = hemorrhageRadius;
        BloodArea = bloodArea;
    }

    /// <summary>
    /// The slice's class: true when any pixel centre lies in blood, which (with the default options) means at least
    /// <see cref="HeadOptions.MinimumBloodArea"/> mm^2 of blood.
    /// </summary>
    public bool HasHemorrhage { get; }

    /// <summary>Area of blood in the slice (mm^2): hemorrhage pixels of <see cref="PhantomCase.Labels"/> times the pixel area.</summary>
    public double BloodArea { get; }

    /// <summary>Radius (mm) of the region whose CSF spaces were filled with blood; 0 without hemorrhage.</summary>
    public double HemorrhageRadius { get; }
}

/// <summary>
/// Axial head CT slices (int16 HU, 2D) for slice classification: scalp, skull (tables and diploe), brain with cortical
/// grey matter and white matter, lateral and third ventricles, sulci, the interhemispheric and Sylvian fissures and the
/// basal cisterns at low levels. Half of the slices (by default) carry subarachnoid-like hemorrhage: hyperdense blood
/// (50-85 HU) replacing the CSF of sulci, fissures and cisterns within a region from a few millimetres (subtle) to
/// several centimetres across, and at least <see cref="HeadOptions.MinimumBloodArea"/> mm^2 of it in the slice.
/// </summary>
public static class HeadPhantom
{
    public const string Kind = "head";
    public const double FieldOfView = 230;

    /// <summary>
    /// 20 mm^2 (a spot of about 5 mm, or one sulcus filled over 10 mm): the least blood this phantom calls a hemorrhage
    /// slice, about the smallest hyperdense spot a radiologist calls positive on a routine 5 mm head CT slice, where a
    /// smaller one is lost in partial volume with the brain and bone around it. A bleed of one or two pixels at the edge
    /// of a blood ball, which no reader would label, does not make a positive slice; the same rule holds for every seed
    /// and size, so training and test slices are labelled alike.
    /// </summary>
    public const double DefaultMinimumBloodArea = 20;

    public static HeadSlice Generate(HeadOptions options, int seed, int caseIndex)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Size is < 32 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"The head slice size must be 32 to 1024, got {options.Size}.");
        }

        if (!(options.MinimumBloodArea is >= 0 and <= 400))
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"The minimum blood area must be 0 to 400 mm^2, got {options.MinimumBloodArea}.");
        }

        var random = PhantomRandom.ForCase(seed, Kind, caseIndex);
        var head = HeadModel.Create(random);
        bool wantBlood = random.Chance(options.HemorrhageFraction);
        double drawnNoise = random.Uniform(3, 6);
        double noise = options.NoiseSd ?? drawnNoise;
        return Render(head, options.Size, wantBlood, noise, options.MinimumBloodArea, PhantomRandom.CaseKey(seed, Kind, caseIndex), random);
    }

    /// <summary>The same slice with the blood removed (for tests: where the blood was, there is CSF).</summary>
    internal static HeadSlice GenerateWithoutBlood(HeadOptions options, int seed, int caseIndex)
    {
        var random = PhantomRandom.ForCase(seed, Kind, caseIndex);
        var head = HeadModel.Create(random);
        random.Chance(options.HemorrhageFraction);
        double drawnNoise = random.Uniform(3, 6);
        double noise = options.NoiseSd ?? drawnNoise;
        var slice = Render(head, options.Size, true, noise, options.MinimumBloodArea, PhantomRandom.CaseKey(seed, Kind, caseIndex), random, suppressBlood: true);
        return slice;
    }

    private static HeadSlice Render(HeadModel head, int size, bool wantBlood, double noise, double minimumBloodArea, ulong key, PhantomRandom random, bool suppressBlood = false)
    {
        double spacing = FieldOfView / size;
        double origin = -0.5 * (size - 1) * spacing;
        var geometry = new ImageGeometry(ImageSize.Of2D(size, size), new Vector3D(spacing, spacing, 1), new Vector3D(origin, origin, head.Level), Matrix3D.Identity);

        // Blood: a ball centred on a CSF point of this slice, drawn again while it leaves less than the minimum area.
        Vector3D bloodCenter = default;
        double bloodRadius = 0;
        if (wantBlood)
        {
            for (int attempt = 0; attempt < 400; attempt++)
            {
                var p = new Vector3D(random.Uniform(-70, 70), random.Uniform(-85, 85), head.Level);
                if (head.Classify(p.X, p.Y, p.Z, default, 0).Tissue == HeadLabels.Csf && !head.IsVentricle(p.X, p.Y, p.Z))
                {
                    // Mostly small to moderate; one in four large and diffuse.
                    double radius = random.Chance(0.25) ? random.Uniform(20, 45) : random.Uniform(3, 14);
                    if (BloodPixels(head, size, origin, spacing, p, radius) * spacing * spacing >= minimumBloodArea)
                    {
                        bloodCenter = p;
                        bloodRadius = radius;
                        break;
                    }
                }
            }
        }

        float bloodValue = (float)random.Uniform(55, 85);
        if (suppressBlood)
        {
            bloodRadius = 0;
        }

        var image = Image.Create(geometry, ElementType.Int16);
        var labels = Image.Create(geometry, ElementType.UInt8);
        var values = new float[size * size];
        var label = labels.AsSpan<byte>();
        const int Sub = 3;
        int bloodPixels = 0;
        for (int j = 0; j < size; j++)
        {
            for (int i = 0; i < size; i++)
            {
                double sum = 0;
                for (int b = 0; b < Sub; b++)
                {
                    for (int a = 0; a < Sub; a++)
                    {
                        double x = origin + ((i + ((a - 1) / 3.0)) * spacing);
                        double y = origin + ((j + ((b - 1) / 3.0)) * spacing);
                        var (tissue, value) = head.Classify(x, y, head.Level, bloodCenter, bloodRadius, bloodValue);
                        sum += value;
                        if (a == 1 && b == 1)
                        {
                            label[(j * size) + i] = tissue;
                            bloodPixels += tissue == HeadLabels.Hemorrhage ? 1 : 0;
                        }
                    }
                }

                values[(j * size) + i] = (float)(sum / (Sub * Sub));
            }
        }

        bool anyBlood = bloodPixels > 0;
        var noiseRandom = PhantomRandom.ForStream(key, 0);
        var output = image.AsSpan<short>();
        var deviates = new float[values.Length];
        noiseRandom.FillNormal(deviates);
        for (int k = 0; k < values.Length; k++)
        {
            output[k] = (short)MathF.Round(Math.Clamp(values[k] + ((float)noise * deviates[k]), -1024, 3071));
        }

        image.Metadata["description"] = $"MedVox head phantom slice, level {head.Level:F0} mm, hemorrhage {(anyBlood ? 1 : 0)}";
        return new HeadSlice(image, labels, anyBlood, anyBlood ? bloodRadius : 0, bloodPixels * spacing * spacing);
    }

    /// <summary>Pixels whose centre the ball turns into blood: the label rule of <see cref="Render"/>, over the ball's bounding box only.</summary>
    private static int BloodPixels(HeadModel head, int size, double origin, double spacing, Vector3D center, double radius)
    {
        int i0 = Math.Max(0, (int)Math.Floor((center.X - radius - origin) / spacing)), i1 = Math.Min(size - 1, (int)Math.Ceiling((center.X + radius - origin) / spacing));
        int j0 = Math.Max(0, (int)Math.Floor((center.Y - radius - origin) / spacing)), j1 = Math.Min(size - 1, (int)Math.Ceiling((center.Y + radius - origin) / spacing));
        int count = 0;
        for (int j = j0; j <= j1; j++)
        {
            for (int i = i0; i <= i1; i++)
            {
                count += head.Classify(origin + (i * spacing), origin + (j * spacing), head.Level, center, radius).Tissue == HeadLabels.Hemorrhage ? 1 : 0;
            }
        }

        return count;
    }
}
