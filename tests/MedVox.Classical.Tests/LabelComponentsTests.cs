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
    public void AViewWithRowStridesGivesWhatTheMaskOfEachLabelGives()
    {
        // Random islands of three labels; the map is a crop of a larger image (rows with a stride), labelled in place.
        var random = new Random(7);
        var geometry = Masks.Geometry(ImageSize.Of3D(30, 26, 12), Vector3D.One);
        using var whole = Masks.Create(geometry, (_, _, _) => random.NextDouble() < 0.45 ? random.Next(1, 4) : 0);
        using var view = whole.Crop(new Index3(3, 2, 1), ImageSize.Of3D(24, 20, 10));
        var expected = new Dictionary<int, Image>();
        foreach (int value in new[] { 1, 3 })
        {
            using var mask = Masks.Create(view.Geometry, (x, y, z) => view.GetRow<byte>(y, z)[x] == value ? 1 : 0);
            expected[value] = ConnectedComponents.KeepLargest(mask, Connectivity.Six);
        }

        var outside = Snapshot(whole);
        long before = Count(view, 1) + Count(view, 3);
        long removed = LabelComponents.KeepLargest(view, [1, 3], Connectivity.Six);

        Assert.Equal(before - Count(expected[1], 1) - Count(expected[3], 1), removed);
        var size = view.Size;
        for (int z = 0; z < size.Z; z++)
        {
            for (int y = 0; y < size.Y; y++)
            {
                var row = view.GetRow<byte>(y, z);
                for (int x = 0; x < size.X; x++)
                {
                    byte want = expected[1].GetRow<byte>(y, z)[x] != 0 ? (byte)1 : expected[3].GetRow<byte>(y, z)[x] != 0 ? (byte)3 : row[x] is 1 or 3 ? (byte)0 : row[x];
                    Assert.True(want == row[x], $"voxel ({x}, {y}, {z}): {row[x]}, expected {want}");
                }
            }
        }

        // Voxels of the larger image outside the view are untouched.
        var after = Snapshot(whole);
        for (int i = 0; i < after.Length; i++)
        {
            int x = i % 30, y = i / 30 % 26, z = i / (30 * 26);
            bool inView = x is >= 3 and < 27 && y is >= 2 and < 22 && z is >= 1 and < 11;
            Assert.True(inView || after[i] == outside[i], $"voxel ({x}, {y}, {z}) outside the view changed");
        }

        foreach (var image in expected.Values)
        {
            image.Dispose();
        }
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

    private static byte[] Snapshot(Image image)
    {
        var size = image.Size;
        var bytes = new byte[size.X * size.Y * size.Z];
        for (int z = 0; z < size.Z; z++)
        {
            for (int y = 0; y < size.Y; y++)
            {
                image.GetRow<byte>(y, z).CopyTo(bytes.AsSpan(((z * size.Y) + y) * size.X));
            }
        }

        return bytes;
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
