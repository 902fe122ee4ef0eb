using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Meshing.Tests;

public class SmoothingAndDecimationTests
{
    private const double Radius = 12;

    [Fact]
    public void TaubinRemovesTheStaircaseAndKeepsTheVolume()
    {
        using var labels = Sphere();
        var staircase = LabelSurface.Extract(labels, [1], new SurfaceOptions { SmoothingSigma = 0 }).Mesh;
        double area = 4 * Math.PI * Radius * Radius;
        double volume = staircase.EnclosedVolume();

        var smoothed = TaubinSmoothing.Smooth(staircase, 30);

        Assert.True(Math.Abs((staircase.SurfaceArea() / area) - 1) > 0.08, "the staircase should start with too much area");
        Assert.InRange(smoothed.SurfaceArea() / area, 0.97, 1.05);
        Assert.InRange(smoothed.EnclosedVolume() / volume, 0.99, 1.01);
        var topology = MeshTopology.Analyze(smoothed);
        Assert.True(topology.IsWatertight && topology.IsManifold && topology.DegenerateTriangles == 0, topology.ToString());
        Assert.Equal(staircase.Triangles, smoothed.Triangles);
    }

    [Fact]
    public void TaubinShrinksFarLessThanLaplacianSmoothing()
    {
        // Plain Laplacian smoothing is Taubin with μ = 0 in effect: the λ steps alone shrink the sphere.
        using var labels = Sphere();
        var mesh = LabelSurface.Extract(labels, [1]).Mesh;
        double before = mesh.EnclosedVolume();
        double taubin = TaubinSmoothing.Smooth(mesh, 50).EnclosedVolume();
        double laplacian = LaplacianOnly(mesh, 100).EnclosedVolume();
        Assert.InRange(taubin / before, 0.99, 1.01);
        Assert.True(laplacian / before < 0.97, $"Laplacian kept {laplacian / before:P1}");
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void DecimationKeepsTheSphereClosedAndItsVolume(double reduction)
    {
        using var labels = Sphere();
        var mesh = LabelSurface.Extract(labels, [1]).Mesh;

        var decimated = QuadricDecimation.Decimate(mesh, reduction);

        var topology = MeshTopology.Analyze(decimated);
        Assert.InRange(decimated.TriangleCount, (1 - reduction) * mesh.TriangleCount * 0.98, (1 - reduction) * mesh.TriangleCount * 1.02);
        Assert.True(topology.IsWatertight && topology.IsManifold, topology.ToString());
        Assert.Equal(2, topology.EulerCharacteristic);
        Assert.Equal(0, topology.DegenerateTriangles);
        Assert.Equal(0, topology.DuplicateVertices);
        Assert.InRange(decimated.EnclosedVolume() / mesh.EnclosedVolume(), 0.99, 1.01);
        Assert.InRange(decimated.SurfaceArea() / mesh.SurfaceArea(), 0.98, 1.01);
        // Still a sphere: every vertex near the true surface.
        Assert.All(decimated.Vertices, v => Assert.InRange(v.Length, Radius - 1.5, Radius + 1.5));
    }

    [Fact]
    public void DecimationKeepsTheHoleOfATorus()
    {
        var geometry = Shapes.Grid(new Vector3D(40, 40, 14), new Vector3D(0.7, 0.7, 1), Vector3D.Zero);
        using var labels = Shapes.Voxelize(geometry, p =>
        {
            double ring = Math.Sqrt((p.X * p.X) + (p.Y * p.Y)) - 12;
            return (ring * ring) + (p.Z * p.Z) <= 16;
        });
        var mesh = LabelSurface.Extract(labels, [1]).Mesh;
        var decimated = QuadricDecimation.Decimate(mesh, 0.95);
        var topology = MeshTopology.Analyze(decimated);
        Assert.True(topology.IsWatertight && topology.IsManifold, topology.ToString());
        Assert.Equal(0, topology.EulerCharacteristic);
    }

    [Fact]
    public void OrganPipelineReportsTheVolumeChangeOfEachStep()
    {
        using var labels = Sphere();
        var organ = OrganSurface.Build(labels, new MeshLabel("ball", 1), LabelInventory.Scan(labels), new SurfaceOptions { SmoothingIterations = 10, Decimation = 0.5 });
        Assert.NotNull(organ.SmoothingVolumeChange);
        Assert.NotNull(organ.DecimationVolumeChange);
        double expected = organ.ExtractedVolumeMl * (1 + organ.SmoothingVolumeChange!.Value) * (1 + organ.DecimationVolumeChange!.Value);
        Assert.Equal(expected, organ.VolumeMl, 1e-9 * expected);
        Assert.Equal(organ.Mesh.EnclosedVolume() / 1000, organ.VolumeMl, 1e-12);
        Assert.True(organ.Topology.IsWatertight);
    }

    [Fact]
    public void OptionsOutOfRangeAreRefused()
    {
        using var labels = Sphere();
        Assert.Throws<ArgumentOutOfRangeException>(() => LabelSurface.Extract(labels, [1], new SurfaceOptions { Decimation = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => LabelSurface.Extract(labels, [1], new SurfaceOptions { SmoothingSigma = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => QuadricDecimation.Decimate(TriangleMesh.Empty, -0.1));
    }

    private static Image Sphere()
    {
        var geometry = Shapes.Grid(Vector3D.One * 32, new Vector3D(0.9, 0.8, 1.2), Vector3D.Zero);
        return Shapes.Voxelize(geometry, p => p.Length <= Radius);
    }

    private static TriangleMesh LaplacianOnly(TriangleMesh mesh, int steps)
    {
        var (start, neighbours) = TaubinSmoothing.Neighbours(mesh);
        var positions = (Vector3D[])mesh.Vertices.Clone();
        for (int s = 0; s < steps; s++)
        {
            var next = new Vector3D[positions.Length];
            for (int v = 0; v < positions.Length; v++)
            {
                var sum = Vector3D.Zero;
                for (int i = start[v]; i < start[v + 1]; i++)
                {
                    sum += positions[neighbours[i]];
                }

                next[v] = positions[v] + (0.5 * ((sum / (start[v + 1] - start[v])) - positions[v]));
            }

            positions = next;
        }

        return new TriangleMesh(positions, mesh.Triangles);
    }
}
