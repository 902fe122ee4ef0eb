namespace MedVox.Geometry;

/// <summary>An integer voxel index (i, j, k).</summary>
public readonly record struct Index3(int X, int Y, int Z)
{
    public static Index3 Zero => default;

    public int this[int axis] => axis switch
    {
        0 => X,
        1 => Y,
        2 => Z,
        _ => throw new ArgumentOutOfRangeException(nameof(axis)),
    };

    public override string ToString() => $"[{X}, {Y}, {Z}]";
}
