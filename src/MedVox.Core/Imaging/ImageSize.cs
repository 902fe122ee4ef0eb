namespace MedVox.Imaging;

/// <summary>
/// Extent of an image in pixels along x, y, z and time, with its rank (2, 3 or 4): a 2D image has Z = T = 1 and rank 2.
/// </summary>
public readonly record struct ImageSize
{
    public ImageSize(int x, int y, int z = 1, int t = 1, int? rank = null)
    {
        if (x < 1 || y < 1 || z < 1 || t < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(x), $"Image extents must be positive, got {x}x{y}x{z}x{t}.");
        }

        X = x;
        Y = y;
        Z = z;
        T = t;
        Rank = rank ?? (t > 1 ? 4 : 3);
        if (Rank is < 2 or > 4 || (Rank == 2 && (z != 1 || t != 1)) || (Rank == 3 && t != 1))
        {
            throw new ArgumentOutOfRangeException(nameof(rank), $"Rank {Rank} does not fit extents {x}x{y}x{z}x{t}.");
        }
    }

    public int X { get; }

    public int Y { get; }

    public int Z { get; }

    public int T { get; }

    /// <summary>Number of axes the image declares: 2, 3 or 4 (a 3D volume with one slice keeps rank 3).</summary>
    public int Rank { get; }

    public long VoxelsPerSlice => (long)X * Y;

    public long VoxelsPerFrame => (long)X * Y * Z;

    public long VoxelCount => (long)X * Y * Z * T;

    public int this[int axis] => axis switch
    {
        0 => X,
        1 => Y,
        2 => Z,
        3 => T,
        _ => throw new ArgumentOutOfRangeException(nameof(axis)),
    };

    public static ImageSize Of2D(int x, int y) => new(x, y, 1, 1, 2);

    public static ImageSize Of3D(int x, int y, int z) => new(x, y, z, 1, 3);

    public static ImageSize Of4D(int x, int y, int z, int t) => new(x, y, z, t, 4);

    public override string ToString() => Rank switch
    {
        2 => $"{X}x{Y}",
        3 => $"{X}x{Y}x{Z}",
        _ => $"{X}x{Y}x{Z}x{T}",
    };
}
