using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Classical.Tests;

public class LabelComponentsTests
{
    [Fact]
    public void OnlyTheLargestPieceOfEachNamedLabelStays()
    {
        // Label 1: a 3x3x3 block and a lone voxel; label 2: two lone voxels (not named: both stay); label 3: a 2-voxel
        // bar and a voxel touching it by a corner (one component with 26 neighbours).
        var geometry = Masks.Geometry(ImageSize.Of3D(12, 8, 6), Vector3D.One);
        using var labels = Masks.Create(geometry, (x, y, z) =>
            x is >= 1 and <= 3 && y is >= 1 and <= 3 && z is >= 1 and <= 3 ? 1
            : (x, y, z) is (9, 6, 4) ? 1
            : (x, y, z) is (6, 1, 1) or (6, 6, 4) ? 2
            : (x, y, z) is (9, 1, 1) or (10, 1, 1) or (11, 2, 2) ? 3
            : 0);

        long removed = LabelComponents.KeepLargest(labels, [1, 3]);

        Assert.Equal(1, removed);
        Assert.Equal(0, labels.GetRow<byte>(6, 4)[9]);
        Assert.Equal(27, Count(labels, 1));
        Assert.Equal(2, Count(labels, 2));
        Assert.Equal(3, Count(labels, 3));
        Assert.Equal(0, LabelComponents.KeepLargest(labels, [1, 3]));
    }

    [Fact]
    public void WithSixNeighboursACornerIsAnotherPiece()
    {
        var geometry = Masks.Geometry(ImageSize.Of3D(4, 4, 4), Vector3D.One);
        using var labels = Masks.Create(geometry, (x, y, z) => (x, y, z) is (0, 0, 0) or (1, 0, 0) or (2, 1, 1) ? 5 : 0);

        Assert.Equal(1, LabelComponents.KeepLargest(labels, [5], Connectivity.Six));
        Assert.Equal(2, Count(labels, 5));
    }

    [Fact]
    public void RefusesWhatIsNotALabelMap()
    {
        var geometry = Masks.Geometry(ImageSize.Of3D(2, 2, 2), Vector3D.One);
        using var floats = Masks.Create(geometry, (_, _, _) => 1, ElementType.Float32);
        using var labels = Masks.Create(geometry, (_, _, _) => 1);
        Assert.Throws<ArgumentException>(() => LabelComponents.KeepLargest(floats, [1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => LabelComponents.KeepLargest(labels, [0]));
    }

    private static int Count(Image labels, byte value)
    {
        int count = 0;
        var size = labels.Size;
        for (int z = 0; z < size.Z; z++)
        {
            for (int y = 0; y < size.Y; y++)
            {
                foreach (byte b in labels.GetRow<byte>(y, z))
                {
                    count += b == value ? 1 : 0;
                }
            }
        }

        return count;
    }
}
