using MedVox.Geometry;

namespace MedVox.Synthetic.Rendering;

/// <summary>
/// Smooth random field: random values on a lattice of <c>cell</c> mm, interpolated with smoothstep weights (C1), one to
/// three components per point. Used for deformation fields (shapes vary per case) and tissue textures. Outside its box
/// the field continues with its border values.
/// </summary>
internal sealed class LatticeNoise
{
    private readonly float[] _values;
    private readonly int _nx, _ny, _nz, _components;
    private readonly double _ox, _oy, _oz, _inverseCell;

    public LatticeNoise(PhantomRandom random, Box box, double cell, int components = 1)
    {
        _components = components;
        _inverseCell = 1.0 / cell;
        _ox = box.Min.X - cell;
        _oy = box.Min.Y - cell;
        _oz = box.Min.Z - cell;
        _nx = (int)Math.Ceiling((box.Max.X - box.Min.X) / cell) + 3;
        _ny = (int)Math.Ceiling((box.Max.Y - box.Min.Y) / cell) + 3;
        _nz = (int)Math.Ceiling((box.Max.Z - box.Min.Z) / cell) + 3;
        _values = new float[_nx * _ny * _nz * components];
        for (int i = 0; i < _values.Length; i++)
        {
            _values[i] = (float)((2 * random.NextDouble()) - 1);
        }
    }

    /// <summary>Component 0 at a point, in [-1, 1].</summary>
    public float Sample(double x, double y, double z) => Sample(x, y, z, 0);

    public float Sample(double x, double y, double z, int component)
    {
        Locate(x, y, z, out int i, out int j, out int k, out float wx, out float wy, out float wz);
        return Interpolate(i, j, k, wx, wy, wz, component);
    }

    /// <summary>Two components at a point (an in-plane displacement), each in [-1, 1].</summary>
    public (float A, float B) Sample2(double x, double y, double z)
    {
        Locate(x, y, z, out int i, out int j, out int k, out float wx, out float wy, out float wz);
        return (Interpolate(i, j, k, wx, wy, wz, 0), Interpolate(i, j, k, wx, wy, wz, 1));
    }

    /// <summary>Three components at a point (a displacement direction), each in [-1, 1].</summary>
    public Vector3D Sample3(double x, double y, double z)
    {
        Locate(x, y, z, out int i, out int j, out int k, out float wx, out float wy, out float wz);
        return new Vector3D(Interpolate(i, j, k, wx, wy, wz, 0), Interpolate(i, j, k, wx, wy, wz, 1), Interpolate(i, j, k, wx, wy, wz, 2));
    }

    /// <summary>
    /// Component <paramref name="component"/> along a row of points (x0 + i * dx, y, z): the y and z interpolation is
    /// done once per lattice column, leaving one interpolation per point.
    /// </summary>
    public void SampleRow(double y, double z, double x0, double dx, Span<float> values, int component = 0)
    {
        if (values.IsEmpty)
        {
            return;
        }

        Locate(x0, y, z, out _, out int j, out int k, out _, out float wy, out float wz);
        double f0 = Math.Clamp((x0 - _ox) * _inverseCell, 0, _nx - 1.001);
        double f1 = Math.Clamp((x0 + (dx * (values.Length - 1)) - _ox) * _inverseCell, 0, _nx - 1.001);
        int first = (int)Math.Min(f0, f1), last = Math.Min((int)Math.Max(f0, f1) + 1, _nx - 1);
        Span<float> columns = stackalloc float[last - first + 1];
        for (int i = first; i <= last; i++)
        {
            columns[i - first] = InterpolateColumn(i, j, k, wy, wz, component);
        }

        double step = dx * _inverseCell;
        double f = (x0 - _ox) * _inverseCell;
        for (int n = 0; n < values.Length; n++, f += step)
        {
            double fc = Math.Clamp(f, 0, _nx - 1.001);
            int i = (int)fc;
            float w = Smooth((float)(fc - i));
            float a = columns[i - first];
            values[n] = a + (w * (columns[i + 1 - first] - a));
        }
    }

    private float InterpolateColumn(int i, int j, int k, float wy, float wz, int c)
    {
        int sy = _nx * _components, sz = _nx * _ny * _components;
        int b = (((((k * _ny) + j) * _nx) + i) * _components) + c;
        var v = _values;
        float c0 = v[b] + (wy * (v[b + sy] - v[b]));
        float c1 = v[b + sz] + (wy * (v[b + sz + sy] - v[b + sz]));
        return c0 + (wz * (c1 - c0));
    }

    private void Locate(double x, double y, double z, out int i, out int j, out int k, out float wx, out float wy, out float wz)
    {
        double fx = Math.Clamp((x - _ox) * _inverseCell, 0, _nx - 1.001);
        double fy = Math.Clamp((y - _oy) * _inverseCell, 0, _ny - 1.001);
        double fz = Math.Clamp((z - _oz) * _inverseCell, 0, _nz - 1.001);
        i = (int)fx;
        j = (int)fy;
        k = (int)fz;
        wx = Smooth((float)(fx - i));
        wy = Smooth((float)(fy - j));
        wz = Smooth((float)(fz - k));
    }

    private float Interpolate(int i, int j, int k, float wx, float wy, float wz, int c)
    {
        int sx = _components, sy = _nx * _components, sz = _nx * _ny * _components;
        int b = (((((k * _ny) + j) * _nx) + i) * _components) + c;
        var v = _values;
        float c00 = v[b] + (wx * (v[b + sx] - v[b]));
        float c10 = v[b + sy] + (wx * (v[b + sy + sx] - v[b + sy]));
        float c01 = v[b + sz] + (wx * (v[b + sz + sx] - v[b + sz]));
        float c11 = v[b + sz + sy] + (wx * (v[b + sz + sy + sx] - v[b + sz + sy]));
        float c0 = c00 + (wy * (c10 - c00));
        float c1 = c01 + (wy * (c11 - c01));
        return c0 + (wz * (c1 - c0));
    }

    private static float Smooth(float t) => t * t * (3 - (2 * t));
}
