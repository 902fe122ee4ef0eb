namespace MedVox.Meshing;

/// <summary>
/// The case table of marching cubes (Lorensen and Cline 1987), generated rather than transcribed, with ambiguous faces
/// resolved by the asymptotic decider (Nielson and Hamann 1991), so that neighbouring cubes always agree and the
/// surface has no cracks.
/// </summary>
/// <remarks>
/// <para>
/// Numbering. Corner <c>c</c> (0-7) of a cube lies at <c>(c &amp; 1, (c &gt;&gt; 1) &amp; 1, (c &gt;&gt; 2) &amp; 1)</c>.
/// Edge <c>e</c> (0-11) runs along axis <c>e / 4</c>; <c>e % 4</c> gives the bits of its lower corner on the two other
/// axes, in increasing axis order. Face <c>f</c> (0-5) is the face where axis <c>f / 2</c> is <c>f % 2</c>.
/// A case is <c>mask | faceBits &lt;&lt; 8</c>: bit <c>c</c> of <c>mask</c> is set when corner <c>c</c> is inside
/// (value at or above the level); bit <c>f</c> of <c>faceBits</c> is set, for ambiguous faces only, when the inside
/// corners of face <c>f</c> are connected across it (the bilinear saddle is inside).
/// </para>
/// <para>
/// Generation. On each face, the crossed edges are paired into segments: two crossings give one segment; four (an
/// ambiguous face: diagonal corners alike) give two segments that cut off the two corners the decider leaves
/// unconnected. Each segment is directed so that the inside lies to its left seen from outside the cube. Every crossed
/// cube edge then starts one segment and ends one, so the segments form closed loops; each loop becomes a fan of
/// triangles, wound so that normals point from inside to outside. Because a face's segments depend only on its four
/// values, the two cubes sharing a face produce the same segments in opposite directions, which makes the union of
/// all cubes' triangles a closed, consistently oriented 2-manifold.
/// </para>
/// </remarks>
internal static class MarchingCubesTable
{
    public const int CaseCount = 256 << 6;

    /// <summary>Edge endpoints: <c>EdgeCorners[e] = (lower corner, upper corner)</c>.</summary>
    public static readonly (int Low, int High)[] EdgeCorners = BuildEdges();

    /// <summary>For each face, its corners in counter-clockwise order seen from outside the cube.</summary>
    public static readonly int[][] FaceCorners = BuildFaces();

    /// <summary>Per corner mask, the faces (bits) whose corners alternate inside/outside around the face.</summary>
    public static readonly byte[] AmbiguousFaces = BuildAmbiguousFaces();

    /// <summary>The pseudo-edge id of a loop's centre vertex in <see cref="TriangleEdges"/>.</summary>
    public const int Center = 12;

    private static readonly (int[] Offsets, byte[] Edges, byte[]?[] Centers) Table = Generate();

    /// <summary>Start of case <c>i</c>'s triangle edges in <see cref="TriangleEdges"/>; its triangles end at <c>Offsets[i + 1]</c>.</summary>
    public static int[] Offsets => Table.Offsets;

    /// <summary>Three edge ids per triangle, all cases one after the other.</summary>
    public static byte[] TriangleEdges => Table.Edges;

    /// <summary>For the few cases whose triangles use <see cref="Center"/>: the loop's edges, whose vertices' mean is the centre.</summary>
    public static byte[]?[] CenterLoops => Table.Centers;

    public static (int X, int Y, int Z) CornerPosition(int corner) => (corner & 1, (corner >> 1) & 1, (corner >> 2) & 1);

    /// <summary>The triangles of one case as edge ids (3 per triangle).</summary>
    public static ReadOnlySpan<byte> Triangles(int caseIndex) =>
        TriangleEdges.AsSpan(Offsets[caseIndex], Offsets[caseIndex + 1] - Offsets[caseIndex]);

    /// <summary>The edge joining two corners that differ in one bit.</summary>
    public static int EdgeBetween(int a, int b)
    {
        int low = Math.Min(a, b), diff = a ^ b;
        int axis = diff == 1 ? 0 : diff == 2 ? 1 : diff == 4 ? 2 : throw new ArgumentException($"Corners {a} and {b} do not share an edge.");
        int k = 0, bit = 0;
        for (int other = 0; other < 3; other++)
        {
            if (other != axis)
            {
                k |= ((low >> other) & 1) << bit;
                bit++;
            }
        }

        return (axis * 4) + k;
    }

    /// <summary>The directed segments on face <paramref name="face"/> for a corner mask and decider outcome.</summary>
    public static List<(int From, int To)> FaceSegments(int face, int mask, bool insideConnected)
    {
        var q = FaceCorners[face];
        Span<bool> inside = [((mask >> q[0]) & 1) != 0, ((mask >> q[1]) & 1) != 0, ((mask >> q[2]) & 1) != 0, ((mask >> q[3]) & 1) != 0];
        var segments = new List<(int, int)>(2);
        var crossed = new List<int>(4);
        for (int k = 0; k < 4; k++)
        {
            if (inside[k] != inside[(k + 1) & 3])
            {
                crossed.Add(k);
            }
        }

        if (crossed.Count == 2)
        {
            int a = crossed[0], b = crossed[1];
            // Side edges k and k+1 share corner k+1; opposite edges share none (any corner tells the side then).
            int test = b == a + 1 ? b : 0;
            segments.Add(Direct(face, a, b, test, inside[test]));
        }
        else if (crossed.Count == 4)
        {
            // Corners 0 and 2 are alike, 1 and 3 are alike. Cut off the pair the decider leaves unconnected.
            bool evenInside = inside[0];
            bool cutEven = evenInside != insideConnected;
            int first = cutEven ? 0 : 1;
            for (int corner = first; corner < 4; corner += 2)
            {
                int before = (corner + 3) & 3, after = corner;
                segments.Add(Direct(face, before, after, corner, inside[corner]));
            }
        }

        return segments;
    }

    /// <summary>Builds all cases; exposed for the tests that check each one.</summary>
    internal static (int[] Offsets, byte[] Edges, byte[]?[] Centers) Generate()
    {
        var offsets = new int[CaseCount + 1];
        var centers = new byte[]?[CaseCount];
        var edges = new List<byte>(CaseCount * 12);
        for (int index = 0; index < CaseCount; index++)
        {
            offsets[index] = edges.Count;
            int mask = index & 0xFF, faceBits = index >> 8;
            if ((faceBits & ~AmbiguousFaces[mask]) != 0)
            {
                continue; // never looked up: decider bits are only set for ambiguous faces
            }

            var next = new int[12];
            Array.Fill(next, -1);
            for (int face = 0; face < 6; face++)
            {
                foreach (var (from, to) in FaceSegments(face, mask, ((faceBits >> face) & 1) != 0))
                {
                    if (next[from] != -1)
                    {
                        throw new InvalidOperationException($"Case {index}: edge {from} starts two segments.");
                    }

                    next[from] = to;
                }
            }

            var visited = new bool[12];
            var loop = new List<int>(12);
            for (int start = 0; start < 12; start++)
            {
                if (next[start] == -1 || visited[start])
                {
                    continue;
                }

                loop.Clear();
                for (int e = start; !visited[e]; e = next[e])
                {
                    visited[e] = true;
                    loop.Add(e);
                }

                // The loop runs counter-clockwise around the inside seen from outside the cube, so its right-hand
                // normal points into the inside: the fan is emitted reversed to point outward.
                var triangles = new List<int>();
                if (!Triangulate(loop, triangles, allowUpperFaces: false) && !Triangulate(loop, triangles, allowUpperFaces: true))
                {
                    // No triangulation avoids the faces (a few 9-vertex loops around three ambiguous faces): a vertex
                    // at the loop's centre joins every side instead.
                    if (centers[index] is not null)
                    {
                        throw new InvalidOperationException($"Case {index} has two loops that need a centre.");
                    }

                    centers[index] = [.. loop.Select(e => (byte)e)];
                    triangles.Clear();
                    for (int i = 0; i < loop.Count; i++)
                    {
                        triangles.AddRange([Center, loop[i], loop[(i + 1) % loop.Count]]);
                    }
                }

                for (int i = 0; i < triangles.Count; i += 3)
                {
                    edges.Add((byte)triangles[i]);
                    edges.Add((byte)triangles[i + 2]);
                    edges.Add((byte)triangles[i + 1]);
                }
            }
        }

        offsets[CaseCount] = edges.Count;
        return (offsets, [.. edges], centers);
    }

    /// <summary>
    /// Triangulates a loop (in loop order) using no diagonal that lies in a cube face: such a diagonal could be chosen
    /// by the neighbouring cube too, and the edge would then belong to four triangles. False when impossible.
    /// </summary>
    private static bool Triangulate(List<int> polygon, List<int> triangles, bool allowUpperFaces)
    {
        int n = polygon.Count;
        if (n == 3)
        {
            triangles.AddRange(polygon);
            return true;
        }

        // The side (first, last) closes the polygon; pick the third corner of its triangle.
        for (int k = 1; k < n - 1; k++)
        {
            if ((k > 1 && !DiagonalAllowed(polygon[0], polygon[k], allowUpperFaces)) || (k < n - 2 && !DiagonalAllowed(polygon[k], polygon[n - 1], allowUpperFaces)))
            {
                continue;
            }

            int mark = triangles.Count;
            triangles.AddRange([polygon[0], polygon[k], polygon[n - 1]]);
            if ((k < 2 || Triangulate(polygon.GetRange(0, k + 1), triangles, allowUpperFaces))
                && (k > n - 3 || Triangulate(polygon.GetRange(k, n - k), triangles, allowUpperFaces)))
            {
                return true;
            }

            triangles.RemoveRange(mark, triangles.Count - mark);
        }

        return false;
    }

    /// <summary>
    /// A diagonal may not lie in a face the neighbour could also cut along; at most, when nothing else works, in one
    /// of the cube's upper faces (axis coordinate 1), which is a lower face for the neighbour, where it is forbidden.
    /// </summary>
    private static bool DiagonalAllowed(int a, int b, bool allowUpperFaces)
    {
        int face = SharedFace(a, b);
        return face < 0 || (allowUpperFaces && face % 2 == 1);
    }

    /// <summary>The face holding both cube edges, or -1.</summary>
    internal static int SharedFace(int a, int b)
    {
        var (a0, a1) = EdgeCorners[a];
        var (b0, b1) = EdgeCorners[b];
        for (int axis = 0; axis < 3; axis++)
        {
            int side = (a0 >> axis) & 1;
            if (((a1 >> axis) & 1) == side && ((b0 >> axis) & 1) == side && ((b1 >> axis) & 1) == side)
            {
                return (2 * axis) + side;
            }
        }

        return -1;
    }

    /// <summary>
    /// Directs the segment joining the crossings on face edges <paramref name="edgeA"/> and <paramref name="edgeB"/>
    /// (face-local edge k joins face corners k and k+1) so that the inside lies on its left seen from outside.
    /// </summary>
    private static (int From, int To) Direct(int face, int edgeA, int edgeB, int testCorner, bool testInside)
    {
        // Face-local 2D coordinates: corners (0,0), (1,0), (1,1), (0,1) run counter-clockwise seen from outside.
        ReadOnlySpan<(double U, double V)> corner2D = [(0, 0), (1, 0), (1, 1), (0, 1)];
        var p = Mid(corner2D[edgeA], corner2D[(edgeA + 1) & 3]);
        var q = Mid(corner2D[edgeB], corner2D[(edgeB + 1) & 3]);
        var t = corner2D[testCorner];
        double cross = ((q.U - p.U) * (t.V - p.V)) - ((q.V - p.V) * (t.U - p.U));
        var fc = FaceCorners[face];
        int from = EdgeBetween(fc[edgeA], fc[(edgeA + 1) & 3]);
        int to = EdgeBetween(fc[edgeB], fc[(edgeB + 1) & 3]);
        return (cross > 0) == testInside ? (from, to) : (to, from);

        static (double U, double V) Mid((double U, double V) a, (double U, double V) b) => ((a.U + b.U) / 2, (a.V + b.V) / 2);
    }

    private static (int, int)[] BuildEdges()
    {
        var edges = new (int, int)[12];
        for (int e = 0; e < 12; e++)
        {
            int axis = e / 4, k = e % 4, low = 0, bit = 0;
            for (int other = 0; other < 3; other++)
            {
                if (other != axis)
                {
                    low |= ((k >> bit) & 1) << other;
                    bit++;
                }
            }

            edges[e] = (low, low | (1 << axis));
        }

        return edges;
    }

    private static int[][] BuildFaces()
    {
        var faces = new int[6][];
        for (int f = 0; f < 6; f++)
        {
            int axis = f / 2, side = f % 2;
            int u = axis == 0 ? 1 : 0, v = axis == 2 ? 1 : 2;
            // (u, v) in increasing axis order has e_u x e_v = +e_axis for axes 0 and 2 and -e_axis for axis 1.
            int handedness = axis == 1 ? -1 : 1;
            int normal = side == 1 ? 1 : -1;
            int Corner(int du, int dv) => (side << axis) | (du << u) | (dv << v);
            faces[f] = handedness * normal > 0
                ? [Corner(0, 0), Corner(1, 0), Corner(1, 1), Corner(0, 1)]
                : [Corner(0, 0), Corner(0, 1), Corner(1, 1), Corner(1, 0)];
        }

        return faces;
    }

    private static byte[] BuildAmbiguousFaces()
    {
        var result = new byte[256];
        for (int mask = 0; mask < 256; mask++)
        {
            for (int f = 0; f < 6; f++)
            {
                var q = FaceCorners[f];
                bool a = ((mask >> q[0]) & 1) != 0, b = ((mask >> q[1]) & 1) != 0, c = ((mask >> q[2]) & 1) != 0, d = ((mask >> q[3]) & 1) != 0;
                if (a == c && b == d && a != b)
                {
                    result[mask] |= (byte)(1 << f);
                }
            }
        }

        return result;
    }
}
