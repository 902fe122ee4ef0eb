using MedVox.Geometry;

namespace MedVox.Synthetic.Rendering;

/// <summary>
/// An implicit solid: a signed distance in millimetres (negative inside), exact at the surface and approximate away from
/// it, and a box outside of which the solid does not reach. Shapes are immutable and thread-safe.
/// </summary>
internal abstract class Shape
{
    /// <summary>What <see cref="DistanceRow"/> reports where the shape is certainly far away.</summary>
    public const double Far = 1000;

    protected Shape(Box bounds) => Bounds = bounds;

    public Box Bounds { get; }

    public abstract double Distance(double x, double y, double z);

    public double Distance(Vector3D p) => Distance(p.X, p.Y, p.Z);

    /// <summary>Distances along a row of points (x0 + i * dx, y, z); shapes made of many parts override it to skip the parts the row misses.</summary>
    public virtual void DistanceRow(double y, double z, double x0, double dx, Span<double> distances)
    {
        for (int i = 0; i < distances.Length; i++)
        {
            distances[i] = Distance(x0 + (i * dx), y, z);
        }
    }
}

/// <summary>A (rotated, tapered, bent) ellipsoid; the distance is the first-order estimate (rho - 1) / |grad rho|.</summary>
internal sealed class EllipsoidShape : Shape
{
    private readonly Vector3D _center, _axisX, _axisY, _axisZ;
    private readonly double _a, _b, _c, _taper, _bend;

    /// <param name="center">Centre (mm).</param>
    /// <param name="radii">Semi-axes along the local axes (mm).</param>
    /// <param name="rotation">Columns are the local axes in patient space.</param>
    /// <param name="taper">Fraction by which the y and z semi-axes shrink from the local -x end to the +x end (a wedge).</param>
    /// <param name="bend">Local y offset per (x/a)^2, in mm: bends the long axis into an arc.</param>
    public EllipsoidShape(Vector3D center, Vector3D radii, Matrix3D rotation, double taper = 0, double bend = 0)
        : base(Box.Around(center, Math.Max(radii.X, Math.Max(radii.Y, radii.Z)) + Math.Abs(bend)))
    {
        _center = center;
        _axisX = rotation.Column(0);
        _axisY = rotation.Column(1);
        _axisZ = rotation.Column(2);
        (_a, _b, _c) = (radii.X, radii.Y, radii.Z);
        _taper = taper;
        _bend = bend;
    }

    public EllipsoidShape(Vector3D center, Vector3D radii)
        : this(center, radii, Matrix3D.Identity)
    {
    }

    public override double Distance(double x, double y, double z)
    {
        double px = x - _center.X, py = y - _center.Y, pz = z - _center.Z;
        double qx = (px * _axisX.X) + (py * _axisX.Y) + (pz * _axisX.Z);
        double qy = (px * _axisY.X) + (py * _axisY.Y) + (pz * _axisY.Z);
        double qz = (px * _axisZ.X) + (py * _axisZ.Y) + (pz * _axisZ.Z);
        double u = qx / _a;
        double s = 1.0 - (_taper * Math.Clamp((u + 1) * 0.5, 0, 1));
        double b = _b * s, c = _c * s;
        qy -= _bend * u * u;
        double v = qy / b, w = qz / c;
        double rho = Math.Sqrt((u * u) + (v * v) + (w * w));
        double gx = u / _a, gy = v / b, gz = w / c;
        double g = Math.Sqrt((gx * gx) + (gy * gy) + (gz * gz));
        return g < 1e-12 ? -Math.Min(_a, Math.Min(b, c)) : (rho - 1) * rho / g;
    }
}

/// <summary>An elliptic cylinder along z between two levels (vertebral bodies, discs, canals).</summary>
internal sealed class EllipticCylinderShape(double cx, double cy, double a, double b, double z0, double z1)
    : Shape(new Box(new Vector3D(cx - a, cy - b, z0), new Vector3D(cx + a, cy + b, z1)))
{
    public override double Distance(double x, double y, double z)
    {
        double u = (x - cx) / a, v = (y - cy) / b;
        double rho = Math.Sqrt((u * u) + (v * v));
        double gx = u / a, gy = v / b;
        double g = Math.Sqrt((gx * gx) + (gy * gy));
        double d2 = g < 1e-12 ? -Math.Min(a, b) : (rho - 1) * rho / g;
        double dz = Math.Max(z0 - z, z - z1);
        return Math.Max(d2, dz);
    }
}

/// <summary>A shape displaced by a smooth random field: its surface moves by up to <c>amplitude</c> mm.</summary>
internal sealed class DeformedShape(Shape inner, LatticeNoise field, double amplitude)
    : Shape(inner.Bounds.Expand(amplitude * 1.8))
{
    public override double Distance(double x, double y, double z)
    {
        var d = field.Sample3(x, y, z);
        return inner.Distance(x + (amplitude * d.X), y + (amplitude * d.Y), z + (amplitude * d.Z));
    }

    public override void DistanceRow(double y, double z, double x0, double dx, Span<double> distances)
    {
        int n = distances.Length;
        Span<float> u = stackalloc float[n];
        Span<float> v = stackalloc float[n];
        Span<float> w = stackalloc float[n];
        field.SampleRow(y, z, x0, dx, u, 0);
        field.SampleRow(y, z, x0, dx, v, 1);
        field.SampleRow(y, z, x0, dx, w, 2);
        for (int i = 0; i < n; i++)
        {
            distances[i] = inner.Distance(x0 + (i * dx) + (amplitude * u[i]), y + (amplitude * v[i]), z + (amplitude * w[i]));
        }
    }
}

/// <summary>Points inside both shapes (<c>b</c> is evaluated only near or inside <c>a</c>, where the value matters).</summary>
internal sealed class IntersectionShape(Shape a, Shape b) : Shape(a.Bounds.Intersect(b.Bounds))
{
    /// <summary>Beyond this distance from <c>a</c> (mm) the exact value is irrelevant: no voxel is painted there.</summary>
    private const double Cutoff = 12;

    public override double Distance(double x, double y, double z)
    {
        double da = a.Distance(x, y, z);
        return da > Cutoff ? da : Math.Max(da, b.Distance(x, y, z));
    }

    public override void DistanceRow(double y, double z, double x0, double dx, Span<double> distances)
    {
        a.DistanceRow(y, z, x0, dx, distances);
        Span<double> other = stackalloc double[distances.Length];
        b.DistanceRow(y, z, x0, dx, other);
        for (int i = 0; i < distances.Length; i++)
        {
            distances[i] = Math.Max(distances[i], other[i]);
        }
    }
}

/// <summary>Points inside <c>a</c> and outside <c>b</c>.</summary>
internal sealed class SubtractionShape(Shape a, Shape b) : Shape(a.Bounds)
{
    public override double Distance(double x, double y, double z) => Math.Max(a.Distance(x, y, z), -b.Distance(x, y, z));

    public override void DistanceRow(double y, double z, double x0, double dx, Span<double> distances)
    {
        a.DistanceRow(y, z, x0, dx, distances);
        Span<double> other = stackalloc double[distances.Length];
        b.DistanceRow(y, z, x0, dx, other);
        for (int i = 0; i < distances.Length; i++)
        {
            distances[i] = Math.Max(distances[i], -other[i]);
        }
    }
}

/// <summary>A shape grown (positive <c>grow</c>) or shrunk by a margin in millimetres.</summary>
internal sealed class OffsetShape(Shape inner, double grow) : Shape(inner.Bounds.Expand(Math.Max(grow, 0)))
{
    public override double Distance(double x, double y, double z) => inner.Distance(x, y, z) - grow;

    public override void DistanceRow(double y, double z, double x0, double dx, Span<double> distances)
    {
        inner.DistanceRow(y, z, x0, dx, distances);
        for (int i = 0; i < distances.Length; i++)
        {
            distances[i] -= grow;
        }
    }
}

/// <summary>The side of a plane that its normal points away from, limited to a box.</summary>
internal sealed class HalfSpaceShape(Vector3D point, Vector3D normal, Box bounds) : Shape(bounds)
{
    private readonly Vector3D _normal = normal.Normalized();

    public override double Distance(double x, double y, double z) =>
        ((x - point.X) * _normal.X) + ((y - point.Y) * _normal.Y) + ((z - point.Z) * _normal.Z);
}
