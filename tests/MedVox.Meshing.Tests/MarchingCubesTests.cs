using System.Globalization;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Meshing.Tests;

public class MarchingCubesTests
{
    public static TheoryData<int, bool> Seeds()
    {
        var data = new TheoryData<int, bool>();
        for (int seed = 1; seed <= 6; seed++)
        {
            data.Add(seed, seed % 2 == 0);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void NoiseGivesAClosedOrientedManifold(int seed, bool mirrored)
    {
        // Uniform noise makes every case, ambiguous faces and centre vertices included, and spans three slabs; the
        // zero border keeps the surface inside the image so it must close.
        var random = new Random(seed);
        var direction = mirrored ? new Matrix3D(-1, 0, 0, 0, 1, 0, 0, 0, 1) : Matrix3D.Identity;
        var geometry = new ImageGeometry(ImageSize.Of3D(11, 9, 41), new Vector3D(0.7, 1.1, 0.9), new Vector3D(5, -3, 8), direction);
        using var field = Image.Create(geometry, ElementType.Float32);
        for (int z = 1; z < 40; z++)
        {
            for (int y = 1; y < 8; y++)
            {
                var row = field.GetRow<float>(y, z);
                for (int x = 1; x < 10; x++)
                {
                    row[x] = random.NextSingle();
                }
            }
        }

        var mesh = MarchingCubes.Extract(field, 0.5);
        var topology = MeshTopology.Analyze(mesh);

        Assert.True(topology.Triangles > 500);
        Assert.True(topology.IsWatertight, topology.ToString());
        Assert.True(topology.IsManifold, topology.ToString());
        Assert.Equal(0, topology.DegenerateTriangles);
        Assert.Equal(0, topology.DuplicateVertices);
        double volume = mesh.EnclosedVolume();
        Assert.True(volume > 0, "normals point inward");
        // The volume-only walk sees the same triangles.
        var sp = geometry.Spacing;
        double walked = MarchingCubes.EnclosedIndexVolume(new ScalarVolume.Slices(field), 0.5f) * sp.X * sp.Y * sp.Z;
        Assert.Equal(volume, walked, 1e-9 * volume);
    }

    [Fact]
    public void SlabCountDoesNotChangeTheSurface()
    {
        // 40 layers = three slabs; the same field cut to one slab's height per piece must give the same area.
        var geometry = new ImageGeometry(ImageSize.Of3D(20, 20, 41), new Vector3D(1, 1, 1), Vector3D.Zero, Matrix3D.Identity);
        using var field = Blobs(geometry);
        var mesh = MarchingCubes.Extract(field, 0.5);
        double pieces = 0;
        foreach (var (start, count) in new[] { (0, 17), (16, 17), (32, 9) })
        {
            using var piece = field.Crop(new Index3(0, 0, start), ImageSize.Of3D(20, 20, count));
            pieces += MarchingCubes.Extract(piece, 0.5).SurfaceArea();
        }

        Assert.Equal(pieces, mesh.SurfaceArea(), 1e-9 * pieces);
        Assert.True(MeshTopology.Analyze(mesh).IsWatertight);
    }

    [Fact]
    public void AgreesWithScikitImageOnTheSameField()
    {
        string python = TestData.RequirePython("skimage", "numpy");
        using var folder = TestData.CreateTempFolder();
        var spacing = new Vector3D(0.8, 0.65, 1.3);
        var geometry = new ImageGeometry(ImageSize.Of3D(48, 40, 30), spacing, Vector3D.Zero, Matrix3D.Identity);
        using var field = Blobs(geometry);
        File.WriteAllBytes(folder.File("field.raw"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(field.AsSpan<float>()).ToArray());

        // skimage's Lewiner marching cubes on the same values and spacing (arrays are z, y, x).
        var (code, output, error) = ProcessRunner.Run(python, ["-c", """
            import sys, numpy as np
            from skimage import measure
            f = np.fromfile(sys.argv[1], np.float32).reshape(30, 40, 48)
            v, faces, n, _ = measure.marching_cubes(f, level=0.5, spacing=(1.3, 0.65, 0.8))
            a, b, c = v[faces[:, 0]], v[faces[:, 1]], v[faces[:, 2]]
            volume = abs(np.einsum('ij,ij->i', a, np.cross(b, c)).sum() / 6)
            print(len(v), len(faces), measure.mesh_surface_area(v, faces), volume)
            np.savetxt(sys.argv[2], v[:, ::-1])
            """, folder.File("field.raw"), folder.File("vertices.txt")]);
        Assert.True(code == 0, error);
        var values = output.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();

        var mesh = MarchingCubes.Extract(field, 0.5);

        Assert.Equal((int)values[0], mesh.VertexCount);
        Assert.Equal((int)values[1], mesh.TriangleCount);
        Assert.Equal(values[2], mesh.SurfaceArea(), 2e-3 * values[2]);
        Assert.Equal(values[3], mesh.EnclosedVolume(), 1e-3 * values[3]);
        var theirs = File.ReadAllLines(folder.File("vertices.txt")).Select(line =>
        {
            var p = line.Split(' ').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            return new Vector3D(p[0], p[1], p[2]);
        }).ToArray();
        double distance = LabelSurfaceTests.MaxNearestDistance(new TriangleMesh(theirs, []), mesh);
        // The same points, but for the few MedVox keeps 0.1% of an edge away from a grid point (no sliver triangles).
        Assert.True(distance < 1e-3 * 1.3, $"vertices differ from skimage's by up to {distance} mm");
    }

    [Fact]
    public void SurfaceReachingTheImageBorderStaysOpenThere()
    {
        // MarchingCubes.Extract does not pad (LabelSurface does): a field above the level at the border leaves a hole.
        var geometry = new ImageGeometry(ImageSize.Of3D(10, 10, 10));
        using var field = Image.Create(geometry, ElementType.Float32);
        for (int z = 0; z < 10; z++)
        {
            for (int y = 0; y < 10; y++)
            {
                var row = field.GetRow<float>(y, z);
                for (int x = 0; x < 10; x++)
                {
                    row[x] = x < 4 ? 1 : 0;
                }
            }
        }

        var topology = MeshTopology.Analyze(MarchingCubes.Extract(field, 0.5));
        Assert.False(topology.IsWatertight);
        Assert.True(topology.BoundaryEdges > 0);
    }

    /// <summary>Three overlapping Gaussian blobs, zero at the border.</summary>
    private static Image Blobs(ImageGeometry geometry)
    {
        var image = Image.Create(geometry, ElementType.Float32);
        var size = geometry.Size;
        var extent = Vector3D.Scale(new Vector3D(size.X - 1, size.Y - 1, size.Z - 1), geometry.Spacing);
        var centers = new[] { (new Vector3D(0.35, 0.4, 0.45), 0.16), (new Vector3D(0.62, 0.55, 0.5), 0.13), (new Vector3D(0.5, 0.7, 0.35), 0.1) };
        for (int z = 1; z < size.Z - 1; z++)
        {
            for (int y = 1; y < size.Y - 1; y++)
            {
                var row = image.GetRow<float>(y, z);
                for (int x = 1; x < size.X - 1; x++)
                {
                    var p = geometry.IndexToPhysical(x, y, z);
                    double sum = 0;
                    foreach (var (c, r) in centers)
                    {
                        var d = p - Vector3D.Scale(c, extent);
                        double s = r * Math.Min(extent.X, Math.Min(extent.Y, extent.Z));
                        sum += Math.Exp(-Vector3D.Dot(d, d) / (2 * s * s));
                    }

                    row[x] = (float)sum;
                }
            }
        }

        return image;
    }
}
