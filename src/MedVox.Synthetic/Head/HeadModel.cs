using MedVox.Geometry;
using MedVox.Synthetic.Rendering;

namespace MedVox.Synthetic.Head;

/// <summary>
/// An analytic head: nested ellipsoids for scalp, skull tables and diploe, and brain; sulci where two smooth random
/// fields cross zero near the cortical surface; ventricles, fissures and basal cisterns as shapes; all in mm with
/// z = 0 at the level of the foramen of Monro.
/// </summary>
internal sealed class HeadModel
{
    private readonly EllipsoidShape _outer, _skull, _brain;
    private readonly EllipsoidShape[] _ventricles;
    private readonly LatticeNoise _sulci, _sulciB;
    private readonly double _skullThickness, _sulcusWidth;

    private HeadModel(PhantomRandom r)
    {
        double a = r.Uniform(68, 76), b = r.Uniform(88, 96), c = r.Uniform(70, 80);
        var tilt = Frames.FromAngles(r.Uniform(-4, 4), r.Uniform(-3, 3), r.Uniform(-4, 4));
        _skullThickness = r.Uniform(5, 8);
        _outer = new EllipsoidShape(new Vector3D(0, 0, 10), new Vector3D(a + 6, b + 6, c + 6), tilt);
        _skull = new EllipsoidShape(new Vector3D(0, 0, 10), new Vector3D(a, b, c), tilt);
        _brain = new EllipsoidShape(new Vector3D(0, 0, 10), new Vector3D(a - _skullThickness, b - _skullThickness, c - _skullThickness), tilt);
        double ventricleSize = r.Uniform(0.8, 1.3);
        _ventricles =
        [
            new EllipsoidShape(new Vector3D(-12, -5, 12), new Vector3D(7, 32, 9) * ventricleSize, Frames.FromAngles(0, 0, 12), 0.4, 4),
            new EllipsoidShape(new Vector3D(12, -5, 12), new Vector3D(7, 32, 9) * ventricleSize, Frames.FromAngles(0, 0, -12), 0.4, 4),
            new EllipsoidShape(new Vector3D(0, 5, -5), new Vector3D(2.5, 12, 9), Frames.FromAngles(0, 0, 0)),
        ];
        var box = new Box(new Vector3D(-100, -110, -80), new Vector3D(100, 110, 110));
        _sulci = new LatticeNoise(r, box, r.Uniform(6.5, 9));
        _sulciB = new LatticeNoise(r, box, r.Uniform(9, 13));
        _sulcusWidth = r.Uniform(0.05, 0.09);
        Level = r.Uniform(-25, 55);
        GreyMatter = (float)r.Normal(38, 2);
        WhiteMatter = (float)r.Normal(28, 2);
        Csf = (float)r.Normal(6, 2);
        Bone = (float)r.Uniform(1100, 1500);
        Diploe = (float)r.Uniform(500, 800);
    }

    /// <summary>Cranio-caudal level of the slice (mm; 0 at the foramen of Monro).</summary>
    public double Level { get; }

    public float GreyMatter { get; }

    public float WhiteMatter { get; }

    public float Csf { get; }

    public float Bone { get; }

    public float Diploe { get; }

    public static HeadModel Create(PhantomRandom random) => new(random);

    public bool IsVentricle(double x, double y, double z)
    {
        foreach (var v in _ventricles)
        {
            if (v.Distance(x, y, z) < 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Tissue label and HU at a point; blood replaces the CSF of sulci, fissures and cisterns within the blood ball.</summary>
    public (byte Tissue, float Value) Classify(double x, double y, double z, Vector3D bloodCenter, double bloodRadius, float bloodValue = 70)
    {
        double outer = _outer.Distance(x, y, z);
        if (outer > 0)
        {
            return (HeadLabels.Background, -1000);
        }

        double skull = _skull.Distance(x, y, z);
        if (skull > 0)
        {
            return (HeadLabels.Background, outer > -1.5 ? 30 : (outer > -3 ? -80 : 35));
        }

        double brain = _brain.Distance(x, y, z);
        if (brain > 0)
        {
            // Outer and inner tables with diploe between.
            bool table = skull > -1.8 || brain < 1.8;
            return (HeadLabels.Skull, table ? Bone : Diploe);
        }

        double depth = -brain;
        bool csf = false;
        bool ventricle = IsVentricle(x, y, z);
        if (ventricle || depth < 1.2)
        {
            csf = true;
        }
        else
        {
            // Interhemispheric fissure, Sylvian fissures, basal cisterns, sulci near the surface.
            double fissure = Math.Abs(x) - (depth < 45 ? 1.2 : 0);
            bool sylvianFissure = z is > -20 and < 15 && depth > 8 && depth < 35 && Math.Abs(y + 5) < 25 && Math.Abs((0.6 * Math.Abs(x)) - 30 - (0.2 * (y + 5))) < 1.3;
            bool cistern = z < -12 && (x * x) + ((y + 15) * (y + 15)) < 18 * 18 && (x * x) + ((y + 15) * (y + 15)) > 9 * 9;
            double n1 = _sulci.Sample(x, y, z), n2 = _sulciB.Sample(x, y, z);
            double sulcusDepth = 12 + (8 * n2);
            bool sulcus = depth < sulcusDepth && Math.Abs(n1) < _sulcusWidth * (1 - (0.5 * depth / sulcusDepth));
            csf = fissure < 0 || sylvianFissure || cistern || sulcus;
        }

        if (csf)
        {
            bool inBlood = bloodRadius > 0 && !ventricle && (new Vector3D(x, y, z) - bloodCenter).Length < bloodRadius;
            return inBlood ? (HeadLabels.Hemorrhage, bloodValue) : (HeadLabels.Csf, Csf);
        }

        // Cortex: a grey ribbon under the surface and around sulci; deep grey nuclei beside the third ventricle.
        double n = Math.Abs(_sulci.Sample(x, y, z));
        bool cortex = depth < 3.5 || (depth < 20 && n < _sulcusWidth * 2.6);
        bool nuclei = Math.Abs(z - 2) < 14 && Math.Abs(Math.Abs(x) - 18) < 7 && Math.Abs(y - 3) < 14;
        return (HeadLabels.Brain, cortex || nuclei ? GreyMatter : WhiteMatter);
    }
}
