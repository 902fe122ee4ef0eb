using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Synthetic.Abdomen;
using MedVox.Synthetic.Rendering;

namespace MedVox.Synthetic.Colon;

/// <summary>
/// CT colonography phantoms: the abdomen phantom's anatomy (unlabelled) with a gas-distended colon along the colonic
/// frame (caecum, ascending, hepatic flexure, transverse, splenic flexure, descending, sigmoid, rectum), haustral folds,
/// a 2-3 mm wall, optional tagged fluid, and sessile and pedunculated polyps of 3-15 mm whose centres and diameters are
/// the ground truth (<see cref="ColonCase.Polyps"/>).
/// </summary>
public static class ColonPhantom
{
    public const string Kind = "colon";

    public static ColonCase Generate(ColonOptions options, int seed, int caseIndex, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.PolypCount is < 0 or > 20)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"The number of polyps must be 0 to 20, got {options.PolypCount}.");
        }

        var grid = options.Grid;
        var geometry = AbdomenPhantom.GeometryFor(grid);
        var random = PhantomRandom.ForCase(seed, Kind, caseIndex);
        double minSpacing = Math.Min(geometry.Spacing.X, Math.Min(geometry.Spacing.Y, geometry.Spacing.Z));
        double maxSpacing = Math.Max(geometry.Spacing.X, Math.Max(geometry.Spacing.Y, geometry.Spacing.Z));
        double drawnNoise = random.Uniform(10, 20);
        double noise = options.NoiseSd ?? drawnNoise;
        var anatomy = AbdomenAnatomy.Build(random, minSpacing, maxSpacing, ContrastPhase.Native);
        var structures = new List<Structure>();
        foreach (var s in anatomy.Structures)
        {
            structures.Add(new Structure(s.Name, s.Shape, [.. s.Layers.Select(l => l with { Label = ColonLabels.Background })]));
        }

        var colon = BuildColon(random);
        double wall = random.Uniform(2, 3);
        double fill = options.TaggedFluid ? random.Uniform(0.12, 0.3) : 0;
        var contents = new ColonContents(colon, -1000, (float)random.Uniform(500, 700), fill);
        var withWall = new ColonWall(colon, wall);
        structures.Add(new Structure("colon", withWall, new Layer(0, anatomy.Tissue.GutWall, ColonLabels.Wall), new Layer(wall, 0, ColonLabels.Lumen, contents)));
        var polyps = PlacePolyps(random, colon, options.PolypCount);
        foreach (var polyp in polyps)
        {
            var head = new EllipsoidShape(polyp.Center, new Vector3D(polyp.Diameter / 2, polyp.Diameter / 2, polyp.Diameter / 2));
            structures.Add(new Structure("polyp", head, anatomy.Tissue.GutWall + 5, ColonLabels.Polyp));
            if (polyp.Type == PolypType.Pedunculated)
            {
                var stalkEnd = polyp.Center + ((polyp.Base - polyp.Center).Normalized() * (polyp.Diameter / 2));
                var stalk = new TubeSetShape([new TubeSegment(polyp.Base + ((polyp.Base - polyp.Center).Normalized() * wall), stalkEnd, 1.8, 1.5)], maxSpacing + 0.5);
                structures.Add(new Structure("stalk", stalk, anatomy.Tissue.GutWall, ColonLabels.Polyp));
            }
        }

        var image = Image.Create(geometry, ElementType.Int16, 1, options.Allocation);
        var labels = Image.Create(geometry, ElementType.UInt8, 1, options.Allocation);
        try
        {
            var settings = new RenderSettings { NoiseSd = noise, NoiseKey = PhantomRandom.CaseKey(seed, Kind, caseIndex) };
            VolumeRasterizer.Render(structures, image, labels, settings, progress, cancellation);
        }
        catch
        {
            image.Dispose();
            labels.Dispose();
            throw;
        }

        return new ColonCase(image, labels, polyps);
    }

    private static ColonShape BuildColon(PhantomRandom r)
    {
        double sx = r.Uniform(0.92, 1.05), sy = r.Uniform(0.9, 1.05);
        var control = new Vector3D[]
        {
            new(-62, -20, -92), new(-74, 5, -55), new(-78, 12, -10), new(-74, 8, 40), new(-62, -20, 66),
            new(-30, -62, 48), new(5, -72, 28), new(40, -62, 45), new(68, -15, 82), new(80, 18, 52),
            new(82, 24, 0), new(78, 20, -50), new(60, 0, -90), new(30, -25, -108), new(5, -10, -120),
            new(-10, 30, -128), new(0, 58, -140), new(0, 62, -175),
        };
        double[] controlRadius = [30, 26, 25, 25, 24, 24, 23, 24, 24, 22, 20, 19, 18, 17, 17, 18, 20, 20];
        for (int i = 0; i < control.Length; i++)
        {
            control[i] = new Vector3D(control[i].X * sx, control[i].Y * sy, control[i].Z) + new Vector3D(r.Uniform(-6, 6), r.Uniform(-6, 6), r.Uniform(-6, 6));
            controlRadius[i] *= r.Uniform(0.85, 1.1);
        }

        var points = new List<Vector3D>();
        var radii = new List<double>();
        for (int i = 0; i + 1 < control.Length; i++)
        {
            var p0 = control[Math.Max(i - 1, 0)];
            var p1 = control[i];
            var p2 = control[i + 1];
            var p3 = control[Math.Min(i + 2, control.Length - 1)];
            int steps = Math.Max(2, (int)Math.Ceiling((p2 - p1).Length / 4));
            for (int s = 0; s < steps; s++)
            {
                double t = (double)s / steps;
                points.Add(CatmullRom(p0, p1, p2, p3, t));
                radii.Add(controlRadius[i] + (t * (controlRadius[i + 1] - controlRadius[i])));
            }
        }

        points.Add(control[^1]);
        radii.Add(controlRadius[^1]);
        return new ColonShape([.. points], [.. radii], r.Uniform(28, 40), r.Uniform(0.2, 0.3), 0);
    }

    private static List<Polyp> PlacePolyps(PhantomRandom r, ColonShape colon, int count)
    {
        var polyps = new List<Polyp>();
        int attempts = 0;
        while (polyps.Count < count && attempts++ < 200)
        {
            // Alternate small (3-6 mm) and relevant (6-15 mm) polyps so every dataset has both.
            double diameter = polyps.Count % 2 == 0 ? r.Uniform(6, 15) : r.Uniform(3, 6);
            var type = diameter >= 6 && r.Chance(0.4) ? PolypType.Pedunculated : PolypType.Sessile;
            double arc = r.Uniform(0.05, 0.9) * colon.Length;
            double angle = r.Uniform(-Math.PI, Math.PI);
            var (wallPoint, outward) = colon.WallPoint(arc, angle);
            double stalk = type == PolypType.Pedunculated ? r.Uniform(4, 10) : 0;
            var center = type == PolypType.Sessile
                ? wallPoint - (outward * (0.3 * diameter))
                : wallPoint - (outward * (stalk + (diameter / 2)));

            // Keep polyps apart and inside the lumen (the head's far side must not reach the opposite wall).
            bool clear = colon.Distance(center) < -(diameter / 2) + (type == PolypType.Sessile ? 0.3 * diameter : 0) + 0.5;
            foreach (var other in polyps)
            {
                clear &= (other.Center - center).Length > (other.Diameter + diameter) / 2 + 15;
            }

            if (clear)
            {
                polyps.Add(new Polyp(polyps.Count, type, center, diameter, wallPoint, stalk));
            }
        }

        return polyps;
    }

    private static Vector3D CatmullRom(Vector3D p0, Vector3D p1, Vector3D p2, Vector3D p3, double t)
    {
        double t2 = t * t, t3 = t2 * t;
        return 0.5 * ((2 * p1) + ((p2 - p0) * t) + (((2 * p0) - (5 * p1) + (4 * p2) - p3) * t2) + (((3 * p1) - p0 - (3 * p2) + p3) * t3));
    }
}

/// <summary>The colon grown by its wall thickness (the outer wall surface).</summary>
internal sealed class ColonWall(ColonShape lumen, double wall) : Shape(lumen.Bounds.Expand(wall))
{
    public override double Distance(double x, double y, double z) => lumen.Distance(x, y, z) - wall;

    public override void DistanceRow(double y, double z, double x0, double dx, Span<double> distances)
    {
        lumen.DistanceRow(y, z, x0, dx, distances);
        for (int i = 0; i < distances.Length; i++)
        {
            distances[i] -= wall;
        }
    }
}

/// <summary>A colonography case with its polyps.</summary>
public sealed class ColonCase : PhantomCase
{
    internal ColonCase(Image image, Image labels, IReadOnlyList<Polyp> polyps)
        : base([image], labels) => Polyps = polyps;

    public IReadOnlyList<Polyp> Polyps { get; }
}
