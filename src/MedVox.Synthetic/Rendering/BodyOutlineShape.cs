namespace MedVox.Synthetic.Rendering;

/// <summary>
/// The body's cross-section, extruded along z between two levels: a rounded box (u^2 + v^2 - k u^2 v^2 = 1, k in [0, 1)
/// makes it squarer than an ellipse) with a flatter back, displaced in-plane by a smooth random field. The distance is
/// measured along the ray from the centre, so insets make concentric layers (fat, muscle, cavity).
/// </summary>
internal sealed class BodyOutlineShape : Shape
{
    private readonly double _a, _b, _centerY, _squareness, _backFlattening, _z0, _z1, _amplitude;
    private readonly LatticeNoise? _field;

    public BodyOutlineShape(double halfWidth, double halfDepth, double centerY, double squareness, double backFlattening, double z0, double z1, LatticeNoise? field, double amplitude)
        : base(new Box(
            new MedVox.Geometry.Vector3D(-halfWidth - (2 * amplitude), centerY - halfDepth - (2 * amplitude), z0),
            new MedVox.Geometry.Vector3D(halfWidth + (2 * amplitude), centerY + halfDepth + (2 * amplitude), z1)))
    {
        _a = halfWidth;
        _b = halfDepth;
        _centerY = centerY;
        _squareness = squareness;
        _backFlattening = backFlattening;
        _z0 = z0;
        _z1 = z1;
        _field = field;
        _amplitude = amplitude;
    }

    public override double Distance(double x, double y, double z)
    {
        float dx = 0, dy = 0;
        if (_field is not null)
        {
            (dx, dy) = _field.Sample2(x, y, z);
        }

        return Displaced(x + (_amplitude * dx), y - _centerY + (_amplitude * dy), z);
    }

    public override void DistanceRow(double y, double z, double x0, double dx, Span<double> distances)
    {
        int n = distances.Length;
        Span<float> u = stackalloc float[n];
        Span<float> v = stackalloc float[n];
        if (_field is not null)
        {
            _field.SampleRow(y, z, x0, dx, u, 0);
            _field.SampleRow(y, z, x0, dx, v, 1);
        }
        else
        {
            u.Clear();
            v.Clear();
        }

        for (int i = 0; i < n; i++)
        {
            distances[i] = Displaced(x0 + (i * dx) + (_amplitude * u[i]), y - _centerY + (_amplitude * v[i]), z);
        }
    }

    private double Displaced(double px, double py, double z)
    {
        double u = px / _a;
        double v = py / (py > 0 ? _b * _backFlattening : _b);
        double r2 = (u * u) + (v * v) - (_squareness * u * u * v * v);
        double rho = Math.Sqrt(Math.Max(r2, 1e-12));
        double length = Math.Sqrt((px * px) + (py * py));
        double d = length * (1 - (1 / rho));
        double dz = Math.Max(_z0 - z, z - _z1);
        return Math.Max(d, dz);
    }
}
