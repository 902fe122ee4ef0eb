using MedVox.Geometry;

namespace MedVox.Meshing;

/// <summary>
/// What a printer needs to know about a mesh: whether it is watertight (every edge shared by exactly two triangles
/// with opposite orientation), manifold (no edge in more than two triangles, every vertex's triangles one fan), free
/// of degenerate triangles and duplicate vertices, and its Euler characteristic V - E + F (2 per sphere-like closed
/// component, 0 for a torus).
/// </summary>
public sealed record MeshTopology
{
    /// <summary>Vertices used by at least one triangle.</summary>
    public int Vertices { get; init; }

    /// <summary>Distinct undirected edges.</summary>
    public long Edges { get; init; }

    public int Triangles { get; init; }

    /// <summary>Edges of one triangle only (holes).</summary>
    public long BoundaryEdges { get; init; }

    /// <summary>Edges of more than two triangles.</summary>
    public long NonManifoldEdges { get; init; }

    /// <summary>Edges of two triangles that run the same way along it (flipped neighbours).</summary>
    public long MisorientedEdges { get; init; }

    /// <summary>Vertices whose triangles form more than one fan (surfaces touching at a point).</summary>
    public int NonManifoldVertices { get; init; }

    /// <summary>Triangles with a repeated vertex or collinear corners.</summary>
    public int DegenerateTriangles { get; init; }

    /// <summary>Vertices at exactly the position of an earlier vertex.</summary>
    public int DuplicateVertices { get; init; }

    /// <summary>Pieces connected through shared edges or vertices.</summary>
    public int Components { get; init; }

    public long EulerCharacteristic => Vertices - Edges + Triangles;

    public bool IsWatertight => Triangles > 0 && BoundaryEdges == 0 && NonManifoldEdges == 0 && MisorientedEdges == 0;

    public bool IsManifold => NonManifoldEdges == 0 && NonManifoldVertices == 0;

    /// <summary>Counts the properties of <paramref name="mesh"/>.</summary>
    public static MeshTopology Analyze(TriangleMesh mesh)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        var tris = mesh.Triangles;
        int triangleCount = mesh.TriangleCount;
        var used = new bool[mesh.VertexCount];
        foreach (int v in tris)
        {
            used[v] = true;
        }

        int vertexCount = 0;
        foreach (bool u in used)
        {
            vertexCount += u ? 1 : 0;
        }

        // Directed edges as (low, high) keys with the direction in the lowest bit, sorted so each undirected edge's
        // uses are adjacent.
        var keys = new ulong[tris.Length];
        for (int t = 0; t < tris.Length; t += 3)
        {
            for (int k = 0; k < 3; k++)
            {
                uint a = (uint)tris[t + k], b = (uint)tris[t + ((k + 1) % 3)];
                keys[t + k] = a < b ? ((ulong)a << 33) | ((ulong)b << 1) : ((ulong)b << 33) | ((ulong)a << 1) | 1;
            }
        }

        Array.Sort(keys);
        long edges = 0, boundary = 0, nonManifold = 0, misoriented = 0;
        for (int i = 0; i < keys.Length;)
        {
            int j = i + 1;
            while (j < keys.Length && keys[j] >> 1 == keys[i] >> 1)
            {
                j++;
            }

            edges++;
            int uses = j - i;
            if (uses == 1)
            {
                boundary++;
            }
            else if (uses > 2)
            {
                nonManifold++;
            }
            else if ((keys[i] & 1) == (keys[i + 1] & 1))
            {
                misoriented++;
            }

            i = j;
        }

        return new MeshTopology
        {
            Vertices = vertexCount,
            Edges = edges,
            Triangles = triangleCount,
            BoundaryEdges = boundary,
            NonManifoldEdges = nonManifold,
            MisorientedEdges = misoriented,
            NonManifoldVertices = CountNonManifoldVertices(mesh),
            DegenerateTriangles = CountDegenerate(mesh),
            DuplicateVertices = CountDuplicates(mesh, used),
            Components = CountComponents(mesh),
        };
    }

    /// <summary>A vertex is manifold when the edges opposite to it in its triangles chain into one cycle (or one path at a border).</summary>
    private static int CountNonManifoldVertices(TriangleMesh mesh)
    {
        var tris = mesh.Triangles;
        var (start, incident) = VertexTriangles(mesh);
        int bad = 0;
        var next = new Dictionary<int, int>();
        var hasIncoming = new HashSet<int>();
        for (int v = 0; v < mesh.VertexCount; v++)
        {
            int count = start[v + 1] - start[v];
            if (count == 0)
            {
                continue;
            }

            next.Clear();
            hasIncoming.Clear();
            bool ok = true;
            for (int i = start[v]; i < start[v + 1] && ok; i++)
            {
                int t = incident[i] * 3;
                int k = tris[t] == v ? 0 : tris[t + 1] == v ? 1 : 2;
                int b = tris[t + ((k + 1) % 3)], c = tris[t + ((k + 2) % 3)];
                ok = next.TryAdd(b, c) && hasIncoming.Add(c);
            }

            if (ok)
            {
                // Walk from a link vertex without predecessor (a border) or from any (a closed fan).
                int first = -1;
                foreach (int key in next.Keys)
                {
                    if (!hasIncoming.Contains(key))
                    {
                        first = key;
                        break;
                    }
                }

                bool closed = first == -1;
                if (closed)
                {
                    foreach (int key in next.Keys)
                    {
                        first = key;
                        break;
                    }
                }

                int steps = 0;
                for (int at = first; next.TryGetValue(at, out int to) && steps <= count; at = to)
                {
                    steps++;
                    if (closed && to == first)
                    {
                        break;
                    }
                }

                ok = steps == count;
            }

            bad += ok ? 0 : 1;
        }

        return bad;
    }

    private static int CountDegenerate(TriangleMesh mesh)
    {
        int bad = 0;
        var tris = mesh.Triangles;
        for (int t = 0; t < mesh.TriangleCount; t++)
        {
            int i = tris[3 * t], j = tris[(3 * t) + 1], k = tris[(3 * t) + 2];
            if (i == j || j == k || i == k)
            {
                bad++;
                continue;
            }

            var (a, b, c) = mesh.Corners(t);
            double longest = Math.Max((b - a).Length, Math.Max((c - b).Length, (a - c).Length));
            double twiceArea = Vector3D.Cross(b - a, c - a).Length;
            if (!(twiceArea > 1e-12 * longest * longest))
            {
                bad++;
            }
        }

        return bad;
    }

    private static int CountDuplicates(TriangleMesh mesh, bool[] used)
    {
        var order = new List<int>(mesh.VertexCount);
        for (int v = 0; v < mesh.VertexCount; v++)
        {
            if (used[v])
            {
                order.Add(v);
            }
        }

        var vertices = mesh.Vertices;
        order.Sort((p, q) =>
        {
            int c = vertices[p].X.CompareTo(vertices[q].X);
            c = c != 0 ? c : vertices[p].Y.CompareTo(vertices[q].Y);
            return c != 0 ? c : vertices[p].Z.CompareTo(vertices[q].Z);
        });
        int duplicates = 0;
        for (int i = 1; i < order.Count; i++)
        {
            duplicates += vertices[order[i]] == vertices[order[i - 1]] ? 1 : 0;
        }

        return duplicates;
    }

    private static int CountComponents(TriangleMesh mesh)
    {
        var parent = new int[mesh.VertexCount];
        for (int v = 0; v < parent.Length; v++)
        {
            parent[v] = v;
        }

        int Find(int v)
        {
            while (parent[v] != v)
            {
                parent[v] = parent[parent[v]];
                v = parent[v];
            }

            return v;
        }

        var tris = mesh.Triangles;
        for (int t = 0; t < tris.Length; t += 3)
        {
            int a = Find(tris[t]);
            parent[Find(tris[t + 1])] = a;
            parent[Find(tris[t + 2])] = a;
        }

        var used = new bool[mesh.VertexCount];
        foreach (int v in tris)
        {
            used[v] = true;
        }

        int roots = 0;
        for (int v = 0; v < parent.Length; v++)
        {
            roots += used[v] && Find(v) == v ? 1 : 0;
        }

        return roots;
    }

    /// <summary>Triangles around each vertex in compressed rows: <c>incident[start[v] .. start[v + 1])</c>.</summary>
    internal static (int[] Start, int[] Incident) VertexTriangles(TriangleMesh mesh)
    {
        var start = new int[mesh.VertexCount + 1];
        foreach (int v in mesh.Triangles)
        {
            start[v + 1]++;
        }

        for (int v = 0; v < mesh.VertexCount; v++)
        {
            start[v + 1] += start[v];
        }

        var fill = (int[])start.Clone();
        var incident = new int[mesh.Triangles.Length];
        for (int i = 0; i < mesh.Triangles.Length; i++)
        {
            incident[fill[mesh.Triangles[i]]++] = i / 3;
        }

        return (start, incident);
    }
}
