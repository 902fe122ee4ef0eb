using MedVox.Geometry;
using MedVox.Synthetic.Rendering;

namespace MedVox.Synthetic.Colon;

/// <summary>
/// The colon lumen: a tube along a smooth 3D centre line whose radius varies along it and is indented by haustral folds
/// (thin circumferential ridges every few centimetres, interrupted at the three taeniae). The distance is measured from
/// the nearest centre-line segment.
/// </summary>
internal sealed class ColonShape : Shape
{
    private readonly Vector3D[] _points;
    private readonly double[] _radius, _arc;
    private readonly Vector3D[] _normal;
    private readonly double _foldPeriod, _foldDepth, _foldWidth, _grow;

    public ColonShape(Vector3D[] points, double[] radius, double foldPeriod, double foldDepth, double grow)
        : base(BoundsOf(points, radius, grow))
    {
        _points = points;
        _radius = radius;
        _foldPeriod = foldPeriod;
        _foldDepth = foldDepth;
        _foldWidth = 2.2;
        _grow = grow;
        _arc = new double[points.Length];
        for (int i = 1; i < points.Length; i++)
        {
            _arc[i] = _arc[i - 1] + (points[i] - points[i - 1]).Length;
        }

        // A reference direction per segment, carried along the line (parallel transport), for the angle around the tube.
        _normal = new Vector3D[points.Length];
        var tangent = (points[1] - points[0]).Normalized();
        var normal = Frames.Perpendicular(tangent);
        for (int i = 0; i + 1 < points.Length; i++)
        {
            var t = (points[i + 1] - points[i]).Normalized();
            normal = (normal - (Vector3D.Dot(normal, t) * t)).Normalized();
            _normal[i] = normal;
        }

        _normal[^1] = _normal[^2];
    }

    public double Length => _arc[^1];

    /// <summary>The nearest centre-line point: its position, distance to the line, arc length, angle and base radius.</summary>
    public (Vector3D Center, double Distance, double Arc, double Angle, double Radius) Nearest(double x, double y, double z)
    {
        Span<int> all = _points.Length <= 2048 ? stackalloc int[_points.Length - 1] : new int[_points.Length - 1];
        for (int i = 0; i < all.Length; i++)
        {
            all[i] = i;
        }

        return Nearest(x, y, z, all);
    }

    private (Vector3D Center, double Distance, double Arc, double Angle, double Radius) Nearest(double x, double y, double z, ReadOnlySpan<int> candidates)
    {
        var p = new Vector3D(x, y, z);
        double best = double.MaxValue;
        int bestSegment = 0;
        double bestT = 0;
        foreach (int i in candidates)
        {
            var a = _points[i];
            var ab = _points[i + 1] - a;
            double dx = x - a.X, dy = y - a.Y, dz = z - a.Z;
            double l2 = Vector3D.Dot(ab, ab);
            double t = Math.Clamp(((dx * ab.X) + (dy * ab.Y) + (dz * ab.Z)) / l2, 0, 1);
            double ex = dx - (t * ab.X), ey = dy - (t * ab.Y), ez = dz - (t * ab.Z);
            double d2 = (ex * ex) + (ey * ey) + (ez * ez);
            if (d2 < best)
            {
                best = d2;
                bestSegment = i;
                bestT = t;
            }
        }

        if (best == double.MaxValue)
        {
            return (p, Far, 0, 0, 0);
        }

        var start = _points[bestSegment];
        var axis = _points[bestSegment + 1] - start;
        var center = start + (axis * bestT);
        var offset = p - center;
        var tangent = axis.Normalized();
        var n = _normal[bestSegment];
        var b = Vector3D.Cross(tangent, n);
        double angle = Math.Atan2(Vector3D.Dot(offset, b), Vector3D.Dot(offset, n));
        double arc = _arc[bestSegment] + (bestT * axis.Length);
        double radius = _radius[bestSegment] + (bestT * (_radius[bestSegment + 1] - _radius[bestSegment]));
        return (center, Math.Sqrt(best), arc, angle, radius);
    }

    public override void DistanceRow(double y, double z, double x0, double dx, Span<double> distances)
    {
        // Only segments whose neighbourhood the row crosses can be nearest where the distance matters.
        Span<int> candidates = _points.Length <= 2048 ? stackalloc int[_points.Length - 1] : new int[_points.Length - 1];
        int count = 0;
        for (int i = 0; i + 1 < _points.Length; i++)
        {
            var a = _points[i];
            var b = _points[i + 1];
            double reach = Math.Max(_radius[i], _radius[i + 1]) + _grow + 12;
            if (y < Math.Min(a.Y, b.Y) - reach || y > Math.Max(a.Y, b.Y) + reach || z < Math.Min(a.Z, b.Z) - reach || z > Math.Max(a.Z, b.Z) + reach)
            {
                continue;
            }

            candidates[count++] = i;
        }

        if (count == 0)
        {
            distances.Fill(Far);
            return;
        }

        var list = candidates[..count];
        for (int i = 0; i < distances.Length; i++)
        {
            var (_, distance, arc, angle, radius) = Nearest(x0 + (i * dx), y, z, list);
            distances[i] = distance >= Far ? Far : distance - RadiusAt(arc, angle, radius) - _grow;
        }
    }

    /// <summary>The lumen radius at an arc length and angle, with the haustral folds.</summary>
    public double RadiusAt(double arc, double angle, double baseRadius)
    {
        double phase = arc / _foldPeriod;
        double fromFold = (phase - Math.Round(phase)) * _foldPeriod;
        double fold = Math.Exp(-(fromFold * fromFold) / (_foldWidth * _foldWidth));
        double taeniae = 0.5 + (0.5 * Math.Cos(3 * angle));
        return baseRadius * (1 - (_foldDepth * fold * (0.35 + (0.65 * taeniae))));
    }

    /// <summary>Point on the inner wall at an arc length and angle, and the outward normal there.</summary>
    public (Vector3D Point, Vector3D Outward) WallPoint(double arc, double angle)
    {
        int i = 0;
        while (i + 2 < _points.Length && _arc[i + 1] < arc)
        {
            i++;
        }

        double t = Math.Clamp((arc - _arc[i]) / (_arc[i + 1] - _arc[i]), 0, 1);
        var axis = _points[i + 1] - _points[i];
        var center = _points[i] + (axis * t);
        var tangent = axis.Normalized();
        var n = _normal[i];
        var b = Vector3D.Cross(tangent, n);
        var (sin, cos) = Math.SinCos(angle);
        var outward = ((n * cos) + (b * sin)).Normalized();
        double radius = RadiusAt(arc, angle, _radius[i] + (t * (_radius[i + 1] - _radius[i])));
        return (center + (outward * radius), outward);
    }

    public override double Distance(double x, double y, double z)
    {
        var (_, distance, arc, angle, radius) = Nearest(x, y, z);
        return distance >= Far ? Far : distance - RadiusAt(arc, angle, radius) - _grow;
    }

    private static Box BoundsOf(Vector3D[] points, double[] radius, double grow)
    {
        var box = Box.Empty;
        for (int i = 0; i < points.Length; i++)
        {
            box = box.Union(Box.Around(points[i], radius[i] + grow + 2));
        }

        return box;
    }
}

/// <summary>Colon contents: gas, with tagged (contrast-laden) fluid pooled in the dependent (posterior) part of the lumen.</summary>
internal sealed class ColonContents(ColonShape colon, float gas, float fluid, double fill) : ValueField
{
    public override float Value(double x, double y, double z)
    {
        if (fill <= 0)
        {
            return gas;
        }

        var (center, _, _, _, radius) = colon.Nearest(x, y, z);
        double level = center.Y + (radius * (1 - (2 * fill)));
        float t = Abdomen.BowelTexture.SmoothStep(-0.75f, 0.75f, (float)(y - level));
        return gas + (t * (fluid - gas));
    }
}
