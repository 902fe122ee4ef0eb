using MedVox.Geometry;

namespace MedVox.Synthetic.Rendering;

/// <summary>An axis-aligned box in physical millimetres (LPS).</summary>
internal readonly record struct Box(Vector3D Min, Vector3D Max)
{
    public static Box Empty => new(new Vector3D(double.MaxValue, double.MaxValue, double.MaxValue), new Vector3D(double.MinValue, double.MinValue, double.MinValue));

    public static Box Around(Vector3D center, double radius) =>
        new(center - new Vector3D(radius, radius, radius), center + new Vector3D(radius, radius, radius));

    public static Box Around(Vector3D center, Vector3D halfExtent) => new(center - halfExtent, center + halfExtent);

    public Box Expand(double margin) =>
        new(Min - new Vector3D(margin, margin, margin), Max + new Vector3D(margin, margin, margin));

    public Box Union(Box other) => new(
        new Vector3D(Math.Min(Min.X, other.Min.X), Math.Min(Min.Y, other.Min.Y), Math.Min(Min.Z, other.Min.Z)),
        new Vector3D(Math.Max(Max.X, other.Max.X), Math.Max(Max.Y, other.Max.Y), Math.Max(Max.Z, other.Max.Z)));

    public Box Intersect(Box other) => new(
        new Vector3D(Math.Max(Min.X, other.Min.X), Math.Max(Min.Y, other.Min.Y), Math.Max(Min.Z, other.Min.Z)),
        new Vector3D(Math.Min(Max.X, other.Max.X), Math.Min(Max.Y, other.Max.Y), Math.Min(Max.Z, other.Max.Z)));

    public bool ContainsZ(double z) => z >= Min.Z && z <= Max.Z;

    public bool Contains(Vector3D p) =>
        p.X >= Min.X && p.X <= Max.X && p.Y >= Min.Y && p.Y <= Max.Y && p.Z >= Min.Z && p.Z <= Max.Z;
}
