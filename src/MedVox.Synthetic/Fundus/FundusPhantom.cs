using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Synthetic.Rendering;

namespace MedVox.Synthetic.Fundus;

/// <summary>Label values of the fundus phantom.</summary>
public static class FundusLabels
{
    public const byte Background = 0;
    public const byte Vessel = 1;
    public const byte OpticDisc = 2;

    public static IReadOnlyList<KeyValuePair<string, int>> Names { get; } =
    [
        new("background", Background), new("vessel", Vessel), new("optic_disc", OpticDisc),
    ];
}

/// <summary>Options of fundus phantoms.</summary>
public sealed record FundusOptions
{
    /// <summary>Pixels along each side (64 to 4096).</summary>
    public int Size { get; init; } = 256;
}

/// <summary>One vessel segment of a fundus tree, in pixels.</summary>
internal readonly record struct FundusVessel(double X0, double Y0, double X1, double Y1, double R0, double R1, int Generation, bool Vein);

/// <summary>A fundus image: three channels (red, green, blue), vessel and optic disc labels, and the vessel tree.</summary>
public sealed class FundusCase : PhantomCase
{
    internal FundusCase(IReadOnlyList<Image> channels, Image labels, IReadOnlyList<FundusVessel> vessels)
        : base(channels, labels) => Vessels = vessels;

    internal IReadOnlyList<FundusVessel> Vessels { get; }
}

/// <summary>
/// Colour fundus photographs (uint8 red, green and blue channels): a circular field of view with illumination falling
/// off towards its edge, orange-red choroidal background with texture, a bright optic disc with its cup, a darker macula
/// and fovea temporal to it, and arteries and veins branching from the disc in the superior and inferior arcades and
/// nasal branches, their widths tapering by Murray's law to about one pixel. Vessels are darker, most in green.
/// </summary>
public static class FundusPhantom
{
    public const string Kind = "fundus";

    /// <summary>Width of the field of view on the retina (mm), about 45 degrees.</summary>
    public const double FieldOfView = 12.0;

    public static FundusCase Generate(FundusOptions options, int seed, int caseIndex)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Size is < 64 or > 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"The fundus image size must be 64 to 4096, got {options.Size}.");
        }

        var r = PhantomRandom.ForCase(seed, Kind, caseIndex);
        int n = options.Size;
        double fov = 0.47 * n;
        double cx = 0.5 * (n - 1), cy = 0.5 * (n - 1);
        int eye = r.Chance(0.5) ? 1 : -1;
        double discX = cx + (eye * r.Uniform(0.3, 0.38) * fov), discY = cy + r.Uniform(-0.06, 0.06) * fov;
        double discR = r.Uniform(0.085, 0.1) * fov;
        double maculaX = cx - (eye * r.Uniform(0.08, 0.14) * fov), maculaY = cy + r.Uniform(-0.05, 0.08) * fov;
        var vessels = GrowVessels(r, n, discX, discY, discR, maculaX, maculaY, fov, cx, cy);
        var vesselShape = new Fundus2D(vessels);

        var box = new Box(new Vector3D(0, 0, -10), new Vector3D(n, n, 10));
        var texture = new LatticeNoise(r, box, n / 14.0);
        var fine = new LatticeNoise(r, box, n / 60.0);
        double gradientX = r.Uniform(-0.15, 0.15), gradientY = r.Uniform(-0.15, 0.15);
        double red = r.Uniform(0.78, 0.92), green = r.Uniform(0.3, 0.4), blue = r.Uniform(0.1, 0.16);
        var geometry = new ImageGeometry(ImageSize.Of2D(n, n), new Vector3D(FieldOfView / n / 0.94, FieldOfView / n / 0.94, 1), Vector3D.Zero, Matrix3D.Identity);
        var channels = new Image[3];
        for (int c = 0; c < 3; c++)
        {
            channels[c] = Image.Create(geometry, ElementType.UInt8);
        }

        var labels = Image.Create(geometry, ElementType.UInt8);
        var lab = labels.AsSpan<byte>();
        var rs = channels[0].AsSpan<byte>();
        var gs = channels[1].AsSpan<byte>();
        var bs = channels[2].AsSpan<byte>();
        var noise = PhantomRandom.ForStream(PhantomRandom.CaseKey(seed, Kind, caseIndex), 0);
        var deviates = new float[n * 3];
        for (int y = 0; y < n; y++)
        {
            noise.FillNormal(deviates);
            for (int x = 0; x < n; x++)
            {
                double dx = (x - cx) / fov, dy = (y - cy) / fov;
                double rho = Math.Sqrt((dx * dx) + (dy * dy));
                int p = (y * n) + x;
                if (rho > 1)
                {
                    double edge = Math.Clamp((1.02 - rho) / 0.02, 0, 1);
                    rs[p] = gs[p] = bs[p] = (byte)(edge * 8);
                    continue;
                }

                double light = (1 - (0.45 * rho * rho)) * (1 + (gradientX * dx) + (gradientY * dy));
                double tex = 1 + (0.06 * texture.Sample(x, y, 0)) + (0.03 * fine.Sample(x, y, 0));
                double rr = red * tex, gg = green * tex, bb = blue * tex;

                // Macula and fovea: darker, more pigment.
                double m = Math.Sqrt(((x - maculaX) * (x - maculaX)) + ((y - maculaY) * (y - maculaY))) / (0.16 * fov);
                double macula = 1 - (0.35 * Math.Exp(-m * m * 2.5));
                rr *= 0.92 + (0.08 * macula);
                gg *= macula;
                bb *= macula;

                // Optic disc: bright yellow-white with a paler cup.
                double dd = Math.Sqrt(((x - discX) * (x - discX)) + ((y - discY) * (y - discY))) / discR;
                double disc = Math.Clamp((1.08 - dd) / 0.16, 0, 1);
                double cup = Math.Clamp((0.55 - dd) / 0.2, 0, 1);
                rr += disc * (0.98 - rr);
                gg += disc * (0.72 + (0.15 * cup) - gg);
                bb += disc * (0.42 + (0.25 * cup) - bb);

                // Vessels: coverage of the pixel (2x2 samples), darker in green; veins darker and redder than arteries.
                var (cover, vein) = vesselShape.Coverage(x, y);
                if (cover > 0)
                {
                    double strength = vein ? 0.55 : 0.4;
                    rr *= 1 - (cover * strength * 0.35);
                    gg *= 1 - (cover * strength);
                    bb *= 1 - (cover * strength * 0.8);
                }

                lab[p] = vesselShape.Inside(x, y) ? FundusLabels.Vessel : dd < 1 ? FundusLabels.OpticDisc : FundusLabels.Background;
                double vignette = Math.Clamp((1 - rho) / 0.03, 0, 1);
                rs[p] = ToByte(rr * light * vignette, deviates[3 * x]);
                gs[p] = ToByte(gg * light * vignette, deviates[(3 * x) + 1]);
                bs[p] = ToByte(bb * light * vignette, deviates[(3 * x) + 2]);
            }
        }

        channels[0].Metadata["description"] = "MedVox fundus phantom, red";
        return new FundusCase(channels, labels, vessels);
    }

    private static byte ToByte(double value, float deviate) => (byte)Math.Clamp(Math.Round((value * 255) + (deviate * 2.5)), 0, 255);

    private static List<FundusVessel> GrowVessels(PhantomRandom r, int n, double discX, double discY, double discR, double maculaX, double maculaY, double fov, double cx, double cy)
    {
        var list = new List<FundusVessel>();
        double minRadius = 0.5;
        double trunk = Math.Max(0.0095 * n, 2.0);
        double toMacula = Math.Atan2(maculaY - discY, maculaX - discX);

        // Superior and inferior temporal arcades curve around the macula; two nasal pairs leave the other way.
        (double Angle, double Turn, double Scale)[] roots =
        [
            (toMacula - 1.2, 0.016, 1.0), (toMacula + 1.2, -0.016, 1.0),
            (toMacula + Math.PI - 0.7, -0.004, 0.75), (toMacula + Math.PI + 0.7, 0.004, 0.75),
        ];
        foreach (var (angle, turn, scale) in roots)
        {
            foreach (bool vein in new[] { false, true })
            {
                double offset = vein ? 0.12 : -0.12;
                double a = angle + offset;
                double radius = trunk * scale * (vein ? 1.2 : 0.95);
                var stack = new Stack<(double X, double Y, double A, double R, double Turn, int Generation)>();
                stack.Push((discX + (Math.Cos(a) * discR * 0.3), discY + (Math.Sin(a) * discR * 0.3), a, radius, turn, 0));
                while (stack.Count > 0 && list.Count < 4000)
                {
                    var (x, y, dir, rad, curl, generation) = stack.Pop();
                    double length = Math.Clamp(rad * r.Uniform(5, 9), 2, n * 0.05);
                    dir += (curl * length) + r.Uniform(-0.12, 0.12);
                    curl *= 0.9;
                    double nx = x + (Math.Cos(dir) * length), ny = y + (Math.Sin(dir) * length);
                    double end = rad * r.Uniform(0.93, 0.98);
                    double fromCenter = Math.Sqrt(((nx - cx) * (nx - cx)) + ((ny - cy) * (ny - cy)));
                    double fromMacula = Math.Sqrt(((nx - maculaX) * (nx - maculaX)) + ((ny - maculaY) * (ny - maculaY)));
                    if (fromCenter > fov * 1.02 || (fromMacula < 0.1 * fov && generation > 0) || end < minRadius)
                    {
                        list.Add(new FundusVessel(x, y, x + (Math.Cos(dir) * Math.Min(length, 3)), y + (Math.Sin(dir) * Math.Min(length, 3)), rad, minRadius, generation, vein));
                        continue;
                    }

                    list.Add(new FundusVessel(x, y, nx, ny, rad, end, generation, vein));
                    if (r.Chance(0.18) && end > minRadius * 1.6)
                    {
                        double q = r.Uniform(0.4, 0.9);
                        double r1 = end / Math.Cbrt(1 + (q * q * q));
                        double r2 = q * r1;
                        int side = r.Chance(0.5) ? 1 : -1;
                        stack.Push((nx, ny, dir - (side * r.Uniform(0.5, 1.0)), r2, curl * 0.5, generation + 1));
                        stack.Push((nx, ny, dir + (side * r.Uniform(0.1, 0.3)), r1, curl, generation + 1));
                    }
                    else
                    {
                        stack.Push((nx, ny, dir, end, curl, generation));
                    }
                }
            }
        }

        return list;
    }

    /// <summary>Vessel tree lookup in 2D with a coarse grid of segment lists.</summary>
    private sealed class Fundus2D
    {
        private const int Cell = 8;
        private readonly List<FundusVessel> _vessels;
        private readonly Dictionary<(int, int), List<int>> _grid = [];

        public Fundus2D(List<FundusVessel> vessels)
        {
            _vessels = vessels;
            for (int s = 0; s < vessels.Count; s++)
            {
                var v = vessels[s];
                double m = Math.Max(v.R0, v.R1) + 2;
                int i0 = (int)Math.Floor((Math.Min(v.X0, v.X1) - m) / Cell), i1 = (int)Math.Floor((Math.Max(v.X0, v.X1) + m) / Cell);
                int j0 = (int)Math.Floor((Math.Min(v.Y0, v.Y1) - m) / Cell), j1 = (int)Math.Floor((Math.Max(v.Y0, v.Y1) + m) / Cell);
                for (int j = j0; j <= j1; j++)
                {
                    for (int i = i0; i <= i1; i++)
                    {
                        if (!_grid.TryGetValue((i, j), out var cell))
                        {
                            _grid[(i, j)] = cell = [];
                        }

                        cell.Add(s);
                    }
                }
            }
        }

        public double Distance(double x, double y, out bool vein)
        {
            vein = false;
            double best = 1e9;
            if (!_grid.TryGetValue(((int)Math.Floor(x / Cell), (int)Math.Floor(y / Cell)), out var cell))
            {
                return best;
            }

            foreach (int s in cell)
            {
                var v = _vessels[s];
                double abx = v.X1 - v.X0, aby = v.Y1 - v.Y0;
                double l2 = (abx * abx) + (aby * aby);
                double t = l2 > 0 ? Math.Clamp((((x - v.X0) * abx) + ((y - v.Y0) * aby)) / l2, 0, 1) : 0;
                double ex = x - v.X0 - (t * abx), ey = y - v.Y0 - (t * aby);
                double d = Math.Sqrt((ex * ex) + (ey * ey)) - (v.R0 + (t * (v.R1 - v.R0)));
                if (d < best)
                {
                    best = d;
                    vein = v.Vein;
                }
            }

            return best;
        }

        public bool Inside(double x, double y) => Distance(x, y, out _) < 0;

        /// <summary>Fraction of the pixel covered (one-pixel ramp across the edge) and whether the nearest vessel is a vein.</summary>
        public (double Coverage, bool Vein) Coverage(double x, double y)
        {
            double d = Distance(x, y, out bool vein);
            return (Math.Clamp(0.5 - d, 0, 1), vein);
        }
    }
}
