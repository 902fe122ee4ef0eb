using MedVox.Geometry;

namespace MedVox.Meshing;

/// <summary>
/// Taubin's λ|μ smoothing (Taubin 1995, "A signal processing approach to fair surface design"): each pass moves every
/// vertex by λ times its umbrella Laplacian (towards the mean of its neighbours) and then by μ &lt; -λ times the new
/// Laplacian. The pair is a low-pass filter that removes small bumps (voxel steps) without the shrinkage of plain
/// Laplacian smoothing, so the enclosed volume changes little. Connectivity is untouched.
/// </summary>
public static class TaubinSmoothing
{
    /// <summary>Taubin's usual shrink factor.</summary>
    public const double DefaultLambda = 0.5;

    /// <summary>The pass-band frequency k_PB = 1/λ + 1/μ (Taubin recommends 0.01 to 0.1).</summary>
    public const double DefaultPassBand = 0.1;

    /// <summary>A smoothed copy of <paramref name="mesh"/> after <paramref name="iterations"/> λ|μ passes.</summary>
    public static TriangleMesh Smooth(TriangleMesh mesh, int iterations, double lambda = DefaultLambda, double passBand = DefaultPassBand)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        if (!(lambda > 0 && lambda < 1) || !(passBand > 0 && passBand < 1 / lambda))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), $"Taubin smoothing needs 0 < λ < 1 and 0 < k_PB < 1/λ; got λ = {lambda}, k_PB = {passBand}.");
        }

        double mu = 1 / (passBand - (1 / lambda));
        var (start, neighbours) = Neighbours(mesh);
        var current = (Vector3D[])mesh.Vertices.Clone();
        var next = new Vector3D[current.Length];
        for (int i = 0; i < iterations; i++)
        {
            Step(current, next, start, neighbours, lambda);
            Step(next, current, start, neighbours, mu);
        }

        return new TriangleMesh(current, (int[])mesh.Triangles.Clone());
    }

    private static void Step(Vector3D[] from, Vector3D[] to, int[] start, int[] neighbours, double factor)
    {
        Parallel.For(0, (from.Length + 4095) / 4096, block =>
        {
            int end = Math.Min(from.Length, (block + 1) * 4096);
            for (int v = block * 4096; v < end; v++)
            {
                int count = start[v + 1] - start[v];
                if (count == 0)
                {
                    to[v] = from[v];
                    continue;
                }

                var sum = Vector3D.Zero;
                for (int i = start[v]; i < start[v + 1]; i++)
                {
                    sum += from[neighbours[i]];
                }

                to[v] = from[v] + (factor * ((sum / count) - from[v]));
            }
        });
    }

    /// <summary>Distinct edge neighbours of each vertex, in compressed rows.</summary>
    internal static (int[] Start, int[] Neighbours) Neighbours(TriangleMesh mesh)
    {
        var tris = mesh.Triangles;
        var pairs = new long[tris.Length * 2];
        for (int t = 0; t < tris.Length; t += 3)
        {
            for (int k = 0; k < 3; k++)
            {
                long a = tris[t + k], b = tris[t + ((k + 1) % 3)];
                pairs[(2 * (t + k)) + 0] = (a << 32) | b;
                pairs[(2 * (t + k)) + 1] = (b << 32) | a;
            }
        }

        Array.Sort(pairs);
        var start = new int[mesh.VertexCount + 1];
        var neighbours = new List<int>(pairs.Length / 2);
        long previous = -1;
        foreach (long pair in pairs)
        {
            if (pair == previous)
            {
                continue;
            }

            previous = pair;
            start[(int)(pair >> 32) + 1]++;
            neighbours.Add((int)(pair & 0xFFFFFFFF));
        }

        for (int v = 0; v < mesh.VertexCount; v++)
        {
            start[v + 1] += start[v];
        }

        return (start, [.. neighbours]);
    }
}
