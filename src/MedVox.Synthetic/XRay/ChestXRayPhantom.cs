using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Synthetic.Rendering;

namespace MedVox.Synthetic.XRay;

/// <summary>Label values of the chest radiograph phantom (a pixel takes the highest-priority organ its ray crosses).</summary>
public static class ChestXRayLabels
{
    public const byte Background = 0;
    public const byte Lungs = 1;
    public const byte Heart = 2;
    public const byte Clavicles = 3;

    public static IReadOnlyList<KeyValuePair<string, int>> Names { get; } =
    [
        new("background", Background), new("lungs", Lungs), new("heart", Heart), new("clavicles", Clavicles),
    ];
}

/// <summary>Options of chest radiograph phantoms.</summary>
public sealed record ChestXRayOptions
{
    /// <summary>Pixels along each side (32 to 2048) of a 400 mm detector.</summary>
    public int Size { get; init; } = 256;

    /// <summary>Quantum-like noise SD in line-integral units (attenuation lengths); drawn in [0.01, 0.03] when null.</summary>
    public double? NoiseSd { get; init; }
}

/// <summary>A radiograph with its 3D source (kept for tests: the labels are projections of the 3D organ masks).</summary>
public sealed class ChestXRayCase : PhantomCase
{
    internal ChestXRayCase(Image image, Image labels, Image? volumeLabels)
        : base([image], labels) => VolumeLabels = volumeLabels;

    /// <summary>The 3D organ labels that were projected (null unless requested).</summary>
    internal Image? VolumeLabels { get; }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            VolumeLabels?.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// Posteroanterior chest radiographs made by projecting a 3D chest phantom (soft tissue, lungs, heart, mediastinal
/// vessels, spine, ribs, clavicles, scapulae, diaphragm) along the antero-posterior axis with Beer-Lambert attenuation:
/// the pixel value is the line integral of the linear attenuation coefficient, shown bright where attenuation is high
/// (uint16, 12 bits). Labels (lungs, heart, clavicles) are the projections of the 3D masks: a pixel is an organ when its
/// ray crosses it, the clavicles taking priority over the heart and the heart over the lungs.
/// </summary>
public static class ChestXRayPhantom
{
    public const string Kind = "xray";
    public const double FieldOfView = 400;

    /// <summary>Attenuation of water (per mm) at a typical effective chest radiography energy (~60 keV).</summary>
    private const double MuWater = 0.0206;

    /// <summary>Line integral shown as full scale (4095).</summary>
    private const double FullScale = 9.0;

    public static ChestXRayCase Generate(ChestXRayOptions options, int seed, int caseIndex, CancellationToken cancellation = default) =>
        Generate(options, seed, caseIndex, keepVolume: false, cancellation);

    internal static ChestXRayCase Generate(ChestXRayOptions options, int seed, int caseIndex, bool keepVolume, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Size is < 32 or > 2048)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"The radiograph size must be 32 to 2048, got {options.Size}.");
        }

        var random = PhantomRandom.ForCase(seed, Kind, caseIndex);
        var structures = Chest(random);
        int n = options.Size;
        double pixel = FieldOfView / n;
        const double DepthSpacing = 2.0;
        int depth = 150;
        double half = 0.5 * (n - 1) * pixel;

        // An axial stack 2 mm deep along y (antero-posterior), integrated along y into the detector.
        var volumeGeometry = new ImageGeometry(ImageSize.Of3D(n, depth, n), new Vector3D(pixel, DepthSpacing, pixel),
            new Vector3D(-half, -0.5 * (depth - 1) * DepthSpacing, 20 - half), Matrix3D.Identity);
        using var hu = Image.Create(volumeGeometry, ElementType.Int16);
        var labels3D = Image.Create(volumeGeometry, ElementType.UInt8);
        VolumeRasterizer.Render(structures, hu, labels3D, new RenderSettings(), null, cancellation);

        // Detector: i to the patient's left, j downwards (feet), as radiographs are displayed.
        var detector = new ImageGeometry(ImageSize.Of2D(n, n), new Vector3D(pixel, pixel, 1),
            new Vector3D(-half, volumeGeometry.Origin.Y - 200, 20 + half), Matrix3D.FromColumns(new Vector3D(1, 0, 0), new Vector3D(0, 0, -1), new Vector3D(0, 1, 0)));
        var image = Image.Create(detector, ElementType.UInt16);
        var labels = Image.Create(detector, ElementType.UInt8);
        double drawnNoise = random.Uniform(0.01, 0.03);
        double noise = options.NoiseSd ?? drawnNoise;
        var integral = new double[n * n];
        var organ = labels.AsSpan<byte>();
        for (int k = 0; k < n; k++)
        {
            int row = n - 1 - k;
            var slice = hu.GetSlice<short>(k);
            var mask = labels3D.GetSlice<byte>(k);
            for (int j = 0; j < depth; j++)
            {
                for (int i = 0; i < n; i++)
                {
                    double mu = Math.Max(0, MuWater * (1 + (slice[(j * n) + i] / 1000.0)));
                    integral[(row * n) + i] += mu * DepthSpacing;
                    byte l = mask[(j * n) + i];
                    ref byte target = ref organ[(row * n) + i];
                    if (l > target)
                    {
                        target = l;
                    }
                }
            }
        }

        var noiseRandom = PhantomRandom.ForStream(PhantomRandom.CaseKey(seed, Kind, caseIndex), 0);
        var deviates = new float[n * n];
        noiseRandom.FillNormal(deviates);
        var output = image.AsSpan<ushort>();
        for (int p = 0; p < output.Length; p++)
        {
            double value = (integral[p] + (noise * deviates[p])) / FullScale * 4095;
            output[p] = (ushort)Math.Clamp(Math.Round(value), 0, 4095);
        }

        image.Metadata["description"] = "MedVox chest radiograph phantom (line integral of attenuation, 4095 = 9 attenuation lengths)";
        if (!keepVolume)
        {
            labels3D.Dispose();
            labels3D = null!;
        }

        return new ChestXRayCase(image, labels, keepVolume ? labels3D : null);
    }

    private static List<Structure> Chest(PhantomRandom r)
    {
        const byte None = ChestXRayLabels.Background;
        var list = new List<Structure>();
        double w = r.Uniform(140, 165), d = r.Uniform(95, 115);
        var box = new Box(new Vector3D(-250, -200, -250), new Vector3D(250, 200, 250));
        var body = new BodyOutlineShape(w, d, 0, 0.5, 0.9, -180, 200, new LatticeNoise(r, box, 70, 2), 5);
        list.Add(new Structure("body", body, new Layer(0, -90, None), new Layer(r.Uniform(8, 20), 45, None)));

        // Shoulders and neck above the thorax.
        foreach (int side in new[] { -1, 1 })
        {
            list.Add(new Structure("shoulder", new EllipsoidShape(new Vector3D(side * (w + 10), 5, 170), new Vector3D(55, 60, 60)), 45, None));
        }

        list.Add(new Structure("neck", new EllipticCylinderShape(0, 5, 55, 50, 150, 260), 45, None));

        // Lungs: tall, with apices above the clavicles and domes over the diaphragm; the right dome higher.
        double lungScale = r.Uniform(0.92, 1.08);
        foreach (int side in new[] { -1, 1 })
        {
            var lung = new EllipsoidShape(new Vector3D(side * 0.48 * w, 8, 55), new Vector3D(0.42 * w, 0.8 * d, 125) * lungScale, Frames.FromAngles(-8, side * 4, 0), 0, 0);
            var dome = new EllipsoidShape(new Vector3D(side * 0.45 * w, 5, side < 0 ? -78 : -90), new Vector3D(0.5 * w, 0.9 * d, 55));
            var shape = new DeformedShape(new SubtractionShape(lung, dome), new LatticeNoise(r, box, 50, 3), 5);
            list.Add(new Structure("lung", shape, (float)r.Uniform(-870, -800), ChestXRayLabels.Lungs));
        }

        // Liver and stomach below the domes.
        list.Add(new Structure("liver", new EllipsoidShape(new Vector3D(-0.4 * w, 0, -105), new Vector3D(0.55 * w, 0.85 * d, 60)), 60, None));
        list.Add(new Structure("stomach gas", new EllipsoidShape(new Vector3D(0.4 * w, -20, -110), new Vector3D(35, 30, 22)), -900, None));

        // Mediastinum: heart (left of midline, anterior, on the diaphragm), great vessels, trachea.
        var heartCenter = new Vector3D(r.Uniform(15, 28), -25, r.Uniform(-5, 10));
        var heart = new EllipsoidShape(heartCenter, new Vector3D(r.Uniform(55, 70), 48, 58), Frames.FromAngles(0, -25, -30), 0.15, 0);
        list.Add(new Structure("aorta", new TubeSetShape(TubeSetShape.Chain([new(5, -15, 20), new(0, -20, 70), new(20, 5, 85), new(25, 30, 60), new(22, 35, -120)], [14, 14, 13, 12, 11])), 45, None));
        list.Add(new Structure("heart", heart, 45, ChestXRayLabels.Heart));
        list.Add(new Structure("trachea", new TubeSetShape(TubeSetShape.Chain([new(0, -5, 200), new(0, 0, 95), new(-25, 5, 65)], [9, 9, 6])), -950, None));

        // Spine and ribs, scapulae and clavicles.
        list.Add(new Structure("spine", new EllipticCylinderShape(0, 0.55 * d, 20, 16, -200, 260), new Layer(0, 700, None), new Layer(2, 250, None)));
        for (int rib = 1; rib <= 12; rib++)
        {
            double zHead = 175 - (rib * 24);
            double sweep = rib >= 11 ? 100 : 165;
            foreach (int side in new[] { -1, 1 })
            {
                var points = new List<Vector3D>();
                var radii = new List<double>();
                double ribW = Math.Min(w - 12, (0.55 + (0.05 * rib)) * w);
                for (double angle = 10; angle <= sweep; angle += 8)
                {
                    var (sin, cos) = Math.SinCos(angle * Math.PI / 180);
                    double z = zHead - (r.Uniform(55, 65) * Math.Pow(angle / 165, 1.2)) + (rib == 1 ? 10 * Math.Sin(angle * Math.PI / 180) : 0);
                    points.Add(new Vector3D(side * ribW * sin, (d - 14) * cos, z));
                    radii.Add(angle > 120 ? 3.2 : 4.5);
                }

                list.Add(new Structure("rib", new TubeSetShape(TubeSetShape.Chain(points, radii)), new Layer(0, 650, None), new Layer(1.5, 200, None)));
            }
        }

        foreach (int side in new[] { -1, 1 })
        {
            var scapula = new EllipsoidShape(new Vector3D(side * 0.72 * w, 0.75 * d, 95), new Vector3D(48, 5, 70), Frames.FromAngles(0, 0, side * 20));
            list.Add(new Structure("scapula", scapula, 500, None));
            double lift = r.Uniform(-8, 8);
            var clavicle = new[] { new Vector3D(side * 12, -0.8 * d, 170 + lift), new Vector3D(side * 0.45 * w, -0.75 * d, 178 + lift), new Vector3D(side * 0.85 * w, -0.35 * d, 190 + lift), new Vector3D(side * (w + 5), -0.05 * d, 186 + lift) };
            list.Add(new Structure("clavicle", new TubeSetShape(TubeSetShape.Chain(clavicle, [7, 6, 5.5, 6.5])), new Layer(0, 750, ChestXRayLabels.Clavicles), new Layer(1.8, 300, ChestXRayLabels.Clavicles)));
        }

        return list;
    }
}
