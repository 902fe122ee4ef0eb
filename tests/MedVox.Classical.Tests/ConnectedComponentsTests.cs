using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Classical.Tests;

public class ConnectedComponentsTests
{
    [Theory]
    [InlineData(Connectivity.Six, 3)]
    [InlineData(Connectivity.Eighteen, 2)]
    [InlineData(Connectivity.TwentySix, 1)]
    public void NeighbourhoodsJoinFacesEdgesCorners(Connectivity connectivity, int expected)
    {
        // (1,1,1) touches (2,2,1) by an edge and (3,3,2) touches (2,2,1) by a corner.
        var geometry = Masks.Geometry(ImageSize.Of3D(5, 5, 4), Vector3D.One);
        using var mask = Masks.Create(geometry, (x, y, z) => (x, y, z) is (1, 1, 1) or (2, 2, 1) or (3, 3, 2) ? 1 : 0);
        using var labeling = ConnectedComponents.Label(mask, connectivity);
        Assert.Equal(expected, labeling.Count);
    }

    [Theory]
    [InlineData(Connectivity.Four, 2)]
    [InlineData(Connectivity.Eight, 1)]
    public void PlanarNeighbourhoods(Connectivity connectivity, int expected)
    {
        var geometry = Masks.Geometry(ImageSize.Of2D(4, 4), Vector3D.One);
        using var mask = Masks.Create(geometry, (x, y, _) => (x, y) is (0, 0) or (1, 1) ? 1 : 0);
        using var labeling = ConnectedComponents.Label(mask, connectivity);
        Assert.Equal(expected, labeling.Count);
    }

    [Fact]
    public void PlanarConnectivityNeverCrossesSlices()
    {
        // A column along z is one component in 3D and one per slice in 2D.
        var geometry = Masks.Geometry(ImageSize.Of3D(3, 3, 5), Vector3D.One);
        using var mask = Masks.Create(geometry, (x, y, _) => x == 1 && y == 1 ? 1 : 0);
        using var three = ConnectedComponents.Label(mask, Connectivity.Six);
        using var two = ConnectedComponents.Label(mask, Connectivity.Eight);
        Assert.Equal(1, three.Count);
        Assert.Equal(5, two.Count);
        Assert.All(two.Components, c => Assert.Equal(1, c.VoxelCount));
    }

    [Fact]
    public void SizesBoxesAndCentroidsArePhysical()
    {
        // A 3x4x5 box at (2..4, 1..4, 3..7) with spacing 0.5 x 2 x 3 mm: 60 voxels of 3 mm³ = 0.18 mL; its centroid is
        // the physical position of index (3, 2.5, 5) under the oblique direction.
        var size = ImageSize.Of3D(9, 7, 12);
        var geometry = Masks.Geometry(size, new Vector3D(0.5, 2, 3), TestImages.ObliqueGeometry(size).Direction);
        using var mask = Masks.Box(geometry, new Index3(2, 1, 3), new Index3(4, 4, 7));
        mask.SetValue(8, 6, 11, 1); // a corner voxel on the border
        using var labeling = ConnectedComponents.Label(mask);
        Assert.Equal(2, labeling.Count);
        var box = labeling.Components[0];
        Assert.Equal(1, box.Label);
        Assert.Equal(60, box.VoxelCount);
        Assert.Equal(0.18, box.VolumeMl, 12);
        Assert.Equal(new VoxelBounds(new Index3(2, 1, 3), new Index3(4, 4, 7)), box.Bounds);
        var expected = geometry.IndexToPhysical(3, 2.5, 5);
        Assert.True(Vector3D.MaxAbsDifference(expected, box.Centroid) < 1e-9, $"{box.Centroid} vs {expected}");
        Assert.False(box.TouchesBorder);
        Assert.True(labeling.Components[1].TouchesBorder);
        Assert.Same(box, labeling.Largest);
        ImageAssert.SameGeometry(mask, labeling.Labels);
        Assert.Equal(ElementType.Int32, labeling.Labels.ElementType);
        Assert.Equal(1, labeling.Labels.GetValue(3, 2, 5));
        Assert.Equal(2, labeling.Labels.GetValue(8, 6, 11));
    }

    [Fact]
    public void KeepLargestAndRemoveSmallByVolume()
    {
        // Cubes of 27, 8 and 1 voxels at 2 mm spacing (8 mm³ each): 0.216, 0.064 and 0.008 mL.
        var geometry = Masks.Geometry(ImageSize.Of3D(12, 6, 6), new Vector3D(2, 2, 2));
        using var mask = Masks.Create(geometry, (x, y, z) =>
            (x <= 2 && y <= 2 && z <= 2) || (x is >= 5 and <= 6 && y <= 1 && z <= 1) || (x, y, z) == (10, 4, 4) ? 1 : 0);
        using var largest = ConnectedComponents.KeepLargest(mask);
        Assert.Equal(27, Count(largest));
        Assert.Equal(1, largest.GetValue(1, 1, 1));
        using var withoutSmall = ConnectedComponents.RemoveSmall(mask, 0.01);
        Assert.Equal(35, Count(withoutSmall));
        Assert.Equal(0, withoutSmall.GetValue(10, 4, 4));
        using var onlyLarge = ConnectedComponents.RemoveSmall(mask, 0.1);
        Assert.Equal(27, Count(onlyLarge));
        using var empty = Image.Create(geometry, ElementType.Int16);
        using var none = ConnectedComponents.KeepLargest(empty);
        Assert.Equal(0, Count(none));
    }

    [Fact]
    public void CropViewsAndOtherTypesAreRead()
    {
        var geometry = Masks.Geometry(ImageSize.Of3D(10, 10, 10), Vector3D.One);
        using var mask = Masks.Create(geometry, (x, y, z) => x >= 5 && y < 3 && z == 4 ? -7 : 0, ElementType.Int16);
        using var view = mask.Crop(new Index3(4, 0, 2), ImageSize.Of3D(6, 5, 5));
        using var labeling = ConnectedComponents.Label(view);
        var component = Assert.Single(labeling.Components);
        Assert.Equal(15, component.VoxelCount);
        Assert.Equal(new VoxelBounds(new Index3(1, 0, 2), new Index3(5, 2, 2)), component.Bounds);
    }

    [Fact]
    public void RefusesChannelsAndFrames()
    {
        using var rgb = Image.Create(Masks.Geometry(ImageSize.Of3D(2, 2, 2), Vector3D.One), ElementType.UInt8, 3);
        Assert.Throws<ArgumentException>(() => ConnectedComponents.Label(rgb));
        using var scalar = Image.Create(rgb.Geometry, ElementType.UInt8);
        Assert.Throws<ArgumentOutOfRangeException>(() => ConnectedComponents.Label(scalar, (Connectivity)5));
    }

    [Theory]
    [InlineData(Connectivity.Six, 0.27)]
    [InlineData(Connectivity.Eighteen, 0.12)]
    [InlineData(Connectivity.TwentySix, 0.085)]
    [InlineData(Connectivity.Four, 0.5)]
    [InlineData(Connectivity.Eight, 0.36)]
    public void MatchesScipyLabel(Connectivity connectivity, double density)
    {
        // Random masks just under the percolation threshold give many long, branching components that cross the
        // parallel slabs.
        TestData.RequirePython("numpy", "scipy");
        var size = ImageSize.Of3D(41, 33, 37);
        var random = new Random(17 + (int)connectivity);
        var voxels = new byte[size.VoxelCount];
        for (int i = 0; i < voxels.Length; i++)
        {
            voxels[i] = random.NextDouble() < density ? (byte)1 : (byte)0;
        }

        using var folder = TestData.CreateTempFolder();
        Oracle.Write<byte>(folder.File("mask.raw"), voxels);
        const string script = """
            import sys, numpy as np
            from scipy import ndimage
            folder, nx, ny, nz, conn = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
            m = np.fromfile(folder + '/mask.raw', np.uint8).reshape(nz, ny, nx)
            if conn in (4, 8):
                s = np.zeros((3, 3, 3), bool)
                s[1] = ndimage.generate_binary_structure(2, 1 if conn == 4 else 2)
            else:
                s = ndimage.generate_binary_structure(3, {6: 1, 18: 2, 26: 3}[conn])
            labels, n = ndimage.label(m, structure=s)
            labels.astype('<i4').tofile(folder + '/labels.raw')
            print(n)
            """;
        int expectedCount = int.Parse(Oracle.Run(folder, script, size.X, size.Y, size.Z, (int)connectivity).Trim());
        var expected = Oracle.Read<int>(folder.File("labels.raw"));

        using var mask = Masks.FromBytes(Masks.Geometry(size, new Vector3D(0.9, 1.1, 2.5)), voxels);
        using var labeling = ConnectedComponents.Label(mask, connectivity);
        Assert.True(expectedCount > 50, $"only {expectedCount} components");
        Assert.Equal(expectedCount, labeling.Count);
        Assert.Equal(expected, Oracle.Pixels<int>(labeling.Labels));
        var counts = new long[expectedCount + 1];
        foreach (int label in expected)
        {
            counts[label]++;
        }

        for (int label = 1; label <= expectedCount; label++)
        {
            Assert.Equal(counts[label], labeling.Components[label - 1].VoxelCount);
        }
    }

    internal static long Count(Image mask)
    {
        long n = 0;
        foreach (byte b in mask.AsSpan<byte>())
        {
            n += b != 0 ? 1 : 0;
        }

        return n;
    }
}
