using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.IO;
using MedVox.Synthetic;
using MedVox.Testing;

namespace MedVox.Meshing.Tests;

/// <summary>Surfaces of voxelised shapes of known size against their analytic volume, area and topology.</summary>
public class LabelSurfaceTests
{
    private static readonly Vector3D Anisotropic = new(0.8, 0.6, 1.5);

    public static TheoryData<double> Radii => new() { 7.5, 12, 20 };

    [Theory]
    [MemberData(nameof(Radii))]
    public void SphereWithAnisotropicSpacingHasItsVolumeAreaAndTopology(double radius)
    {
        var center = new Vector3D(3.3, -7.1, 12.4);
        var geometry = Shapes.Grid(Vector3D.One * ((2 * radius) + 10), Anisotropic, center + new Vector3D(0.21, -0.17, 0.4));
        using var labels = Shapes.Voxelize(geometry, p => (p - center).Length <= radius);

        var mesh = LabelSurface.Extract(labels, [1]).Mesh;
        var topology = MeshTopology.Analyze(mesh);

        double volume = 4.0 / 3 * Math.PI * radius * radius * radius;
        double area = 4 * Math.PI * radius * radius;
        Assert.InRange(mesh.EnclosedVolume() / volume, 0.98, 1.02);
        Assert.InRange(mesh.SurfaceArea() / area, 0.95, 1.05);
        Assert.Equal(2, topology.EulerCharacteristic);
        Assert.True(topology.IsWatertight, topology.ToString());
        Assert.True(topology.IsManifold, topology.ToString());
        Assert.Equal(1, topology.Components);
        Assert.Equal(0, topology.DegenerateTriangles);
        Assert.Equal(0, topology.DuplicateVertices);
        // The mesh lies where the sphere is: every vertex within a voxel diagonal of the true surface.
        double diagonal = Anisotropic.Length;
        Assert.All(mesh.Vertices, v => Assert.InRange((v - center).Length, radius - diagonal, radius + diagonal));
    }

    [Fact]
    public void PlainMarchingCubesOnTheBinaryMaskOverestimatesAreaAsTheNoteSays()
    {
        // Why the mask is smoothed: the binary staircase gives 10% more area than the sphere has.
        double radius = 12;
        var geometry = Shapes.Grid(Vector3D.One * 34, Anisotropic, Vector3D.Zero);
        using var labels = Shapes.Voxelize(geometry, p => p.Length <= radius);
        var staircase = LabelSurface.Extract(labels, [1], new SurfaceOptions { SmoothingSigma = 0, MatchVoxelVolume = false }).Mesh;
        Assert.True(staircase.SurfaceArea() / (4 * Math.PI * radius * radius) > 1.08);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ObliqueEllipsoidHasItsVolumeAndArea(bool mirrored)
    {
        // Semi-axes along a rotated frame, on a grid whose direction is oblique too (and left-handed when mirrored).
        double a = 16, b = 10, c = 12;
        var axes = Rotation(0.5, -0.3, 0.8);
        var direction = Rotation(-0.2, 0.35, 0.1);
        if (mirrored)
        {
            direction = Matrix3D.FromColumns(-direction.Column(0), direction.Column(1), direction.Column(2));
        }

        var center = new Vector3D(-40, 25, 100);
        var geometry = Shapes.Grid(Vector3D.One * 44, Anisotropic, center, direction);
        var inverse = axes.Transposed();
        using var labels = Shapes.Voxelize(geometry, p =>
        {
            var q = inverse * (p - center);
            return ((q.X * q.X) / (a * a)) + ((q.Y * q.Y) / (b * b)) + ((q.Z * q.Z) / (c * c)) <= 1;
        });

        var mesh = LabelSurface.Extract(labels, [1]).Mesh;
        var topology = MeshTopology.Analyze(mesh);

        Assert.InRange(mesh.EnclosedVolume() / (4.0 / 3 * Math.PI * a * b * c), 0.98, 1.02);
        Assert.InRange(mesh.SurfaceArea() / Shapes.EllipsoidArea(a, b, c), 0.95, 1.05);
        Assert.Equal(2, topology.EulerCharacteristic);
        Assert.True(topology.IsWatertight && topology.IsManifold, topology.ToString());
    }

    [Fact]
    public void TorusHasEulerCharacteristicZero()
    {
        double major = 14, minor = 5;
        var geometry = Shapes.Grid(new Vector3D(44, 44, 16), Anisotropic, Vector3D.Zero);
        using var labels = Shapes.Voxelize(geometry, p =>
        {
            double ring = Math.Sqrt((p.X * p.X) + (p.Y * p.Y)) - major;
            return (ring * ring) + (p.Z * p.Z) <= minor * minor;
        });

        var mesh = LabelSurface.Extract(labels, [1]).Mesh;
        var topology = MeshTopology.Analyze(mesh);

        Assert.Equal(0, topology.EulerCharacteristic);
        Assert.True(topology.IsWatertight && topology.IsManifold, topology.ToString());
        Assert.InRange(mesh.EnclosedVolume() / (2 * Math.PI * Math.PI * major * minor * minor), 0.97, 1.03);
        Assert.InRange(mesh.SurfaceArea() / (4 * Math.PI * Math.PI * major * minor), 0.95, 1.05);
    }

    [Fact]
    public void TwoSpheresGiveTwoComponentsAndEulerFour()
    {
        var geometry = Shapes.Grid(new Vector3D(50, 24, 24), Anisotropic, Vector3D.Zero);
        using var labels = Shapes.Voxelize(geometry, p => (p - new Vector3D(-12, 0, 0)).Length <= 8 || (p - new Vector3D(12, 0, 0)).Length <= 6);
        var topology = MeshTopology.Analyze(LabelSurface.Extract(labels, [1]).Mesh);
        Assert.Equal(2, topology.Components);
        Assert.Equal(4, topology.EulerCharacteristic);
    }

    [Fact]
    public void EveryPhantomOrganKeepsItsVoxelVolumeAndIsClosed()
    {
        using var phantom = PhantomDatasets.GenerateCase(PhantomKind.Abdomen, new PhantomOptions { Size = 96 }, 0, cancellation: TestContext.Current.CancellationToken);
        var inventory = LabelInventory.Scan(phantom.Labels);
        int meshed = 0;
        foreach (var (name, value) in PhantomDatasets.LabelNames(PhantomKind.Abdomen))
        {
            if (value == 0)
            {
                continue;
            }

            var organ = OrganSurface.Build(phantom.Labels, new MeshLabel(name, value), inventory);
            var sp = phantom.Labels.Geometry.Spacing;
            long voxels = inventory.Extents[value].VoxelCount;
            Assert.Equal(voxels * sp.X * sp.Y * sp.Z / 1000, organ.VoxelVolumeMl, 9);
            Assert.InRange(organ.VolumeMl / organ.VoxelVolumeMl, 0.97, 1.03);
            Assert.True(organ.Topology.IsWatertight, $"{name}: {organ.Topology}");
            Assert.True(organ.Topology.IsManifold, $"{name}: {organ.Topology}");
            Assert.Equal(0, organ.Topology.DegenerateTriangles);
            Assert.Equal(0, organ.Topology.DuplicateVertices);
            meshed++;
        }

        Assert.Equal(14, meshed);
    }

    [Fact]
    public void LpsAndRasFilesOfTheSameOrganGiveTheSameWorldMesh()
    {
        using var folder = TestData.CreateTempFolder();
        // An organ without symmetry (an ellipsoid with a bump), on an anisotropic grid stored in LPS index order.
        var geometry = new ImageGeometry(ImageSize.Of3D(40, 34, 22), new Vector3D(0.9, 0.7, 1.6), new Vector3D(-20, -15, 30), Matrix3D.Identity);
        var center = geometry.IndexToPhysical(19.3, 16.2, 10.7);
        using var lps = Shapes.Voxelize(geometry, p =>
        {
            var q = p - center;
            return ((q.X * q.X / 144) + (q.Y * q.Y / 64) + (q.Z * q.Z / 100) <= 1) || (q - new Vector3D(9, 5, 3)).Length < 4;
        });
        using var ras = lps.Reorient("RAS");
        Assert.Equal("LPS", lps.Geometry.OrientationCode);
        Assert.Equal("RAS", ras.Geometry.OrientationCode);
        ImageFile.Write(lps, folder.File("lps.nii.gz"));
        ImageFile.Write(ras, folder.File("ras.nii.gz"));
        using var fromLps = ImageFile.Read(folder.File("lps.nii.gz"));
        using var fromRas = ImageFile.Read(folder.File("ras.nii.gz"));

        // At a fixed level the vertices are the same points (one per crossed grid edge, interpolated from the same
        // values; float sums in the other order differ in the last bits).
        var fixedLevel = new SurfaceOptions { MatchVoxelVolume = false };
        var a = LabelSurface.Extract(fromLps, [1], fixedLevel).Mesh;
        var b = LabelSurface.Extract(fromRas, [1], fixedLevel).Mesh;
        Assert.Equal(a.VertexCount, b.VertexCount);
        Assert.True(MaxNearestDistance(a, b) < 1e-3, $"vertices differ by {MaxNearestDistance(a, b)} mm");
        Assert.Equal(a.EnclosedVolume(), b.EnclosedVolume(), 0.001 * a.EnclosedVolume());
        Assert.True(a.EnclosedVolume() > 0 && b.EnclosedVolume() > 0);

        // With the default volume-matched level too, and both still outward.
        var c = LabelSurface.Extract(fromLps, [1]).Mesh;
        var d = LabelSurface.Extract(fromRas, [1]).Mesh;
        Assert.True(MaxNearestDistance(c, d) < 0.01, $"vertices differ by {MaxNearestDistance(c, d)} mm");
        Assert.Equal(c.EnclosedVolume(), d.EnclosedVolume(), 0.001 * c.EnclosedVolume());
        Assert.Equal(c.SurfaceArea(), d.SurfaceArea(), 0.001 * c.SurfaceArea());
    }

    [Fact]
    public void LabelTouchingTheBorderIsClosedAndReported()
    {
        // A box filling the image up to the x = 0 and z = last faces.
        var geometry = new ImageGeometry(ImageSize.Of3D(20, 20, 12), new Vector3D(1, 1, 2), Vector3D.Zero, Matrix3D.Identity);
        using var labels = Shapes.Voxelize(geometry, p => p.X <= 8 && p.Y is >= 4 and <= 14 && p.Z >= 10, value: 3);
        var inventory = LabelInventory.Scan(labels);

        var organ = OrganSurface.Build(labels, new MeshLabel("block", 3), inventory);

        Assert.True(organ.Topology.IsWatertight && organ.Topology.IsManifold, organ.Topology.ToString());
        Assert.Equal(2, organ.Topology.EulerCharacteristic);
        Assert.Equal(["x=0", "z=last"], organ.BorderSides);
        Assert.InRange(organ.VolumeMl / organ.VoxelVolumeMl, 0.99, 1.01);
        // Closed just beyond the border (the faces of the outermost voxels lie at x = -0.5 and z = 23).
        var (min, max) = organ.Mesh.Bounds();
        Assert.InRange(min.X, -1, -0.25);
        Assert.InRange(max.Z, 22.5, 24);
    }

    [Fact]
    public void EmptyLabelGivesAnEmptySurface()
    {
        var geometry = new ImageGeometry(ImageSize.Of3D(8, 8, 8));
        using var labels = Shapes.Voxelize(geometry, p => p.Length < 3);
        var organ = OrganSurface.Build(labels, new MeshLabel("tumour", 5), LabelInventory.Scan(labels));
        Assert.True(organ.IsEmpty);
        Assert.True(organ.Mesh.IsEmpty);
        Assert.Equal(0, organ.VoxelVolumeMl);
    }

    [Fact]
    public void BadLabelMapsAreRefusedWithAClearMessage()
    {
        using var flat = Image.Create(new ImageGeometry(ImageSize.Of2D(16, 16)), ElementType.UInt8);
        var error = Assert.Throws<MedVoxException>(() => LabelInventory.Scan(flat, "xray.png"));
        Assert.Equal("xray.png: is a 2D image (16x16); surfaces need a 3D label map; mesh a 3D segmentation (a stack of slices)", error.Message);

        using var fractional = Image.Create(new ImageGeometry(ImageSize.Of3D(4, 4, 4)), ElementType.Float32);
        fractional.SetValue(1, 2, 3, 0.5);
        error = Assert.Throws<MedVoxException>(() => LabelInventory.Scan(fractional, "prob.nii"));
        Assert.StartsWith("prob.nii: is not a label map: voxel (1, 2, 3) holds 0.5", error.Message, StringComparison.Ordinal);

        using var negative = Image.Create(new ImageGeometry(ImageSize.Of3D(4, 4, 4)), ElementType.Int16);
        negative.SetValue(0, 0, 0, -1);
        Assert.Throws<MedVoxException>(() => LabelInventory.Scan(negative));

        using var series = Image.Create(new ImageGeometry(ImageSize.Of4D(4, 4, 4, 2)), ElementType.UInt8);
        Assert.Contains("4D image", Assert.Throws<MedVoxException>(() => LabelInventory.Scan(series)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InventoryCountsAndBoxesEveryValue()
    {
        var geometry = new ImageGeometry(ImageSize.Of3D(30, 20, 10));
        using var labels = Image.Create(geometry, ElementType.UInt16);
        labels.SetValue(3, 4, 5, 700);
        labels.SetValue(9, 1, 2, 700);
        labels.SetValue(29, 19, 9, 2);
        var inventory = LabelInventory.Scan(labels);
        Assert.Equal([2L, 700L], inventory.Values);
        Assert.Equal(new LabelExtent(2, new VoxelBox(3, 1, 2, 9, 4, 5)), inventory.Extents[700]);
        Assert.Equal(new LabelExtent(1, new VoxelBox(29, 19, 9, 29, 19, 9)), inventory.Extents[2]);
    }

    internal static double MaxNearestDistance(TriangleMesh a, TriangleMesh b)
    {
        // Nearest neighbours through a hash grid of 1 mm cells.
        var cells = new Dictionary<(long, long, long), List<Vector3D>>();
        foreach (var v in b.Vertices)
        {
            var key = ((long)Math.Floor(v.X), (long)Math.Floor(v.Y), (long)Math.Floor(v.Z));
            if (!cells.TryGetValue(key, out var list))
            {
                cells[key] = list = [];
            }

            list.Add(v);
        }

        double worst = 0;
        foreach (var v in a.Vertices)
        {
            double best = double.MaxValue;
            long cx = (long)Math.Floor(v.X), cy = (long)Math.Floor(v.Y), cz = (long)Math.Floor(v.Z);
            for (long dx = -1; dx <= 1; dx++)
            {
                for (long dy = -1; dy <= 1; dy++)
                {
                    for (long dz = -1; dz <= 1; dz++)
                    {
                        if (cells.TryGetValue((cx + dx, cy + dy, cz + dz), out var list))
                        {
                            foreach (var w in list)
                            {
                                best = Math.Min(best, (w - v).Length);
                            }
                        }
                    }
                }
            }

            worst = Math.Max(worst, best);
        }

        return worst;
    }

    private static Matrix3D Rotation(double ax, double ay, double az)
    {
        var rx = new Matrix3D(1, 0, 0, 0, Math.Cos(ax), -Math.Sin(ax), 0, Math.Sin(ax), Math.Cos(ax));
        var ry = new Matrix3D(Math.Cos(ay), 0, Math.Sin(ay), 0, 1, 0, -Math.Sin(ay), 0, Math.Cos(ay));
        var rz = new Matrix3D(Math.Cos(az), -Math.Sin(az), 0, Math.Sin(az), Math.Cos(az), 0, 0, 0, 1);
        return rz * ry * rx;
    }
}
