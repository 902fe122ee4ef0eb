using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Classical.Tests;

public class MorphologyTests
{
    private static readonly Vector3D Anisotropic = new(0.8, 0.9, 2.0);

    [Theory]
    [InlineData(12.0, 4.0)]
    [InlineData(15.0, 9.5)]
    public void ErodingASphereByRLeavesRadiusRMinusR(double sphere, double radius)
    {
        // A digital sphere of radius R at anisotropic spacing, eroded by a ball of r, is the digital sphere of R - r up
        // to the voxels within one (largest) spacing of that surface.
        var (geometry, centre) = SphereGrid(sphere);
        using var mask = Sphere(geometry, centre, sphere);
        using var eroded = Morphology.Erode(mask, radius);
        ImageAssert.SameGeometry(mask, eroded);
        AssertBall(eroded, centre, sphere - radius, Anisotropic.Z);
        using var dilated = Morphology.Dilate(mask, radius);
        AssertBall(dilated, centre, sphere + radius, Anisotropic.Z);
    }

    [Fact]
    public void MatchesBruteForceBallWithBorderIgnored()
    {
        // Independent oracle: every offset of physical length <= r, voxels outside the image counting for neither side.
        var size = ImageSize.Of3D(17, 13, 9);
        var spacing = new Vector3D(0.7, 1.3, 2.1);
        var voxels = Masks.RandomBlobs(size, spacing, seed: 4, blobs: 4, noise: 0.05);
        using var mask = Masks.FromBytes(Masks.Geometry(size, spacing), voxels);
        foreach (double r in new[] { 1.3, 2.1, 2.6, 4.2 })
        {
            using var dilated = Morphology.Dilate(mask, r);
            using var eroded = Morphology.Erode(mask, r);
            Assert.Equal(BruteForce(voxels, size, spacing, r, dilate: true), dilated.AsSpan<byte>().ToArray());
            Assert.Equal(BruteForce(voxels, size, spacing, r, dilate: false), eroded.AsSpan<byte>().ToArray());
        }
    }

    [Fact]
    public void MatchesScipyBinaryDilationAndErosionWithTheBall()
    {
        TestData.RequirePython("numpy", "scipy");
        var size = ImageSize.Of3D(45, 38, 21);
        var spacing = new Vector3D(0.75, 0.9, 2.5);
        var voxels = Masks.RandomBlobs(size, spacing, seed: 9, blobs: 5, noise: 0.02);
        const double radius = 3.1;
        using var folder = TestData.CreateTempFolder();
        Oracle.Write<byte>(folder.File("mask.raw"), voxels);
        const string script = """
            import sys, numpy as np
            from scipy import ndimage
            f = sys.argv[1]; nx, ny, nz = (int(v) for v in sys.argv[2:5]); sx, sy, sz, r = (float(v) for v in sys.argv[5:9])
            m = np.fromfile(f + '/mask.raw', np.uint8).reshape(nz, ny, nx).astype(bool)
            rz, ry, rx = (int(r // s) for s in (sz, sy, sx))
            z, y, x = np.mgrid[-rz:rz + 1, -ry:ry + 1, -rx:rx + 1]
            ball = (z * sz) ** 2 + (y * sy) ** 2 + (x * sx) ** 2 <= r * r * (1 + 1e-9)
            ndimage.binary_dilation(m, ball, border_value=0).astype(np.uint8).tofile(f + '/dilated.raw')
            # Outside counts as foreground for the erosion: it must not eat in from the border.
            ndimage.binary_erosion(m, ball, border_value=1).astype(np.uint8).tofile(f + '/eroded.raw')
            opened = ndimage.binary_dilation(ndimage.binary_erosion(m, ball, border_value=1), ball, border_value=0)
            opened.astype(np.uint8).tofile(f + '/opened.raw')
            closed = ndimage.binary_erosion(ndimage.binary_dilation(m, ball, border_value=0), ball, border_value=1)
            closed.astype(np.uint8).tofile(f + '/closed.raw')
            """;
        Oracle.Run(folder, script, size.X, size.Y, size.Z, spacing.X, spacing.Y, spacing.Z, radius);
        using var mask = Masks.FromBytes(Masks.Geometry(size, spacing), voxels);
        using var dilated = Morphology.Dilate(mask, radius);
        using var eroded = Morphology.Erode(mask, radius);
        using var opened = Morphology.Open(mask, radius);
        using var closed = Morphology.Close(mask, radius);
        Assert.Equal(Oracle.Read<byte>(folder.File("dilated.raw")), Oracle.Pixels<byte>(dilated));
        Assert.Equal(Oracle.Read<byte>(folder.File("eroded.raw")), Oracle.Pixels<byte>(eroded));
        Assert.Equal(Oracle.Read<byte>(folder.File("opened.raw")), Oracle.Pixels<byte>(opened));
        Assert.Equal(Oracle.Read<byte>(folder.File("closed.raw")), Oracle.Pixels<byte>(closed));
    }

    [Fact]
    public void OpeningCutsABridgeClosingFillsAGap()
    {
        // Two 7-voxel cubes (1 mm) joined by a 1-voxel bridge: opening by 1.5 mm separates them and, since the ball
        // reaches (1, 1, 0) but not (1, 1, 1), takes each cube's 8 corners. Two cubes 2 voxels apart: closing by 1.5 mm
        // gives the box around both but for the 8 gap voxels on the box' edges (x = 9, 10 at y, z = 2 or 8), which a
        // ball centred diagonally outside them holds without touching either cube.
        var geometry = Masks.Geometry(ImageSize.Of3D(24, 11, 11), Vector3D.One);
        using var bridged = Masks.Create(geometry, (x, y, z) =>
            (y is >= 2 and <= 8 && z is >= 2 and <= 8 && (x is >= 2 and <= 8 || x is >= 12 and <= 18)) || (x is > 8 and < 12 && y == 5 && z == 5) ? 1 : 0);
        using var opened = Morphology.Open(bridged, 1.5);
        using (var parts = ConnectedComponents.Label(opened, Connectivity.Six))
        {
            Assert.Equal(2, parts.Count);
            Assert.All(parts.Components, c => Assert.Equal(343 - 8, c.VoxelCount));
        }

        using var apart = Masks.Create(geometry, (x, y, z) => y is >= 2 and <= 8 && z is >= 2 and <= 8 && (x is >= 2 and <= 8 || x is >= 11 and <= 17) ? 1 : 0);
        using var closed = Morphology.Close(apart, 1.5);
        using var joined = ConnectedComponents.Label(closed, Connectivity.Six);
        var whole = Assert.Single(joined.Components);
        Assert.Equal((16 * 7 * 7) - 8, whole.VoxelCount);
        Assert.Equal(0, closed.GetValue(9, 2, 8));
        Assert.Equal(1, closed.GetValue(10, 2, 7));
        Assert.Equal(new VoxelBounds(new Index3(2, 2, 2), new Index3(17, 8, 8)), whole.Bounds);
    }

    [Fact]
    public void FillsEnclosedCavitiesOnly()
    {
        // A hollow cube is filled; a tube along z (open at both ends) is filled per slice but not in 3D.
        var geometry = Masks.Geometry(ImageSize.Of3D(12, 12, 12), Vector3D.One);
        using var hollow = Masks.Create(geometry, (x, y, z) =>
            x is >= 2 and <= 9 && y is >= 2 and <= 9 && z is >= 2 and <= 9 && !(x is >= 4 and <= 7 && y is >= 4 and <= 7 && z is >= 4 and <= 7) ? 1 : 0);
        using var filled = Morphology.FillHoles(hollow);
        Assert.Equal(512, ConnectedComponentsTests.Count(filled));
        using var tube = Masks.Create(geometry, (x, y, _) => x is >= 2 and <= 9 && y is >= 2 and <= 9 && !(x is >= 4 and <= 7 && y is >= 4 and <= 7) ? 1 : 0);
        using var tube3D = Morphology.FillHoles(tube);
        using var tubeSlices = Morphology.FillHoles(tube, perSlice: true);
        Assert.Equal(ConnectedComponentsTests.Count(tube), ConnectedComponentsTests.Count(tube3D));
        Assert.Equal(64 * 12, ConnectedComponentsTests.Count(tubeSlices));
    }

    [Fact]
    public void FillHolesMatchesScipy()
    {
        TestData.RequirePython("numpy", "scipy");
        var size = ImageSize.Of3D(31, 27, 19);
        var random = new Random(3);
        var voxels = new byte[size.VoxelCount];
        for (int i = 0; i < voxels.Length; i++)
        {
            voxels[i] = random.NextDouble() < 0.62 ? (byte)1 : (byte)0;
        }

        using var folder = TestData.CreateTempFolder();
        Oracle.Write<byte>(folder.File("mask.raw"), voxels);
        const string script = """
            import sys, numpy as np
            from scipy import ndimage
            f = sys.argv[1]; nx, ny, nz = (int(v) for v in sys.argv[2:5])
            m = np.fromfile(f + '/mask.raw', np.uint8).reshape(nz, ny, nx).astype(bool)
            ndimage.binary_fill_holes(m).astype(np.uint8).tofile(f + '/filled.raw')
            np.stack([ndimage.binary_fill_holes(s) for s in m]).astype(np.uint8).tofile(f + '/slices.raw')
            """;
        Oracle.Run(folder, script, size.X, size.Y, size.Z);
        using var mask = Masks.FromBytes(Masks.Geometry(size, Anisotropic), voxels);
        using var filled = Morphology.FillHoles(mask);
        using var slices = Morphology.FillHoles(mask, perSlice: true);
        var expected = Oracle.Read<byte>(folder.File("filled.raw"));
        Assert.Equal(expected, Oracle.Pixels<byte>(filled));
        Assert.Equal(Oracle.Read<byte>(folder.File("slices.raw")), Oracle.Pixels<byte>(slices));
        Assert.True(ConnectedComponentsTests.Count(filled) > ConnectedComponentsTests.Count(mask), "the random mask should have holes");
    }

    [Fact]
    public void EmptyAndZeroRadiusAreIdentities()
    {
        var geometry = Masks.Geometry(ImageSize.Of3D(6, 6, 6), Vector3D.One);
        using var empty = Image.Create(geometry, ElementType.Float32);
        using var grown = Morphology.Dilate(empty, 3);
        Assert.Equal(0, ConnectedComponentsTests.Count(grown));
        using var box = Masks.Box(geometry, new Index3(1, 1, 1), new Index3(3, 4, 5));
        using var same = Morphology.Erode(box, 0);
        Assert.Equal(Oracle.Pixels<byte>(box), Oracle.Pixels<byte>(same));
        Assert.Throws<ArgumentOutOfRangeException>(() => Morphology.Dilate(box, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Morphology.Close(box, double.NaN));
    }

    private static (ImageGeometry Geometry, Vector3D Centre) SphereGrid(double radius)
    {
        double extent = (2 * radius) + 24;
        var size = ImageSize.Of3D((int)(extent / Anisotropic.X), (int)(extent / Anisotropic.Y), (int)(extent / Anisotropic.Z));
        var geometry = Masks.Geometry(size, Anisotropic);
        return (geometry, geometry.IndexToPhysical((size.X - 1) / 2.0 + 0.3, (size.Y - 1) / 2.0 - 0.2, (size.Z - 1) / 2.0 + 0.1));
    }

    private static Image Sphere(ImageGeometry geometry, Vector3D centre, double radius) =>
        Masks.Create(geometry, (x, y, z) => (geometry.IndexToPhysical(x, y, z) - centre).Length <= radius ? 1 : 0);

    /// <summary>Every voxel closer than R - tolerance is set, every voxel farther than R + tolerance is not.</summary>
    private static void AssertBall(Image mask, Vector3D centre, double radius, double tolerance)
    {
        var geometry = mask.Geometry;
        int inside = 0;
        for (int z = 0; z < mask.Size.Z; z++)
        {
            for (int y = 0; y < mask.Size.Y; y++)
            {
                for (int x = 0; x < mask.Size.X; x++)
                {
                    double d = (geometry.IndexToPhysical(x, y, z) - centre).Length;
                    bool set = mask.GetValue(x, y, z) != 0;
                    inside += set ? 1 : 0;
                    if (d < radius - tolerance)
                    {
                        Assert.True(set, $"({x}, {y}, {z}) at {d:F2} mm should be inside the {radius} mm ball");
                    }
                    else if (d > radius + tolerance)
                    {
                        Assert.False(set, $"({x}, {y}, {z}) at {d:F2} mm should be outside the {radius} mm ball");
                    }
                }
            }
        }

        // The radius of the ball with the same volume is within half the largest spacing.
        double volume = inside * geometry.Spacing.X * geometry.Spacing.Y * geometry.Spacing.Z;
        double equivalent = Math.Cbrt(volume * 3 / (4 * Math.PI));
        Assert.InRange(equivalent, radius - (tolerance / 2), radius + (tolerance / 2));
    }

    private static byte[] BruteForce(byte[] voxels, ImageSize size, Vector3D spacing, double r, bool dilate)
    {
        int rx = (int)(r / spacing.X), ry = (int)(r / spacing.Y), rz = (int)(r / spacing.Z);
        var result = new byte[voxels.Length];
        for (int z = 0; z < size.Z; z++)
        {
            for (int y = 0; y < size.Y; y++)
            {
                for (int x = 0; x < size.X; x++)
                {
                    bool any = false, all = true;
                    for (int dz = -rz; dz <= rz; dz++)
                    {
                        for (int dy = -ry; dy <= ry; dy++)
                        {
                            for (int dx = -rx; dx <= rx; dx++)
                            {
                                double d2 = Math.Pow(dx * spacing.X, 2) + Math.Pow(dy * spacing.Y, 2) + Math.Pow(dz * spacing.Z, 2);
                                int xx = x + dx, yy = y + dy, zz = z + dz;
                                if (d2 > r * r * (1 + 1e-9) || xx < 0 || yy < 0 || zz < 0 || xx >= size.X || yy >= size.Y || zz >= size.Z)
                                {
                                    continue;
                                }

                                bool set = voxels[(((zz * size.Y) + yy) * size.X) + xx] != 0;
                                any |= set;
                                all &= set;
                            }
                        }
                    }

                    result[(((z * size.Y) + y) * size.X) + x] = (byte)((dilate ? any : all) ? 1 : 0);
                }
            }
        }

        return result;
    }
}
