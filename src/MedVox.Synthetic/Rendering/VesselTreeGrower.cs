using MedVox.Geometry;

namespace MedVox.Synthetic.Rendering;

/// <summary>One vessel segment of a generated tree; terminal ones end at the tree's smallest radius.</summary>
internal readonly record struct VesselBranch(TubeSegment Segment, int Generation, bool IsTerminal);

/// <summary>
/// Grows vessel trees: segments about 6-11 radii long, radius tapering along a branch, bifurcations whose child radii
/// follow Murray's law (r^3 = r1^3 + r2^3) with the thinner child leaving at the larger angle, a pull towards a target
/// region, and a random walk of direction. Branches end when their radius reaches the terminal radius (the last segment
/// tapers to exactly that radius) or when they would leave the allowed region. Growth is depth-first from an explicit
/// stack, so the tree depends only on the random generator.
/// </summary>
internal sealed class VesselTreeGrower(PhantomRandom random, double terminalRadius, Func<Vector3D, bool> allowed, int budget)
{
    private readonly List<VesselBranch> _branches = [];

    public IReadOnlyList<VesselBranch> Branches => _branches;

    public double TerminalRadius => terminalRadius;

    /// <summary>Adds a fixed, non-terminal tube (a named trunk) through the points.</summary>
    public void AddTrunk(IReadOnlyList<Vector3D> points, IReadOnlyList<double> radii)
    {
        foreach (var segment in TubeSetShape.Chain(points, radii))
        {
            _branches.Add(new VesselBranch(segment, 0, false));
        }
    }

    /// <summary>Grows a tree from <paramref name="start"/> with up to <paramref name="maxSegments"/> segments.</summary>
    public void Grow(Vector3D start, Vector3D direction, double radius, Vector3D target, double pull, int maxSegments)
    {
        int limit = Math.Min(maxSegments, budget - _branches.Count);
        if (limit <= 0)
        {
            return;
        }

        int made = 0;
        var stack = new Stack<(Vector3D Point, Vector3D Direction, double Radius, int Generation)>();
        stack.Push((start, direction.Normalized(), Math.Max(radius, terminalRadius), 1));
        while (stack.Count > 0)
        {
            var (p, dir, r, generation) = stack.Pop();
            var jitter = RandomUnit();
            var toTarget = (target - p).Normalized();
            dir = (dir + (jitter * 0.3) + (toTarget * pull)).Normalized();
            double length = Math.Clamp(r * random.Uniform(6, 11), 1.5, 22);
            double endRadius = r * random.Uniform(0.86, 0.94);
            var end = p + (dir * length);
            bool last = made >= limit - 1 - stack.Count;
            if (!allowed(end))
            {
                var shortEnd = p + (dir * Math.Min(length, Math.Max(3 * r, 1.5)));
                Add(new TubeSegment(p, shortEnd, r, terminalRadius), generation, true, ref made);
                continue;
            }

            if (endRadius <= terminalRadius * 1.3 || last)
            {
                Add(new TubeSegment(p, end, r, terminalRadius), generation, true, ref made);
                continue;
            }

            Add(new TubeSegment(p, end, r, endRadius), generation, false, ref made);
            bool room = made + stack.Count + 2 < limit;
            if (room && random.Chance(0.4))
            {
                double q = random.Uniform(0.45, 0.95);
                double r1 = endRadius / Math.Cbrt(1 + (q * q * q));
                double r2 = q * r1;
                var axis = Frames.Perpendicular(dir);
                axis = Frames.Rotate(axis, dir, random.Uniform(0, 360));
                var d1 = Frames.Rotate(dir, axis, 10 + (25 * q));
                var d2 = Frames.Rotate(dir, axis, -(35 + (30 * (1 - q))));
                stack.Push((end, d2, Math.Max(r2, terminalRadius), generation + 1));
                stack.Push((end, d1, Math.Max(r1, terminalRadius), generation + 1));
            }
            else
            {
                stack.Push((end, dir, endRadius, generation));
            }
        }
    }

    private void Add(TubeSegment segment, int generation, bool terminal, ref int made)
    {
        _branches.Add(new VesselBranch(segment, generation, terminal));
        made++;
    }

    private Vector3D RandomUnit()
    {
        while (true)
        {
            var v = new Vector3D(random.Uniform(-1, 1), random.Uniform(-1, 1), random.Uniform(-1, 1));
            double l = v.Length;
            if (l is > 0.05 and <= 1)
            {
                return v / l;
            }
        }
    }
}
