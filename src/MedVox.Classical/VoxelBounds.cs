using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Classical;

/// <summary>An axis-aligned box of voxel indices with inclusive bounds, as a bounding box or a crop region.</summary>
public readonly record struct VoxelBounds(Index3 Min, Index3 Max)
{
    public int SizeX => Max.X - Min.X + 1;

    public int SizeY => Max.Y - Min.Y + 1;

    public int SizeZ => Max.Z - Min.Z + 1;

    public long VoxelCount => (long)SizeX * SizeY * SizeZ;

    /// <summary>The whole index range of an image of <paramref name="size"/>.</summary>
    public static VoxelBounds Of(ImageSize size) => new(Index3.Zero, new Index3(size.X - 1, size.Y - 1, size.Z - 1));

    public bool Contains(int x, int y, int z) =>
        x >= Min.X && x <= Max.X && y >= Min.Y && y <= Max.Y && z >= Min.Z && z <= Max.Z;

    /// <summary>The box grown by the given number of voxels on every side and clipped to an image of <paramref name="size"/>.</summary>
    public VoxelBounds Expand(int x, int y, int z, ImageSize size) => new(
        new Index3(Math.Max(0, Min.X - x), Math.Max(0, Min.Y - y), Math.Max(0, Min.Z - z)),
        new Index3(Math.Min(size.X - 1, Max.X + x), Math.Min(size.Y - 1, Max.Y + y), Math.Min(size.Z - 1, Max.Z + z)));

    /// <summary>
    /// The box grown by <paramref name="marginMm"/> on every side (rounded up to whole voxels of each axis' spacing) and
    /// clipped to the image.
    /// </summary>
    public VoxelBounds ExpandMm(double marginMm, ImageGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        return Expand(VoxelsFor(marginMm, geometry.Spacing.X), VoxelsFor(marginMm, geometry.Spacing.Y), VoxelsFor(marginMm, geometry.Spacing.Z), geometry.Size);
    }

    /// <summary>The size of the box as an image size of the given rank (2 only for one slice).</summary>
    public ImageSize ToImageSize(int rank = 3) => new(SizeX, SizeY, SizeZ, 1, rank == 2 && SizeZ == 1 ? 2 : 3);

    /// <summary>A view of the box in <paramref name="image"/> (shares the pixels; the origin moves to the box' first voxel).</summary>
    public Image CropView(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return image.Crop(Min, ToImageSize(image.Size.Rank));
    }

    public override string ToString() => $"{Min}..{Max}";

    internal static int VoxelsFor(double mm, double spacing) => mm <= 0 ? 0 : (int)Math.Ceiling((mm / spacing) - 1e-9);
}
