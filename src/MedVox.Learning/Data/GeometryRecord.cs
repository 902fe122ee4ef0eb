using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Learning.Data;

/// <summary>An image geometry as JSON keeps it: size (x, y, z), rank, spacing, origin (LPS mm), direction (row-major, columns = index axes).</summary>
public sealed record GeometryRecord
{
    public required int[] Size { get; init; }

    public int Rank { get; init; } = 3;

    public required double[] Spacing { get; init; }

    public required double[] Origin { get; init; }

    public required double[] Direction { get; init; }

    public static GeometryRecord From(ImageGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        var direction = new double[9];
        geometry.Direction.CopyTo(direction);
        return new GeometryRecord
        {
            Size = [geometry.Size.X, geometry.Size.Y, geometry.Size.Z],
            Rank = Math.Min(geometry.Size.Rank, 3),
            Spacing = [geometry.Spacing.X, geometry.Spacing.Y, geometry.Spacing.Z],
            Origin = [geometry.Origin.X, geometry.Origin.Y, geometry.Origin.Z],
            Direction = direction,
        };
    }

    public ImageGeometry ToGeometry() => new(
        new ImageSize(Size[0], Size[1], Size[2], 1, Rank),
        new Vector3D(Spacing[0], Spacing[1], Spacing[2]),
        new Vector3D(Origin[0], Origin[1], Origin[2]),
        Matrix3D.FromRowMajor(Direction));
}
