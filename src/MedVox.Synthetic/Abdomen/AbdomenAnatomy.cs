using MedVox.Geometry;
using MedVox.Synthetic.Rendering;
using L = MedVox.Synthetic.Abdomen.AbdomenLabels;

namespace MedVox.Synthetic.Abdomen;

/// <summary>
/// Builds one patient's abdomen as implicit shapes in patient millimetres (LPS: x to the left, y to the back, z up;
/// z = 0 at the middle of L1, the body's centre at x = y = 0). Positions and sizes follow adult anatomy (liver in the
/// right upper quadrant, spleen left posterolateral, kidneys beside L1-L2 with the right one lower, pancreas across the
/// midline behind the stomach, aorta left-anterior of the spine, IVC to the right) and vary per case through random
/// scale, position and smooth deformation fields. The structures are listed in paint order: later ones win the label.
/// </summary>
internal sealed class AbdomenAnatomy
{
    /// <summary>Cranio-caudal centre of the default field of view.</summary>
    public const double CenterZ = -15;

    private readonly PhantomRandom _random;
    private readonly double _minSpacing;
    private readonly double _margin;
    private readonly List<Structure> _structures = [];

    private AbdomenAnatomy(PhantomRandom random, double minSpacing, double maxSpacing, ContrastPhase phase)
    {
        _random = random;
        _minSpacing = minSpacing;
        _margin = maxSpacing + 0.5;
        Tissue = TissueValues.Draw(phase, random);
    }

    public IReadOnlyList<Structure> Structures => _structures;

    public IReadOnlyList<VesselBranch> Vessels { get; private set; } = [];

    public TissueValues Tissue { get; }

    /// <summary>Radius at which the smallest vessel branches end (half to about one finest voxel spacing).</summary>
    public double TerminalRadius { get; private set; }

    public static AbdomenAnatomy Build(PhantomRandom random, double minSpacing, double maxSpacing, ContrastPhase phase)
    {
        var anatomy = new AbdomenAnatomy(random, minSpacing, maxSpacing, phase);
        anatomy.Compose();
        return anatomy;
    }

    private void Compose()
    {
        var r = _random;
        var t = Tissue;
        var world = new Box(new Vector3D(-220, -180, -200), new Vector3D(220, 180, 200));

        // Body habitus.
        double halfWidth = r.Uniform(145, 172);
        double halfDepth = r.Uniform(100, 125);
        double sx = halfWidth / 160, sy = halfDepth / 115;
        double fatThickness = r.Uniform(8, 32);
        double muscleThickness = r.Uniform(8, 13);
        double bowelShare = r.Uniform(0.2, 0.3);
        var outlineField = new LatticeNoise(r, world, 70, 2);
        // The back reaches at least past the spinous processes and their muscles.
        double vertebraY = 46 * sy;
        double canalY = vertebraY + 28;
        double backFlattening = Math.Max(r.Uniform(0.82, 0.92), (canalY + 40 + fatThickness) / halfDepth);
        var body = new BodyOutlineShape(halfWidth, halfDepth, 0, r.Uniform(0.35, 0.6), backFlattening, -400, 400, outlineField, 7);
        double cavityInset = fatThickness + muscleThickness;
        var cavity = new OffsetShape(body, -cavityInset);
        var bowel = new BowelTexture(new LatticeNoise(r, world, 28), new LatticeNoise(r, world, 28), new LatticeNoise(r, world, 20), t.Fat, t.GutWall, t.Fluid, -950, (float)bowelShare);
        Add("body", body,
            new Layer(0, t.Fat, L.SubcutaneousFat),
            new Layer(fatThickness, t.Muscle, L.Muscle),
            new Layer(cavityInset, 0, L.Body, bowel));

        Vector3D P(double x, double y, double z) => new(x * sx, y * sy, z);

        // Lung bases above the diaphragm, inside the rib cage.
        foreach (int side in new[] { -1, 1 })
        {
            var lung = new EllipsoidShape(P(side * 78, 30, 215), new Vector3D(72 * sx, 92 * sy, 150), Frames.FromAngles(-12, 0, 0));
            Add("lung", new IntersectionShape(Deform(lung, 40, 6), cavity), t.Lung, L.Body);
        }

        // Paraspinal muscles and psoas, then the spine over them.
        foreach (int side in new[] { -1, 1 })
        {
            var paraspinal = new EllipticCylinderShape(side * 36 * sx, canalY + 12, 30 * sx, 24 * sy, -400, 400);
            Add("paraspinal", new IntersectionShape(Deform(paraspinal, 50, 4), new OffsetShape(body, -fatThickness)), t.Muscle, L.Muscle);
            var psoasPoints = new[] { new Vector3D(side * 20, vertebraY - 6, 20), new Vector3D(side * 30, vertebraY - 8, -40), new Vector3D(side * 42, vertebraY - 10, -110), new Vector3D(side * 55, vertebraY - 8, -180) };
            Add("psoas", Deform(new TubeSetShape(TubeSetShape.Chain(psoasPoints, [4, 12, 20, 24]), _margin), 30, 3), t.Muscle, L.Muscle);
        }

        AddSpine(vertebraY, canalY, sx);
        AddRibs(halfWidth - fatThickness - (0.5 * muscleThickness), halfDepth - fatThickness - (0.5 * muscleThickness), canalY);

        // Kidneys in perirenal fat, with the renal sinus fat at the hilum.
        var kidneyCenters = new Vector3D[2];
        var hilumDirections = new Vector3D[2];
        foreach (int side in new[] { -1, 1 })
        {
            double scale = Math.Cbrt(r.Uniform(0.8, 1.2));
            var center = P(side * r.Uniform(62, 72), r.Uniform(52, 60), side < 0 ? r.Uniform(-40, -28) : r.Uniform(-25, -12));
            var longAxis = new Vector3D(-side * r.Uniform(0.12, 0.25), r.Uniform(0.1, 0.25), 1);
            var hilum = new Vector3D(-side * 0.75, -0.65, 0);
            var frame = Frames.FromAxes(longAxis, hilum);
            var radii = new Vector3D(56, 26, 30) * scale;
            var kidney = Deform(new EllipsoidShape(center, radii, frame, 0.1, 5 * scale), 30, 3);
            Add("perirenal fat", new EllipsoidShape(center, radii + new Vector3D(12, 12, 12), frame), t.Fat, L.Body);
            Add(side < 0 ? "kidney_right" : "kidney_left", kidney, t.Kidney, side < 0 ? L.KidneyRight : L.KidneyLeft);
            var hilumAxis = frame.Column(1);
            Add("renal sinus", new EllipsoidShape(center + (hilumAxis * 17 * scale), new Vector3D(28, 10, 12) * scale, frame), t.Fat, L.Body);
            kidneyCenters[side < 0 ? 0 : 1] = center;
            hilumDirections[side < 0 ? 0 : 1] = hilumAxis;
        }

        // Vessels: named trunks and random trees in the mesentery; organs are painted over them.
        var vessels = BuildVessels(cavity, kidneyCenters, hilumDirections, sx, sy);
        Add("vessels", new TubeSetShape([.. vessels.Select(v => v.Segment)], _margin), t.Vessels, L.Vessels);
        Vessels = vessels;

        double aortaRadius = r.Uniform(10, 12.5);
        var aorta = new[] { new Vector3D(18, 16, 150), new Vector3D(16, 14, 40), new Vector3D(12, 14, -60), new Vector3D(6, 16, -118) };
        Add("aorta", new TubeSetShape(TubeSetShape.Chain(aorta, [aortaRadius, aortaRadius * 0.95, aortaRadius * 0.85, aortaRadius * 0.78]), _margin), t.Aorta, L.Aorta);
        double cavaRadius = r.Uniform(10, 12);
        var cava = new[] { new Vector3D(-24, 18, 150), new Vector3D(-25, 18, 60), new Vector3D(-22, 20, -60), new Vector3D(-12, 24, -118) };
        Add("inferior_vena_cava", new TubeSetShape(TubeSetShape.Chain(cava, [cavaRadius, cavaRadius, cavaRadius * 0.95, cavaRadius * 0.9]), _margin), t.Vein, L.InferiorVenaCava);

        // Duodenum (C-loop around the pancreatic head; unlabelled bowel).
        var duodenum = new[] { P(-30, -45, 10), P(-58, -25, 0), P(-63, 0, -35), P(-42, 14, -66), P(0, 16, -70), P(26, 4, -52) };
        double duodenumRadius = r.Uniform(9, 13);
        var duodenumShape = Deform(new TubeSetShape(TubeSetShape.Chain(duodenum, Fill(duodenum.Length, duodenumRadius)), _margin), 25, 3);
        Add("duodenum", duodenumShape, new Layer(0, t.GutWall, L.Body), new Layer(2.5, 0, L.Body, new GravityTexture(r.Uniform(-40, 5), -950, t.Fluid)));

        // Liver: a tapered, bent ellipsoid wedge in the right upper quadrant, cut by the abdominal wall.
        double liverScale = Math.Cbrt(r.Normal(1.0, 0.08));
        var liverCenter = P(-48 + r.Uniform(-6, 6), -8 + r.Uniform(-6, 6), 52 + r.Uniform(-8, 6));
        var liverRadii = new Vector3D(115 * sx, 94 * sy, 80) * liverScale;
        var liver = new EllipsoidShape(liverCenter, liverRadii, Frames.FromAngles(r.Uniform(-6, 6), r.Uniform(-10, 4), r.Uniform(-8, 8)), r.Uniform(0.5, 0.62), -r.Uniform(8, 16));
        Add("liver", new IntersectionShape(Deform(liver, 45, 8), new OffsetShape(cavity, -2)), t.Liver, L.Liver);

        // Spleen: a crescent along the left posterolateral ribs.
        double spleenScale = Math.Cbrt(r.Normal(1.0, 0.12));
        var spleenCenter = P(84 + r.Uniform(-5, 5), 40 + r.Uniform(-6, 6), 48 + r.Uniform(-8, 8));
        var spleenFrame = Frames.FromAxes(new Vector3D(0.25, -0.45, -0.85), new Vector3D(-0.8, -0.4, 0.1));
        var spleen = new EllipsoidShape(spleenCenter, new Vector3D(62, 23, 40) * spleenScale, spleenFrame, 0.2, 9);
        Add("spleen", new IntersectionShape(Deform(spleen, 30, 4), new OffsetShape(cavity, -2)), t.Spleen, L.Spleen);

        // Stomach: J-shaped tube from the fundus to the pylorus, wall then contents (gas anterior, fluid behind).
        double distension = r.Uniform(0.7, 1.1);
        var stomach = new[] { P(52, -8, 98), P(56, -32, 60), P(42, -55, 24), P(2, -66, 6), P(-30, -45, 10) };
        var stomachRadii = new[] { 36 * distension, 36 * distension, 28 * distension, 20 * distension, 11 };
        var stomachShape = new IntersectionShape(Deform(new TubeSetShape(TubeSetShape.Chain(stomach, stomachRadii), _margin), 35, 6), new OffsetShape(cavity, -2));
        Add("stomach", stomachShape,
            new Layer(0, t.GutWall, L.Stomach),
            new Layer(r.Uniform(3, 5), 0, L.Stomach, new GravityTexture((-45 * sy) + r.Uniform(-15, 20), -980, t.Fluid)));

        // Pancreas: elongated across the midline behind the stomach, head in the duodenal C-loop, tail at the splenic hilum.
        double pancreasScale = r.Uniform(0.9, 1.1);
        var pancreas = new[] { P(-44, -4, -42), P(-32, -10, -22), P(-8, -20, -10), P(24, -14, -2), P(54, 4, 10), P(80, 24, 20), P(92, 34, 24) };
        var pancreasRadii = new[] { 14.5, 14, 10, 10.5, 10, 9, 6 };
        for (int i = 0; i < pancreasRadii.Length; i++)
        {
            pancreasRadii[i] *= pancreasScale;
            pancreas[i] += new Vector3D(r.Uniform(-4, 4), r.Uniform(-4, 4), r.Uniform(-4, 4));
        }

        Add("pancreas", Deform(new TubeSetShape(TubeSetShape.Chain(pancreas, pancreasRadii), _margin), 11, 2.5), t.Pancreas, L.Pancreas);
    }

    private void AddSpine(double vertebraY, double canalY, double sx)
    {
        var t = Tissue;
        for (int level = -5; level <= 5; level++)
        {
            double zc = (level * 38) + _random.Uniform(-1.5, 1.5);
            double growth = 1 - (0.03 * level);
            double a = 21 * growth, b = 16 * growth;
            var vertebra = new EllipticCylinderShape(_random.Uniform(-1, 1), vertebraY, a, b, zc - 14, zc + 14);
            Add("vertebra", vertebra, new Layer(0, t.CorticalBone, L.Spine), new Layer(1.6, t.CancellousBone, L.Spine));
            Add("disc", new EllipticCylinderShape(0, vertebraY, a * 0.97, b * 0.97, zc + 14, zc + 24), t.Disc, L.Spine);
            var arch = new EllipticCylinderShape(0, canalY, 17, 13, zc - 12, zc + 16);
            Add("arch", arch, t.CorticalBone, L.Spine);
            var processes = new List<TubeSegment>
            {
                new(new Vector3D(0, canalY + 10, zc + 4), new Vector3D(0, canalY + 28, zc - 8), 5, 4),
                new(new Vector3D(-12, canalY - 4, zc + 2), new Vector3D(-36 * sx, canalY - 2, zc + 2), 4.5, 3.5),
                new(new Vector3D(12, canalY - 4, zc + 2), new Vector3D(36 * sx, canalY - 2, zc + 2), 4.5, 3.5),
            };
            Add("processes", new TubeSetShape(processes, _margin), new Layer(0, t.CorticalBone, L.Spine), new Layer(1.4, t.CancellousBone, L.Spine));
        }

        // The canal's contents run continuously through the discs' levels too.
        Add("canal", new EllipticCylinderShape(0, canalY - 1, 9, 7, -400, 400), t.Csf, L.Body);
    }

    private void AddRibs(double ribA, double ribB, double canalY)
    {
        var t = Tissue;
        for (int rib = 7; rib <= 12; rib++)
        {
            double zHead = ((12 - rib) * 38) + 40;
            double sweep = rib switch { 12 => 80, 11 => 110, _ => 150 + ((10 - rib) * 5) };
            double drop = rib >= 11 ? 35 : 75 + ((10 - rib) * 8);
            foreach (int side in new[] { -1, 1 })
            {
                var points = new List<Vector3D> { new(side * 28, canalY - 2, zHead) };
                var radii = new List<double> { 4 };
                for (double angle = 25; angle <= sweep + 0.1; angle += 9)
                {
                    var (sin, cos) = Math.SinCos(angle * Math.PI / 180);
                    double z = zHead - (drop * Math.Pow(angle / sweep, 1.4));
                    double inset = 0.97 + (0.03 * _random.Uniform(-1, 1));
                    points.Add(new Vector3D(side * ribA * sin * inset, ribB * cos * inset, z));
                    radii.Add(angle > sweep * 0.8 ? 3.5 : 4.5);
                }

                Add("rib", new TubeSetShape(TubeSetShape.Chain(points, radii), _margin), new Layer(0, t.CorticalBone * 0.85f, L.Ribs), new Layer(1.4, t.CancellousBone, L.Ribs));
            }
        }
    }

    private List<VesselBranch> BuildVessels(Shape cavity, Vector3D[] kidneyCenters, Vector3D[] hilumDirections, double sx, double sy)
    {
        var r = _random;
        TerminalRadius = r.Uniform(0.5, 0.9) * _minSpacing;
        bool Inside(Vector3D p) => cavity.Distance(p) < -6;
        int budget = _minSpacing < 1 ? 3200 : _minSpacing < 2 ? 1800 : 900;
        var grower = new VesselTreeGrower(r, TerminalRadius, Inside, budget);

        // Celiac trunk with the common hepatic and splenic arteries; superior mesenteric artery and vein; portal and
        // splenic veins; renal arteries and veins; common iliac arteries and veins.
        grower.AddTrunk([new(17, 3, 32), new(17, -14, 34)], [4, 3.5]);
        grower.AddTrunk([new(17, -14, 34), new(-10 * sx, -18 * sy, 28), new(-44 * sx, -14 * sy, 20)], [3.2, 3, 2.6]);
        grower.AddTrunk([new(17, -14, 34), new(42 * sx, -2 * sy, 30), new(62 * sx, 8 * sy, 38), new(84 * sx, 30 * sy, 36)], [3.2, 3, 2.8, 2.5]);
        var sma = new[] { new Vector3D(16, 3, 16), new Vector3D(15, -24 * sy, 4), new Vector3D(12, -38 * sy, -30), new Vector3D(8, -48 * sy, -80), new Vector3D(2, -50 * sy, -125) };
        grower.AddTrunk(sma, [4, 3.6, 3.2, 2.6, 1.8]);
        var smv = new[] { new Vector3D(-6, -8 * sy, -8), new Vector3D(-4, -28 * sy, -20), new Vector3D(-8, -40 * sy, -60), new Vector3D(-12, -48 * sy, -110) };
        grower.AddTrunk(smv, [6, 5, 4, 3]);
        grower.AddTrunk([new(-6, -8 * sy, -8), new(-28 * sx, -10 * sy, 8), new(-46 * sx, -12 * sy, 22)], [6.5, 6.5, 6]);
        grower.AddTrunk([new(-6, -8 * sy, -8), new(30 * sx, 0, 2), new(60 * sx, 14 * sy, 16), new(84 * sx, 32 * sy, 30)], [4.5, 4.5, 4.2, 4]);
        for (int k = 0; k < 2; k++)
        {
            var hilum = kidneyCenters[k] + (hilumDirections[k] * 20);
            double sideX = k == 0 ? -1 : 1;
            grower.AddTrunk([new Vector3D(12 * sideX, 14, -4), hilum], [3, 2.6]);
            grower.AddTrunk([hilum + new Vector3D(0, -4, -6), new Vector3D(k == 0 ? -20 : -14, 14, -12)], [4, 4.5]);
        }

        foreach (int side in new[] { -1, 1 })
        {
            grower.AddTrunk([new(6, 16, -118), new(side * 32, 24, -150), new(side * 52, 34, -185)], [7, 6.5, 6]);
            grower.AddTrunk([new(-12, 24, -118), new(side * 36 - 6, 34, -150), new(side * 56, 42, -185)], [8, 7.5, 7]);
        }

        // Mesenteric trees from the SMA and SMV towards the bowel, and small branches of the IMA and the splenic artery.
        for (int i = 0; i < 6; i++)
        {
            double f = (i + 0.5) / 6;
            var start = Along(sma, f);
            var target = new Vector3D(r.Uniform(-80, 80) * sx, r.Uniform(-70, -20) * sy, start.Z - r.Uniform(20, 60));
            grower.Grow(start, target - start, r.Uniform(1.6, 2.4), target, 0.25, budget / 10);
        }

        for (int i = 0; i < 3; i++)
        {
            var start = Along(smv, (i + 0.5) / 3);
            var target = new Vector3D(r.Uniform(-90, -40) * sx, r.Uniform(-60, -10) * sy, start.Z - r.Uniform(10, 40));
            grower.Grow(start, target - start, r.Uniform(1.8, 2.6), target, 0.25, budget / 10);
        }

        var ima = new Vector3D(9, 4, -85);
        grower.Grow(ima, new Vector3D(1, -0.6, -0.5), 2.0, new Vector3D(45 * sx, -10, -140), 0.3, budget / 10);
        var gastric = new Vector3D(30 * sx, -8 * sy, 31);
        grower.Grow(gastric, new Vector3D(0.3, -1, 0.6), 1.8, new Vector3D(40 * sx, -60 * sy, 70), 0.3, budget / 20);
        return [.. grower.Branches];
    }

    private static Vector3D Along(Vector3D[] points, double fraction)
    {
        double position = fraction * (points.Length - 1);
        int i = Math.Min((int)position, points.Length - 2);
        double f = position - i;
        return points[i] + ((points[i + 1] - points[i]) * f);
    }

    private Shape Deform(Shape shape, double cell, double amplitude) =>
        new DeformedShape(shape, new LatticeNoise(_random, shape.Bounds.Expand(cell), cell, 3), amplitude);

    private static double[] Fill(int count, double value)
    {
        var values = new double[count];
        Array.Fill(values, value);
        return values;
    }

    private void Add(string name, Shape shape, float value, byte label) => _structures.Add(new Structure(name, shape, value, label));

    private void Add(string name, Shape shape, params Layer[] layers) => _structures.Add(new Structure(name, shape, layers));
}
