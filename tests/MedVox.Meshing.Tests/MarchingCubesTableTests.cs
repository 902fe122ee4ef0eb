namespace MedVox.Meshing.Tests;

/// <summary>
/// Checks every one of the 256 corner configurations (and every decider outcome of their ambiguous faces) of the
/// generated case table against what marching cubes requires of a case, from the geometry of the cube alone.
/// </summary>
public class MarchingCubesTableTests
{
    public static TheoryData<int> Masks()
    {
        var data = new TheoryData<int>();
        for (int mask = 0; mask < 256; mask++)
        {
            data.Add(mask);
        }

        return data;
    }

    [Fact]
    public void NumberingMatchesTheCubeGeometry()
    {
        for (int e = 0; e < 12; e++)
        {
            var (low, high) = MarchingCubesTable.EdgeCorners[e];
            Assert.Equal(1 << (e / 4), high - low);
            Assert.Equal(e, MarchingCubesTable.EdgeBetween(low, high));
        }

        for (int f = 0; f < 6; f++)
        {
            var q = MarchingCubesTable.FaceCorners[f];
            int axis = f / 2, side = f % 2;
            Assert.All(q, c => Assert.Equal(side, (c >> axis) & 1));
            Assert.Equal(4, q.Distinct().Count());
            // Consecutive corners share an edge, and (q1 - q0) x (q3 - q0) points out of the cube.
            for (int k = 0; k < 4; k++)
            {
                int diff = q[k] ^ q[(k + 1) % 4];
                Assert.True(diff is 1 or 2 or 4);
            }

            var p0 = Position(q[0]);
            var normal = Cross(Sub(Position(q[1]), p0), Sub(Position(q[3]), p0));
            Assert.Equal(side == 1 ? 1 : -1, normal[axis]);
        }
    }

    [Fact]
    public void TrivialCasesHaveNoTriangles()
    {
        Assert.Empty(MarchingCubesTable.Triangles(0).ToArray());
        Assert.Empty(MarchingCubesTable.Triangles(255).ToArray());
    }

    [Theory]
    [MemberData(nameof(Masks))]
    public void EveryCaseIsAClosedOrientedPatchBoundedByItsFaceSegments(int mask)
    {
        int ambiguous = MarchingCubesTable.AmbiguousFaces[mask];
        for (int faceBits = 0; faceBits < 64; faceBits++)
        {
            if ((faceBits & ~ambiguous) != 0)
            {
                continue;
            }

            var triangles = MarchingCubesTable.Triangles(mask | (faceBits << 8)).ToArray();
            Assert.Equal(0, triangles.Length % 3);

            // 1. Vertices lie exactly on the edges whose corners differ, and every such edge has one.
            var crossed = new HashSet<int>();
            for (int e = 0; e < 12; e++)
            {
                var (low, high) = MarchingCubesTable.EdgeCorners[e];
                if (Inside(mask, low) != Inside(mask, high))
                {
                    crossed.Add(e);
                }
            }

            Assert.True(crossed.SetEquals(triangles.Where(t => t != MarchingCubesTable.Center).Select(t => (int)t)), $"case {mask}/{faceBits}: used edges differ from crossed edges");
            var centerLoop = MarchingCubesTable.CenterLoops[mask | (faceBits << 8)];
            Assert.Equal(centerLoop is not null, triangles.Contains((byte)MarchingCubesTable.Center));

            // 2. No triangle repeats an edge vertex.
            for (int t = 0; t < triangles.Length; t += 3)
            {
                Assert.True(triangles[t] != triangles[t + 1] && triangles[t + 1] != triangles[t + 2] && triangles[t] != triangles[t + 2]);
            }

            // 3. Inside the cube, edges between vertices are used twice in opposite directions; the directed edges used
            //    once are exactly the face segments (what the neighbour sees reversed), and they lie on a face.
            var directed = new Dictionary<(int, int), int>();
            for (int t = 0; t < triangles.Length; t += 3)
            {
                for (int k = 0; k < 3; k++)
                {
                    var key = ((int)triangles[t + k], (int)triangles[t + ((k + 1) % 3)]);
                    directed[key] = directed.GetValueOrDefault(key) + 1;
                }
            }

            var once = new HashSet<(int, int)>();
            foreach (var (key, uses) in directed)
            {
                Assert.Equal(1, uses);
                if (!directed.ContainsKey((key.Item2, key.Item1)))
                {
                    once.Add(key);
                }
                else if (key.Item1 != MarchingCubesTable.Center && key.Item2 != MarchingCubesTable.Center)
                {
                    // An inner edge may not lie in a lower face: the neighbour below could cut along it too, and four
                    // triangles would share it. (In an upper face it is the neighbour's lower face, where it cannot.)
                    int face = MarchingCubesTable.SharedFace(key.Item1, key.Item2);
                    Assert.True(face < 0 || face % 2 == 1, $"case {mask}/{faceBits}: inner edge {key} lies in face {face}");
                }
            }

            var segments = new HashSet<(int From, int To)>();
            for (int f = 0; f < 6; f++)
            {
                foreach (var s in MarchingCubesTable.FaceSegments(f, mask, ((faceBits >> f) & 1) != 0))
                {
                    Assert.True(OnFace(s.From, f) && OnFace(s.To, f), $"segment {s} is not on face {f}");
                    segments.Add(s);
                }
            }

            // Triangles wind outward, so a face segment (inside on its left seen from outside the cube) appears
            // reversed as a triangle edge.
            Assert.True(segments.Select(s => (s.To, s.From)).ToHashSet().SetEquals(once), $"case {mask}/{faceBits}: open edges differ from the face segments");

            // 4. Outward: the patch's area vector points from the inside corners to the outside ones (sum over the
            //    crossed edges of inside -> outside directions).
            var area = new double[3];
            double[] Mid(int e)
            {
                if (e == MarchingCubesTable.Center)
                {
                    var points = centerLoop!.Select(l => Mid(l)).ToArray();
                    return [points.Average(p => p[0]), points.Average(p => p[1]), points.Average(p => p[2])];
                }

                var (low, high) = MarchingCubesTable.EdgeCorners[e];
                var a = Position(low);
                var b = Position(high);
                return [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0, (a[2] + b[2]) / 2.0];
            }

            for (int t = 0; t < triangles.Length; t += 3)
            {
                var a = Mid(triangles[t]);
                var b = Mid(triangles[t + 1]);
                var c = Mid(triangles[t + 2]);
                var n = Cross([b[0] - a[0], b[1] - a[1], b[2] - a[2]], [c[0] - a[0], c[1] - a[1], c[2] - a[2]]);
                for (int i = 0; i < 3; i++)
                {
                    area[i] += n[i];
                }
            }

            var outward = new double[3];
            foreach (int e in crossed)
            {
                var (low, high) = MarchingCubesTable.EdgeCorners[e];
                int axis = e / 4;
                outward[axis] += Inside(mask, low) ? 1 : -1;
            }

            double dot = (area[0] * outward[0]) + (area[1] * outward[1]) + (area[2] * outward[2]);
            if (outward.Any(v => v != 0))
            {
                Assert.True(dot > 0, $"case {mask}/{faceBits}: normals point inward");
            }
        }
    }

    [Fact]
    public void ComplementaryCasesWithOppositeDecisionsAreMirrorImages()
    {
        // Swapping inside and outside (and so the decider's outcome on ambiguous faces) gives the same surface with
        // reversed orientation: the same set of undirected triangles.
        for (int mask = 1; mask < 255; mask++)
        {
            int ambiguous = MarchingCubesTable.AmbiguousFaces[mask];
            Assert.Equal(ambiguous, MarchingCubesTable.AmbiguousFaces[255 - mask]);
            for (int faceBits = 0; faceBits < 64; faceBits++)
            {
                if ((faceBits & ~ambiguous) != 0)
                {
                    continue;
                }

                var a = Segments(mask, faceBits);
                var b = Segments(255 - mask, ambiguous & ~faceBits);
                Assert.True(a.Select(s => (s.To, s.From)).ToHashSet().SetEquals(b), $"case {mask}/{faceBits}");
            }
        }
    }

    private static HashSet<(int From, int To)> Segments(int mask, int faceBits)
    {
        var set = new HashSet<(int, int)>();
        for (int f = 0; f < 6; f++)
        {
            set.UnionWith(MarchingCubesTable.FaceSegments(f, mask, ((faceBits >> f) & 1) != 0));
        }

        return set;
    }

    private static bool Inside(int mask, int corner) => ((mask >> corner) & 1) != 0;

    private static bool OnFace(int edge, int face)
    {
        var (low, high) = MarchingCubesTable.EdgeCorners[edge];
        int axis = face / 2, side = face % 2;
        return ((low >> axis) & 1) == side && ((high >> axis) & 1) == side;
    }

    private static int[] Position(int corner) => [corner & 1, (corner >> 1) & 1, (corner >> 2) & 1];

    private static int[] Sub(int[] a, int[] b) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];

    private static int[] Cross(int[] a, int[] b) => [(a[1] * b[2]) - (a[2] * b[1]), (a[2] * b[0]) - (a[0] * b[2]), (a[0] * b[1]) - (a[1] * b[0])];

    private static double[] Cross(double[] a, double[] b) => [(a[1] * b[2]) - (a[2] * b[1]), (a[2] * b[0]) - (a[0] * b[2]), (a[0] * b[1]) - (a[1] * b[0])];
}
