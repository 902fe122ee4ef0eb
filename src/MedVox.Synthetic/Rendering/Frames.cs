using MedVox.Geometry;

namespace MedVox.Synthetic.Rendering;

/// <summary>Rotation helpers for placing shapes.</summary>
internal static class Frames
{
    /// <summary>An orthonormal frame whose first axis is <paramref name="xAxis"/> and whose second is as close to <paramref name="yHint"/> as possible.</summary>
    public static Matrix3D FromAxes(Vector3D xAxis, Vector3D yHint)
    {
        var x = xAxis.Normalized();
        var y = (yHint - (Vector3D.Dot(yHint, x) * x)).Normalized();
        var z = Vector3D.Cross(x, y);
        return Matrix3D.FromColumns(x, y, z);
    }

    /// <summary>Rotation about z, then y, then x by the given angles in degrees.</summary>
    public static Matrix3D FromAngles(double xDegrees, double yDegrees, double zDegrees)
    {
        var (sx, cx) = Math.SinCos(xDegrees * Math.PI / 180);
        var (sy, cy) = Math.SinCos(yDegrees * Math.PI / 180);
        var (sz, cz) = Math.SinCos(zDegrees * Math.PI / 180);
        var rx = new Matrix3D(1, 0, 0, 0, cx, -sx, 0, sx, cx);
        var ry = new Matrix3D(cy, 0, sy, 0, 1, 0, -sy, 0, cy);
        var rz = new Matrix3D(cz, -sz, 0, sz, cz, 0, 0, 0, 1);
        return rx * ry * rz;
    }

    /// <summary>A unit vector perpendicular to <paramref name="v"/>.</summary>
    public static Vector3D Perpendicular(Vector3D v)
    {
        var n = v.Normalized();
        var other = Math.Abs(n.X) < 0.9 ? new Vector3D(1, 0, 0) : new Vector3D(0, 1, 0);
        return Vector3D.Cross(n, other).Normalized();
    }

    /// <summary><paramref name="v"/> rotated by <paramref name="degrees"/> about the unit <paramref name="axis"/> (Rodrigues).</summary>
    public static Vector3D Rotate(Vector3D v, Vector3D axis, double degrees)
    {
        var (s, c) = Math.SinCos(degrees * Math.PI / 180);
        return (v * c) + (Vector3D.Cross(axis, v) * s) + (axis * (Vector3D.Dot(axis, v) * (1 - c)));
    }
}
