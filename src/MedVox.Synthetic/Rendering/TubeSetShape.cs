using MedVox.Geometry;

namespace MedVox.Synthetic.Rendering;

/// <summary>
/// A union of round cones (segments with a radius at each end): vessels, ribs, bowel, ducts. Segments are binned along z
/// and a row only visits the segments whose box it crosses, so a tree of thousands of branches costs what its volume costs.
/// </summary>
internal sealed class TubeSetShape : Shape
{
    private const double BinSize = 4.0;
    private readonly TubeSegment[] _segments;
    private readonly int[][] _bins;
    private readonly double _z0;
    private readonly double _margin;

    public TubeSetShape(IReadOnlyList<TubeSegment> segments, double margin = 6.0)
        : base(BoundsOf(segments, margin))
    {
        _segments = [.. segments];
        _margin = margin;
        _z0 = Bounds.Min.Z;
        int binCount = Math.Max(1, (int)Math.Ceiling((Bounds.Max.Z - Bounds.Min.Z) / BinSize) + 1);
        var lists = new List<int>[binCount];
        for (int b = 0; b < binCount; b++)
        {
            lists[b] = [];
        }

        for (int s = 0; s < _segments.Length; s++)
        {
            var box = SegmentBox(_segments[s], margin);
            int b0 = Math.Clamp((int)((box.Min.Z - _z0) / BinSize), 0, binCount - 1);
            int b1 = Math.Clamp((int)((box.Max.Z - _z0) / BinSize), 0, binCount - 1);
            for (int b = b0; b <= b1; b++)
            {
                lists[b].Add(s);
            }
        }

        _bins = new int[binCount][];
        for (int b = 0; b < binCount; b++)
        {
            _bins[b] = [.. lists[b]];
        }
    }

    public IReadOnlyList<TubeSegment> Segments => _segments;

    /// <summary>A tube through <paramref name="points"/> with the given radius at each point.</summary>
    public static List<TubeSegment> Chain(IReadOnlyList<Vector3D> points, IReadOnlyList<double> radii)
    {
        var list = new List<TubeSegment>(points.Count);
        for (int i = 0; i + 1 < points.Count; i++)
        {
            list.Add(new TubeSegment(points[i], points[i + 1], radii[i], radii[i + 1]));
        }

        return list;
    }

    public override double Distance(double x, double y, double z)
    {
        double best = Far;
        var bin = Bin(z);
        if (bin is null)
        {
            return best;
        }

        foreach (int s in bin)
        {
            ref readonly var seg = ref _segments[s];
            best = Math.Min(best, seg.Distance(x, y, z));
        }

        return best;
    }

    public override void DistanceRow(double y, double z, double x0, double dx, Span<double> distances)
    {
        distances.Fill(Far);
        var bin = Bin(z);
        if (bin is null)
        {
            return;
        }

        foreach (int s in bin)
        {
            ref readonly var seg = ref _segments[s];
            double r = Math.Max(seg.RadiusA, seg.RadiusB) + _margin;
            double minY = Math.Min(seg.A.Y, seg.B.Y) - r, maxY = Math.Max(seg.A.Y, seg.B.Y) + r;
            double minZ = Math.Min(seg.A.Z, seg.B.Z) - r, maxZ = Math.Max(seg.A.Z, seg.B.Z) + r;
            if (y < minY || y > maxY || z < minZ || z > maxZ)
            {
                continue;
            }

            double minX = Math.Min(seg.A.X, seg.B.X) - r, maxX = Math.Max(seg.A.X, seg.B.X) + r;
            int i0 = Math.Max(0, (int)Math.Floor((minX - x0) / dx));
            int i1 = Math.Min(distances.Length - 1, (int)Math.Ceiling((maxX - x0) / dx));
            for (int i = i0; i <= i1; i++)
            {
                double d = seg.Distance(x0 + (i * dx), y, z);
                if (d < distances[i])
                {
                    distances[i] = d;
                }
            }
        }
    }

    private int[]? Bin(double z)
    {
        int b = (int)Math.Floor((z - _z0) / BinSize);
        return b < 0 || b >= _bins.Length ? null : _bins[b];
    }

    private static Box SegmentBox(TubeSegment s, double margin)
    {
        double r = Math.Max(s.RadiusA, s.RadiusB) + margin;
        var box = new Box(
            new Vector3D(Math.Min(s.A.X, s.B.X), Math.Min(s.A.Y, s.B.Y), Math.Min(s.A.Z, s.B.Z)),
            new Vector3D(Math.Max(s.A.X, s.B.X), Math.Max(s.A.Y, s.B.Y), Math.Max(s.A.Z, s.B.Z)));
        return box.Expand(r);
    }

    private static Box BoundsOf(IReadOnlyList<TubeSegment> segments, double margin)
    {
        if (segments.Count == 0)
        {
            throw new ArgumentException("A tube set needs at least one segment.", nameof(segments));
        }

        var box = Box.Empty;
        foreach (var s in segments)
        {
            box = box.Union(SegmentBox(s, margin));
        }

        return box;
    }
}

/// <summary>A round cone from <c>A</c> (radius <c>RadiusA</c>) to <c>B</c> (radius <c>RadiusB</c>), in mm.</summary>
internal readonly record struct TubeSegment(Vector3D A, Vector3D B, double RadiusA, double RadiusB)
{
    public double Length => (B - A).Length;

    /// <summary>Distance to the surface with the radius interpolated at the closest point of the axis (exact for constant radius).</summary>
    public double Distance(double x, double y, double z)
    {
        double abx = B.X - A.X, aby = B.Y - A.Y, abz = B.Z - A.Z;
        double apx = x - A.X, apy = y - A.Y, apz = z - A.Z;
        double len2 = (abx * abx) + (aby * aby) + (abz * abz);
        double t = len2 > 0 ? Math.Clamp(((apx * abx) + (apy * aby) + (apz * abz)) / len2, 0, 1) : 0;
        double dx = apx - (t * abx), dy = apy - (t * aby), dz = apz - (t * abz);
        return Math.Sqrt((dx * dx) + (dy * dy) + (dz * dz)) - (RadiusA + (t * (RadiusB - RadiusA)));
    }
}
