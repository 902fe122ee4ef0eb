using MedVox.Geometry;

namespace MedVox.Meshing;

/// <summary>
/// Quadric-error decimation (Garland and Heckbert 1997): edges are collapsed cheapest first, each into the point that
/// minimises the summed squared distances to the planes of the triangles around both ends. A collapse is refused
/// when it would change the topology (the link condition of Dey et al.: the ends share exactly the two opposite
/// vertices; neither opposite vertex drops below three neighbours), flip a triangle or make one degenerate, so a
/// closed manifold stays closed and manifold.
/// </summary>
public static class QuadricDecimation
{
    /// <summary>A triangle whose normal turns by more than this (cosine) is a fold: the collapse is refused.</summary>
    private const double MinimumNormalCosine = 0.2;

    /// <summary>Removes about <paramref name="reduction"/> of the triangles (0.5 halves them).</summary>
    public static TriangleMesh Decimate(TriangleMesh mesh, double reduction)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        if (!(reduction >= 0 && reduction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(reduction), $"The reduction must be at least 0 and below 1, got {reduction}.");
        }

        int target = (int)Math.Round(mesh.TriangleCount * (1 - reduction));
        return reduction == 0 || mesh.IsEmpty ? mesh : new Decimator(mesh).Run(target);
    }

    /// <summary>Symmetric 4x4 quadric (10 coefficients): the summed squared distance to a set of planes.</summary>
    private struct Quadric
    {
        public double A2, AB, AC, AD, B2, BC, BD, C2, CD, D2;

        public static Quadric FromPlane(Vector3D n, double d, double weight) => new()
        {
            A2 = weight * n.X * n.X,
            AB = weight * n.X * n.Y,
            AC = weight * n.X * n.Z,
            AD = weight * n.X * d,
            B2 = weight * n.Y * n.Y,
            BC = weight * n.Y * n.Z,
            BD = weight * n.Y * d,
            C2 = weight * n.Z * n.Z,
            CD = weight * n.Z * d,
            D2 = weight * d * d,
        };

        public static Quadric operator +(Quadric p, Quadric q) => new()
        {
            A2 = p.A2 + q.A2,
            AB = p.AB + q.AB,
            AC = p.AC + q.AC,
            AD = p.AD + q.AD,
            B2 = p.B2 + q.B2,
            BC = p.BC + q.BC,
            BD = p.BD + q.BD,
            C2 = p.C2 + q.C2,
            CD = p.CD + q.CD,
            D2 = p.D2 + q.D2,
        };

        public readonly double Error(Vector3D v) =>
            (A2 * v.X * v.X) + (2 * AB * v.X * v.Y) + (2 * AC * v.X * v.Z) + (2 * AD * v.X)
            + (B2 * v.Y * v.Y) + (2 * BC * v.Y * v.Z) + (2 * BD * v.Y)
            + (C2 * v.Z * v.Z) + (2 * CD * v.Z) + D2;

        /// <summary>The minimiser, when the 3x3 part is well conditioned.</summary>
        public readonly bool TryMinimum(double scale, out Vector3D point)
        {
            var m = new Matrix3D(A2, AB, AC, AB, B2, BC, AC, BC, C2);
            double det = m.Determinant;
            if (Math.Abs(det) <= 1e-10 * scale * scale * scale)
            {
                point = default;
                return false;
            }

            point = m.Inverse() * new Vector3D(-AD, -BD, -CD);
            return double.IsFinite(point.X) && double.IsFinite(point.Y) && double.IsFinite(point.Z);
        }
    }

    private sealed class Decimator
    {
        private readonly Vector3D[] _positions;
        private readonly int[] _triangles;
        private readonly bool[] _triangleGone;
        private readonly List<int>[] _around;
        private readonly Quadric[] _quadrics;
        private readonly int[] _version;
        private readonly bool[] _vertexGone;
        private readonly PriorityQueue<(int A, int B, int VersionA, int VersionB, Vector3D Target), double> _queue = new();
        private int _liveTriangles;

        public Decimator(TriangleMesh mesh)
        {
            _positions = (Vector3D[])mesh.Vertices.Clone();
            _triangles = (int[])mesh.Triangles.Clone();
            _triangleGone = new bool[mesh.TriangleCount];
            _around = new List<int>[_positions.Length];
            _quadrics = new Quadric[_positions.Length];
            _version = new int[_positions.Length];
            _vertexGone = new bool[_positions.Length];
            _liveTriangles = mesh.TriangleCount;
            for (int v = 0; v < _around.Length; v++)
            {
                _around[v] = new List<int>(6);
            }

            for (int t = 0; t < mesh.TriangleCount; t++)
            {
                var (a, b, c) = Corners(t);
                var cross = Vector3D.Cross(b - a, c - a);
                double twice = cross.Length;
                var n = twice > 0 ? cross / twice : Vector3D.Zero;
                var q = Quadric.FromPlane(n, -Vector3D.Dot(n, a), twice / 2);
                for (int k = 0; k < 3; k++)
                {
                    int v = _triangles[(3 * t) + k];
                    _around[v].Add(t);
                    _quadrics[v] += q;
                }
            }
        }

        public TriangleMesh Run(int target)
        {
            for (int t = 0; t < _triangleGone.Length; t++)
            {
                for (int k = 0; k < 3; k++)
                {
                    int a = _triangles[(3 * t) + k], b = _triangles[(3 * t) + ((k + 1) % 3)];
                    if (a < b)
                    {
                        Push(a, b);
                    }
                }
            }

            while (_liveTriangles > target && _queue.TryDequeue(out var entry, out _))
            {
                if (_vertexGone[entry.A] || _vertexGone[entry.B] || _version[entry.A] != entry.VersionA || _version[entry.B] != entry.VersionB)
                {
                    continue; // stale: an end moved or vanished since the entry was made
                }

                if (TryCollapse(entry.A, entry.B, entry.Target))
                {
                    foreach (int n in Neighbours(entry.A))
                    {
                        Push(entry.A, n);
                    }
                }
            }

            return Compact();
        }

        private (Vector3D A, Vector3D B, Vector3D C) Corners(int t) =>
            (_positions[_triangles[3 * t]], _positions[_triangles[(3 * t) + 1]], _positions[_triangles[(3 * t) + 2]]);

        private void Push(int a, int b)
        {
            var q = _quadrics[a] + _quadrics[b];
            double scale = (_positions[a] - _positions[b]).Length + 1e-12;
            Vector3D target;
            if (!q.TryMinimum(scale, out target) || (target - ((_positions[a] + _positions[b]) / 2)).Length > 4 * scale)
            {
                // Ill-conditioned (flat or straight neighbourhood) or far away: the best of the ends and the midpoint.
                target = _positions[a];
                double best = q.Error(target);
                foreach (var candidate in new[] { _positions[b], (_positions[a] + _positions[b]) / 2 })
                {
                    double error = q.Error(candidate);
                    if (error < best)
                    {
                        best = error;
                        target = candidate;
                    }
                }
            }

            _queue.Enqueue((a, b, _version[a], _version[b], target), Math.Max(0, q.Error(target)));
        }

        private HashSet<int> Neighbours(int v)
        {
            var set = new HashSet<int>();
            foreach (int t in _around[v])
            {
                for (int k = 0; k < 3; k++)
                {
                    int w = _triangles[(3 * t) + k];
                    if (w != v)
                    {
                        set.Add(w);
                    }
                }
            }

            return set;
        }

        private bool TryCollapse(int a, int b, Vector3D target)
        {
            // The triangles on the edge, and the link condition.
            var shared = new List<int>(2);
            foreach (int t in _around[a])
            {
                if (Contains(t, b))
                {
                    shared.Add(t);
                }
            }

            if (shared.Count != 2)
            {
                return false;
            }

            int c = Opposite(shared[0], a, b), d = Opposite(shared[1], a, b);
            var na = Neighbours(a);
            var nb = Neighbours(b);
            na.IntersectWith(nb);
            if (na.Count != 2 || !na.Contains(c) || !na.Contains(d) || Neighbours(c).Count <= 3 || Neighbours(d).Count <= 3)
            {
                return false;
            }

            // No fold, no sliver, among the triangles that stay.
            if (!StaysValid(a, b, target) || !StaysValid(b, a, target))
            {
                return false;
            }

            foreach (int t in shared)
            {
                _triangleGone[t] = true;
                _liveTriangles--;
                for (int k = 0; k < 3; k++)
                {
                    int v = _triangles[(3 * t) + k];
                    if (v != a && v != b)
                    {
                        _around[v].Remove(t);
                    }
                }
            }

            var merged = new List<int>(_around[a].Count + _around[b].Count);
            foreach (int t in _around[a])
            {
                if (!_triangleGone[t])
                {
                    merged.Add(t);
                }
            }

            foreach (int t in _around[b])
            {
                if (!_triangleGone[t])
                {
                    for (int k = 0; k < 3; k++)
                    {
                        if (_triangles[(3 * t) + k] == b)
                        {
                            _triangles[(3 * t) + k] = a;
                        }
                    }

                    merged.Add(t);
                }
            }

            _around[a] = merged;
            _around[b] = [];
            _vertexGone[b] = true;
            _positions[a] = target;
            _quadrics[a] += _quadrics[b];
            _version[a]++;
            return true;
        }

        /// <summary>True when every triangle of <paramref name="moving"/> not on the edge keeps its facing and a sensible shape with the vertex at <paramref name="target"/>.</summary>
        private bool StaysValid(int moving, int other, Vector3D target)
        {
            foreach (int t in _around[moving])
            {
                if (Contains(t, other))
                {
                    continue;
                }

                var (p, q, r) = Corners(t);
                var before = Vector3D.Cross(q - p, r - p);
                int k = _triangles[3 * t] == moving ? 0 : _triangles[(3 * t) + 1] == moving ? 1 : 2;
                if (k == 0)
                {
                    p = target;
                }
                else if (k == 1)
                {
                    q = target;
                }
                else
                {
                    r = target;
                }

                var after = Vector3D.Cross(q - p, r - p);
                double longest = Math.Max((q - p).Length, Math.Max((r - q).Length, (p - r).Length));
                if (after.Length <= 1e-6 * longest * longest || Vector3D.Dot(before, after) <= MinimumNormalCosine * before.Length * after.Length)
                {
                    return false;
                }
            }

            return true;
        }

        private bool Contains(int t, int v) => _triangles[3 * t] == v || _triangles[(3 * t) + 1] == v || _triangles[(3 * t) + 2] == v;

        private int Opposite(int t, int a, int b)
        {
            for (int k = 0; k < 3; k++)
            {
                int v = _triangles[(3 * t) + k];
                if (v != a && v != b)
                {
                    return v;
                }
            }

            return -1;
        }

        private TriangleMesh Compact()
        {
            var map = new int[_positions.Length];
            Array.Fill(map, -1);
            var vertices = new List<Vector3D>();
            var triangles = new List<int>(_liveTriangles * 3);
            for (int t = 0; t < _triangleGone.Length; t++)
            {
                if (_triangleGone[t])
                {
                    continue;
                }

                for (int k = 0; k < 3; k++)
                {
                    int v = _triangles[(3 * t) + k];
                    if (map[v] < 0)
                    {
                        map[v] = vertices.Count;
                        vertices.Add(_positions[v]);
                    }

                    triangles.Add(map[v]);
                }
            }

            return new TriangleMesh([.. vertices], [.. triangles]);
        }
    }
}
