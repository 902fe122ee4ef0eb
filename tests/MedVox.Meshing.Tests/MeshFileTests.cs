using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using MedVox.Geometry;
using MedVox.Synthetic;
using MedVox.Testing;

namespace MedVox.Meshing.Tests;

/// <summary>Files read back by their specifications (and STL by ADMesh): same triangles, outward normals, closed.</summary>
public class MeshFileTests
{
    private static readonly Lazy<TriangleMesh> Liver = new(() =>
    {
        using var phantom = PhantomDatasets.GenerateCase(PhantomKind.Abdomen, new PhantomOptions { Size = 64 }, 0);
        return OrganSurface.Build(phantom.Labels, new MeshLabel("liver", 1), LabelInventory.Scan(phantom.Labels)).Mesh;
    });

    [Fact]
    public void BinaryStlHoldsEveryTriangleWithItsOutwardNormalAndPassesAdmesh()
    {
        using var folder = TestData.CreateTempFolder();
        var mesh = Liver.Value;
        string path = folder.File("liver.stl");
        MeshFile.Write(path, new MeshObject("liver", mesh, new MeshColor(1, 2, 3)), MeshFormat.Stl);

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(84 + (50 * mesh.TriangleCount), bytes.Length);
        string header = Encoding.ASCII.GetString(bytes, 0, 80);
        Assert.StartsWith("MedVox surface liver SPACE=LPS", header, StringComparison.Ordinal);
        Assert.Equal((uint)mesh.TriangleCount, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(80)));
        for (int t = 0; t < mesh.TriangleCount; t++)
        {
            var record = bytes.AsSpan(84 + (50 * t), 50);
            var n = Read(record, 0);
            var (a, b, c) = mesh.Corners(t);
            Assert.Equal((float)a.X, (float)Read(record, 12).X);
            Assert.Equal((float)b.Y, (float)Read(record, 24).Y);
            Assert.Equal((float)c.Z, (float)Read(record, 36).Z);
            Assert.True(Vector3D.Dot(n, mesh.TriangleNormal(t)) > 0.9999);
        }

        var report = Admesh.AssertClean(path, mesh.TriangleCount, parts: 1);
        Assert.Equal(mesh.EnclosedVolume(), report["Volume"].Original, 1e-4 * mesh.EnclosedVolume());
    }

    [Fact]
    public void AdmeshReportsAFlippedTriangleAndAHole()
    {
        // The control for the checks above: the report parser sees what ADMesh repairs.
        using var folder = TestData.CreateTempFolder();
        var mesh = Liver.Value;
        var flipped = (int[])mesh.Triangles.Clone();
        (flipped[1], flipped[2]) = (flipped[2], flipped[1]);
        string path = folder.File("flipped.stl");
        MeshFile.Write(path, new MeshObject("flipped", new TriangleMesh(mesh.Vertices, flipped), default), MeshFormat.Stl);
        Assert.True(Admesh.Check(path)["Facets reversed"].Original > 0);

        string holed = folder.File("holed.stl");
        MeshFile.Write(holed, new MeshObject("holed", new TriangleMesh(mesh.Vertices, mesh.Triangles[3..]), default), MeshFormat.Stl);
        var report = Admesh.Check(holed);
        Assert.True(report["Total disconnected facets"].Original > 0 && report["Facets added"].Original > 0);
    }

    [Fact]
    public void AsciiStlPassesAdmeshToo()
    {
        using var folder = TestData.CreateTempFolder();
        var mesh = Liver.Value;
        string path = folder.File("liver_ascii.stl");
        MeshFile.Write(path, new MeshObject("liver", mesh, new MeshColor(1, 2, 3)), MeshFormat.StlAscii);

        var lines = File.ReadAllLines(path);
        Assert.Equal("solid liver SPACE=LPS", lines[0]);
        Assert.Equal("endsolid liver", lines[^1]);
        Assert.Equal(mesh.TriangleCount, lines.Count(l => l.TrimStart().StartsWith("facet normal", StringComparison.Ordinal)));
        var report = Admesh.AssertClean(path, mesh.TriangleCount, parts: 1);
        Assert.Equal(mesh.EnclosedVolume(), report["Volume"].Original, 1e-4 * mesh.EnclosedVolume());
    }

    [Fact]
    public void ObjHasSharedVerticesOutwardNormalsAndTheTriangles()
    {
        using var folder = TestData.CreateTempFolder();
        var mesh = Liver.Value;
        string path = folder.File("liver.obj");
        MeshFile.Write(path, new MeshObject("liver", mesh, default), MeshFormat.Obj);

        var vertices = new List<Vector3D>();
        var normals = new List<Vector3D>();
        var triangles = new List<int>();
        foreach (string line in File.ReadLines(path))
        {
            var parts = line.Split(' ');
            switch (parts[0])
            {
                case "v":
                    vertices.Add(Parse(parts));
                    break;
                case "vn":
                    normals.Add(Parse(parts));
                    break;
                case "f":
                    Assert.Equal(4, parts.Length);
                    foreach (string corner in parts[1..])
                    {
                        var ids = corner.Split("//");
                        Assert.Equal(ids[0], ids[1]);
                        triangles.Add(int.Parse(ids[0], CultureInfo.InvariantCulture) - 1);
                    }

                    break;
            }
        }

        Assert.Equal(mesh.VertexCount, vertices.Count);
        Assert.Equal(mesh.VertexCount, normals.Count);
        Assert.Equal(mesh.Triangles, triangles);
        var read = new TriangleMesh([.. vertices], [.. triangles]);
        Assert.True(MeshTopology.Analyze(read).IsWatertight);
        Assert.Equal(mesh.EnclosedVolume(), read.EnclosedVolume(), 1e-4 * mesh.EnclosedVolume());
        AssertOutwardVertexNormals(read, normals);
    }

    [Fact]
    public void PlyHeaderAndBinaryBodyMatchTheMesh()
    {
        using var folder = TestData.CreateTempFolder();
        var mesh = Liver.Value;
        string path = folder.File("liver.ply");
        MeshFile.Write(path, new MeshObject("liver", mesh, default), MeshFormat.Ply);

        var bytes = File.ReadAllBytes(path);
        const string end = "end_header\n";
        int body = Encoding.ASCII.GetString(bytes).IndexOf(end, StringComparison.Ordinal) + end.Length;
        var header = Encoding.ASCII.GetString(bytes, 0, body).Split('\n');
        Assert.Equal("ply", header[0]);
        Assert.Equal("format binary_little_endian 1.0", header[1]);
        Assert.Contains($"element vertex {mesh.VertexCount}", header);
        Assert.Contains($"element face {mesh.TriangleCount}", header);
        Assert.Equal(["x", "y", "z", "nx", "ny", "nz"], header.Where(l => l.StartsWith("property float ", StringComparison.Ordinal)).Select(l => l[15..]));
        Assert.Contains("property list uchar int vertex_indices", header);
        Assert.Equal(body + (24 * mesh.VertexCount) + (13 * mesh.TriangleCount), bytes.Length);

        var vertices = new Vector3D[mesh.VertexCount];
        var normals = new List<Vector3D>();
        for (int v = 0; v < vertices.Length; v++)
        {
            vertices[v] = Read(bytes, body + (24 * v));
            normals.Add(Read(bytes, body + (24 * v) + 12));
        }

        var triangles = new int[mesh.Triangles.Length];
        int faces = body + (24 * mesh.VertexCount);
        for (int t = 0; t < mesh.TriangleCount; t++)
        {
            Assert.Equal(3, bytes[faces + (13 * t)]);
            for (int k = 0; k < 3; k++)
            {
                triangles[(3 * t) + k] = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(faces + (13 * t) + 1 + (4 * k)));
            }
        }

        Assert.Equal(mesh.Triangles, triangles);
        AssertOutwardVertexNormals(new TriangleMesh(vertices, triangles), normals);
    }

    [Fact]
    public void ThreeMfIsAValidPackageWithOneColouredClosedObjectPerOrgan()
    {
        using var folder = TestData.CreateTempFolder();
        using var phantom = PhantomDatasets.GenerateCase(PhantomKind.Abdomen, new PhantomOptions { Size = 64 }, 0, cancellation: TestContext.Current.CancellationToken);
        var inventory = LabelInventory.Scan(phantom.Labels);
        var organs = new[] { ("liver", 1), ("spleen", 2), ("kidney_left", 4) }
            .Select((o, i) => new MeshObject(o.Item1, OrganSurface.Build(phantom.Labels, new MeshLabel(o.Item1, o.Item2), inventory).Mesh, MeshColor.ForLabel(o.Item1, i)))
            .ToArray();
        string path = folder.File("organs.3mf");
        MeshFile.WriteThreeMf(path, organs);

        // The package (3MF core spec, chapter 2 and appendix C): OPC zip with content types, root relationship, model.
        using var zip = ZipFile.OpenRead(path);
        Assert.Equal(["3D/3dmodel.model", "[Content_Types].xml", "_rels/.rels"], zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        XNamespace ct = "http://schemas.openxmlformats.org/package/2006/content-types";
        var types = Load(zip, "[Content_Types].xml").Root!;
        Assert.Equal(ct + "Types", types.Name);
        Assert.Contains(types.Elements(ct + "Default"), d => (string?)d.Attribute("Extension") == "model" && (string?)d.Attribute("ContentType") == "application/vnd.ms-package.3dmanufacturing-3dmodel+xml");
        Assert.Contains(types.Elements(ct + "Default"), d => (string?)d.Attribute("Extension") == "rels" && (string?)d.Attribute("ContentType") == "application/vnd.openxmlformats-package.relationships+xml");
        XNamespace rel = "http://schemas.openxmlformats.org/package/2006/relationships";
        var relationship = Assert.Single(Load(zip, "_rels/.rels").Root!.Elements(rel + "Relationship"));
        Assert.Equal("/3D/3dmodel.model", (string?)relationship.Attribute("Target"));
        Assert.Equal("http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel", (string?)relationship.Attribute("Type"));
        Assert.False(string.IsNullOrEmpty((string?)relationship.Attribute("Id")));

        // The model (chapters 3-5): millimetres, base materials with sRGB colours, objects of type model with meshes
        // that are closed, outward and duplicate-free, build items that reference them.
        XNamespace m = "http://schemas.microsoft.com/3dmanufacturing/core/2015/02";
        var model = Load(zip, "3D/3dmodel.model").Root!;
        Assert.Equal(m + "model", model.Name);
        Assert.Equal("millimeter", (string?)model.Attribute("unit"));
        var resources = model.Element(m + "resources")!;
        var materials = Assert.Single(resources.Elements(m + "basematerials"));
        var bases = materials.Elements(m + "base").ToList();
        Assert.Equal(organs.Select(o => o.Name), bases.Select(b => (string?)b.Attribute("name")));
        Assert.All(bases, b => Assert.Matches("^#[0-9A-F]{6}$", (string?)b.Attribute("displaycolor") ?? string.Empty));
        Assert.Equal(3, bases.Select(b => (string?)b.Attribute("displaycolor")).Distinct().Count());
        var objects = resources.Elements(m + "object").ToList();
        Assert.Equal(organs.Length, objects.Count);
        var ids = objects.Select(o => (string?)o.Attribute("id")).Append((string?)materials.Attribute("id")).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        var build = model.Element(m + "build")!.Elements(m + "item").ToList();
        Assert.Equal(objects.Select(o => (string?)o.Attribute("id")), build.Select(i => (string?)i.Attribute("objectid")));
        var transforms = build.Select(i => (string?)i.Attribute("transform")).Distinct().ToList();
        var transform = Assert.Single(transforms)!.Split(' ').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(12, transform.Length);
        Assert.Equal([1.0, 0, 0, 0, 1, 0, 0, 0, 1], transform[..9]);
        var shift = new Vector3D(transform[9], transform[10], transform[11]);

        double lowest = double.MaxValue;
        for (int i = 0; i < objects.Count; i++)
        {
            var o = objects[i];
            Assert.Equal("model", (string?)o.Attribute("type"));
            Assert.Equal(organs[i].Name, (string?)o.Attribute("name"));
            Assert.Equal(materials.Attribute("id")!.Value, (string?)o.Attribute("pid"));
            Assert.Equal(i.ToString(CultureInfo.InvariantCulture), (string?)o.Attribute("pindex"));
            var mesh = o.Element(m + "mesh")!;
            var vertices = mesh.Element(m + "vertices")!.Elements(m + "vertex")
                .Select(v => new Vector3D(Number(v, "x"), Number(v, "y"), Number(v, "z"))).ToArray();
            var triangles = mesh.Element(m + "triangles")!.Elements(m + "triangle")
                .SelectMany(t => new[] { (int)Number(t, "v1"), (int)Number(t, "v2"), (int)Number(t, "v3") }).ToArray();
            var read = new TriangleMesh(vertices, triangles);
            var topology = MeshTopology.Analyze(read);
            Assert.True(topology.IsWatertight && topology.IsManifold && topology.DuplicateVertices == 0 && topology.DegenerateTriangles == 0, topology.ToString());
            Assert.Equal(organs[i].Mesh.EnclosedVolume(), read.EnclosedVolume(), 1e-4 * read.EnclosedVolume());
            Assert.True(read.TriangleCount >= 4);
            foreach (var v in vertices)
            {
                lowest = Math.Min(lowest, Math.Min(v.X + shift.X, Math.Min(v.Y + shift.Y, v.Z + shift.Z)));
            }

            // Same place as the mesh: the object keeps LPS coordinates, the build item moves the whole scene.
            Assert.Equal((float)organs[i].Mesh.Vertices[0].X, (float)vertices[0].X);
        }

        Assert.InRange(lowest, -1e-3, 1e-3);
    }

    [Fact]
    public void FormatsParseFromTheCommandLineNames()
    {
        Assert.Equal(MeshFormat.Stl, MeshFormats.Parse("STL"));
        Assert.Equal(MeshFormat.StlAscii, MeshFormats.Parse("stl-ascii"));
        Assert.Equal(MeshFormat.ThreeMf, MeshFormats.Parse("3mf"));
        Assert.Equal(".3mf", MeshFormat.ThreeMf.Extension());
        var error = Assert.Throws<MedVoxException>(() => MeshFormats.Parse("vtk"));
        Assert.Equal("unknown surface format \"vtk\" (field --format); use stl, stl-ascii, obj, ply or 3mf", error.Message);
    }

    private static void AssertOutwardVertexNormals(TriangleMesh mesh, List<Vector3D> normals)
    {
        var expected = mesh.ComputeVertexNormals();
        for (int v = 0; v < normals.Count; v++)
        {
            Assert.InRange(normals[v].Length, 0.999, 1.001);
            Assert.True(Vector3D.Dot(normals[v], expected[v]) > 0.999);
        }

        // Outward: moving each vertex a little along its normal grows the enclosed volume.
        var moved = mesh.Transform(p => p);
        for (int v = 0; v < moved.VertexCount; v++)
        {
            moved.Vertices[v] = mesh.Vertices[v] + (0.1 * normals[v]);
        }

        Assert.True(moved.EnclosedVolume() > mesh.EnclosedVolume());
    }

    private static Vector3D Read(ReadOnlySpan<byte> bytes, int offset) => new(
        BinaryPrimitives.ReadSingleLittleEndian(bytes[offset..]),
        BinaryPrimitives.ReadSingleLittleEndian(bytes[(offset + 4)..]),
        BinaryPrimitives.ReadSingleLittleEndian(bytes[(offset + 8)..]));

    private static Vector3D Parse(string[] parts) => new(
        double.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture), double.Parse(parts[3], CultureInfo.InvariantCulture));

    private static double Number(XElement element, string attribute) =>
        double.Parse(element.Attribute(attribute)!.Value, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static XDocument Load(ZipArchive zip, string name)
    {
        using var stream = zip.GetEntry(name)!.Open();
        var document = XDocument.Load(stream);
        Assert.DoesNotMatch(new Regex("<!DOCTYPE"), document.ToString());
        return document;
    }
}
