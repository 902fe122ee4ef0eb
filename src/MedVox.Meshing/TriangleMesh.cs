using MedVox.Geometry;

namespace MedVox.Meshing;

/// <summary>
/// A shared-vertex (indexed) triangle mesh: each vertex is stored once and triangles refer to it by index, three indices
/// per triangle, counter-clockwise seen from outside (right-hand normals point outward). Coordinates are millimetres in
/// the frame of the image they came from (LPS for MedVox images).
/// </summary>
public sealed class TriangleMesh
{
    public TriangleMesh(Vector3D[] vertices, int[] triangles)
    {
        ArgumentNullException.ThrowIfNull(vertices);
        ArgumentNullException.ThrowIfNull(triangles);
        if (triangles.Length % 3 != 0)
        {
            throw new ArgumentException($"Triangles need 3 indices each; {triangles.Length} were given.", nameof(triangles));
        }

        foreach (int index in triangles)
        {
            if ((uint)index >= (uint)vertices.Length)
            {
                throw new ArgumentException($"Triangle index {index} lies outside the {vertices.Length} vertices.", nameof(triangles));
            }
        }

        Vertices = vertices;
        Triangles = triangles;
    }

    /// <summary>An empty mesh.</summary>
    public static TriangleMesh Empty { get; } = new([], []);

    public Vector3D[] Vertices { get; }

    /// <summary>Vertex indices, three per triangle.</summary>
    public int[] Triangles { get; }

    public int VertexCount => Vertices.Length;

    public int TriangleCount => Triangles.Length / 3;

    public bool IsEmpty => Triangles.Length == 0;

    /// <summary>The unit normal of triangle <paramref name="triangle"/> ((B - A) x (C - A), normalised; zero when degenerate).</summary>
    public Vector3D TriangleNormal(int triangle)
    {
        var (a, b, c) = Corners(triangle);
        return Vector3D.Cross(b - a, c - a).Normalized();
    }

    /// <summary>The three corners of a triangle.</summary>
    public (Vector3D A, Vector3D B, Vector3D C) Corners(int triangle) =>
        (Vertices[Triangles[3 * triangle]], Vertices[Triangles[(3 * triangle) + 1]], Vertices[Triangles[(3 * triangle) + 2]]);

    /// <summary>Unit vertex normals: the area-weighted mean of the normals of the triangles around each vertex.</summary>
    public Vector3D[] ComputeVertexNormals()
    {
        var sums = new Vector3D[Vertices.Length];
        for (int t = 0; t < Triangles.Length; t += 3)
        {
            int i = Triangles[t], j = Triangles[t + 1], k = Triangles[t + 2];
            var n = Vector3D.Cross(Vertices[j] - Vertices[i], Vertices[k] - Vertices[i]);
            sums[i] += n;
            sums[j] += n;
            sums[k] += n;
        }

        for (int v = 0; v < sums.Length; v++)
        {
            sums[v] = sums[v].Normalized();
        }

        return sums;
    }

    /// <summary>Total triangle area (mm²).</summary>
    public double SurfaceArea()
    {
        double area = 0;
        for (int t = 0; t < Triangles.Length; t += 3)
        {
            var a = Vertices[Triangles[t]];
            area += Vector3D.Cross(Vertices[Triangles[t + 1]] - a, Vertices[Triangles[t + 2]] - a).Length;
        }

        return area / 2;
    }

    /// <summary>
    /// Enclosed volume (mm³) by the divergence theorem: the sum of the signed volumes of the tetrahedra joining each
    /// triangle to a reference point. Positive for a closed mesh with outward normals; meaningless for an open one.
    /// </summary>
    public double EnclosedVolume()
    {
        if (Vertices.Length == 0)
        {
            return 0;
        }

        // Measuring from a point near the mesh keeps the terms small, so far-away coordinates lose no precision.
        var (min, max) = Bounds();
        var reference = (min + max) / 2;
        double sixfold = 0;
        for (int t = 0; t < Triangles.Length; t += 3)
        {
            var a = Vertices[Triangles[t]] - reference;
            var b = Vertices[Triangles[t + 1]] - reference;
            var c = Vertices[Triangles[t + 2]] - reference;
            sixfold += Vector3D.Dot(a, Vector3D.Cross(b, c));
        }

        return sixfold / 6;
    }

    /// <summary>The axis-aligned bounding box of the vertices (zero for an empty mesh).</summary>
    public (Vector3D Min, Vector3D Max) Bounds()
    {
        if (Vertices.Length == 0)
        {
            return (Vector3D.Zero, Vector3D.Zero);
        }

        double x0 = double.MaxValue, y0 = double.MaxValue, z0 = double.MaxValue;
        double x1 = double.MinValue, y1 = double.MinValue, z1 = double.MinValue;
        foreach (var v in Vertices)
        {
            x0 = Math.Min(x0, v.X);
            y0 = Math.Min(y0, v.Y);
            z0 = Math.Min(z0, v.Z);
            x1 = Math.Max(x1, v.X);
            y1 = Math.Max(y1, v.Y);
            z1 = Math.Max(z1, v.Z);
        }

        return (new Vector3D(x0, y0, z0), new Vector3D(x1, y1, z1));
    }

    /// <summary>A copy with every vertex mapped by <paramref name="transform"/>; winding is reversed when <paramref name="reversesOrientation"/> (a mirroring map).</summary>
    public TriangleMesh Transform(Func<Vector3D, Vector3D> transform, bool reversesOrientation = false)
    {
        ArgumentNullException.ThrowIfNull(transform);
        var vertices = new Vector3D[Vertices.Length];
        for (int v = 0; v < vertices.Length; v++)
        {
            vertices[v] = transform(Vertices[v]);
        }

        var triangles = (int[])Triangles.Clone();
        if (reversesOrientation)
        {
            for (int t = 0; t < triangles.Length; t += 3)
            {
                (triangles[t + 1], triangles[t + 2]) = (triangles[t + 2], triangles[t + 1]);
            }
        }

        return new TriangleMesh(vertices, triangles);
    }
}
