using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml;
using MedVox.Geometry;
using MedVox.IO;

namespace MedVox.Meshing;

/// <summary>
/// Writes surfaces (atomically, as every MedVox writer): STL (binary or ASCII), OBJ and PLY with vertex normals, one
/// mesh per file; 3MF with several coloured objects. Coordinates are written as given: MedVox meshes are in LPS
/// millimetres, and the files say so where the format has room for a comment ("SPACE=LPS", the tag 3D Slicer reads).
/// </summary>
public static class MeshFile
{
    /// <summary>The 3MF core namespace (3MF Core Specification, appendix C.3).</summary>
    public const string ThreeMfNamespace = "http://schemas.microsoft.com/3dmanufacturing/core/2015/02";

    /// <summary>Content type of the 3D model part (appendix C.1).</summary>
    public const string ThreeMfModelContentType = "application/vnd.ms-package.3dmanufacturing-3dmodel+xml";

    /// <summary>Relationship type from the package to its 3D model (appendix C.2, StartPart).</summary>
    public const string ThreeMfStartPartRelationship = "http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel";

    /// <summary>Path of the model part inside the package.</summary>
    public const string ThreeMfModelPath = "3D/3dmodel.model";

    private const string Frame = "SPACE=LPS";

    /// <summary>Writes one mesh in a one-mesh format (<see cref="MeshFormat.ThreeMf"/> takes a list: see <see cref="WriteThreeMf(string, IReadOnlyList{MeshObject})"/>).</summary>
    public static void Write(string path, MeshObject mesh, MeshFormat format)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(mesh);
        using var file = AtomicFile.Create(path);
        switch (format)
        {
            case MeshFormat.Stl:
                WriteBinaryStl(file.Stream, mesh);
                break;
            case MeshFormat.StlAscii:
                WriteAsciiStl(file.Stream, mesh);
                break;
            case MeshFormat.Obj:
                WriteObj(file.Stream, mesh);
                break;
            case MeshFormat.Ply:
                WritePly(file.Stream, mesh);
                break;
            case MeshFormat.ThreeMf:
                WriteThreeMf(file.Stream, [mesh]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format));
        }

        file.Commit();
    }

    /// <summary>Writes a 3MF package with one object per mesh, coloured by a base material each, in one build.</summary>
    public static void WriteThreeMf(string path, IReadOnlyList<MeshObject> meshes)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = AtomicFile.Create(path);
        WriteThreeMf(file.Stream, meshes);
        file.Commit();
    }

    private static string Number(double value) => ((float)value).ToString("R", CultureInfo.InvariantCulture);

    private static void WriteBinaryStl(Stream stream, MeshObject mesh)
    {
        var m = mesh.Mesh;
        var header = new byte[80];
        // The header must not start with "solid" (readers would take the file for ASCII).
        var text = Encoding.ASCII.GetBytes(Ascii($"MedVox surface {mesh.Name} {Frame} mm"));
        text.AsSpan(0, Math.Min(header.Length, text.Length)).CopyTo(header);
        var writer = new BufferedStream(stream, 1 << 16); // not disposed: that would close the caller's stream
        writer.Write(header);
        Span<byte> record = stackalloc byte[50];
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)m.TriangleCount);
        writer.Write(record[..4]);
        for (int t = 0; t < m.TriangleCount; t++)
        {
            var (a, b, c) = m.Corners(t);
            var n = m.TriangleNormal(t);
            int o = 0;
            foreach (var v in (ReadOnlySpan<Vector3D>)[n, a, b, c])
            {
                BinaryPrimitives.WriteSingleLittleEndian(record[o..], (float)v.X);
                BinaryPrimitives.WriteSingleLittleEndian(record[(o + 4)..], (float)v.Y);
                BinaryPrimitives.WriteSingleLittleEndian(record[(o + 8)..], (float)v.Z);
                o += 12;
            }

            record[48] = 0;
            record[49] = 0;
            writer.Write(record);
        }

        writer.Flush();
    }

    private static void WriteAsciiStl(Stream stream, MeshObject mesh)
    {
        var m = mesh.Mesh;
        string name = Ascii(mesh.Name).Replace(' ', '_');
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        writer.WriteLine($"solid {name} {Frame}");
        for (int t = 0; t < m.TriangleCount; t++)
        {
            var (a, b, c) = m.Corners(t);
            var n = m.TriangleNormal(t);
            writer.WriteLine($"  facet normal {Number(n.X)} {Number(n.Y)} {Number(n.Z)}");
            writer.WriteLine("    outer loop");
            foreach (var v in (ReadOnlySpan<Vector3D>)[a, b, c])
            {
                writer.WriteLine($"      vertex {Number(v.X)} {Number(v.Y)} {Number(v.Z)}");
            }

            writer.WriteLine("    endloop");
            writer.WriteLine("  endfacet");
        }

        writer.WriteLine($"endsolid {name}");
    }

    private static void WriteObj(Stream stream, MeshObject mesh)
    {
        var m = mesh.Mesh;
        var normals = m.ComputeVertexNormals();
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        writer.WriteLine($"# MedVox surface {mesh.Name}: {m.VertexCount} vertices, {m.TriangleCount} triangles; LPS millimetres ({Frame})");
        writer.WriteLine($"o {mesh.Name.Replace(' ', '_')}");
        foreach (var v in m.Vertices)
        {
            writer.WriteLine($"v {Number(v.X)} {Number(v.Y)} {Number(v.Z)}");
        }

        foreach (var n in normals)
        {
            writer.WriteLine($"vn {Number(n.X)} {Number(n.Y)} {Number(n.Z)}");
        }

        var tris = m.Triangles;
        for (int t = 0; t < tris.Length; t += 3)
        {
            int a = tris[t] + 1, b = tris[t + 1] + 1, c = tris[t + 2] + 1;
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"f {a}//{a} {b}//{b} {c}//{c}"));
        }
    }

    private static void WritePly(Stream stream, MeshObject mesh)
    {
        var m = mesh.Mesh;
        var normals = m.ComputeVertexNormals();
        string header = string.Create(CultureInfo.InvariantCulture, $"""
            ply
            format binary_little_endian 1.0
            comment MedVox surface {Ascii(mesh.Name)}; LPS millimetres ({Frame})
            element vertex {m.VertexCount}
            property float x
            property float y
            property float z
            property float nx
            property float ny
            property float nz
            element face {m.TriangleCount}
            property list uchar int vertex_indices
            end_header

            """).ReplaceLineEndings("\n");
        var writer = new BufferedStream(stream, 1 << 16); // not disposed: that would close the caller's stream
        writer.Write(Encoding.ASCII.GetBytes(header));
        Span<byte> vertex = stackalloc byte[24];
        for (int v = 0; v < m.VertexCount; v++)
        {
            var p = m.Vertices[v];
            var n = normals[v];
            BinaryPrimitives.WriteSingleLittleEndian(vertex, (float)p.X);
            BinaryPrimitives.WriteSingleLittleEndian(vertex[4..], (float)p.Y);
            BinaryPrimitives.WriteSingleLittleEndian(vertex[8..], (float)p.Z);
            BinaryPrimitives.WriteSingleLittleEndian(vertex[12..], (float)n.X);
            BinaryPrimitives.WriteSingleLittleEndian(vertex[16..], (float)n.Y);
            BinaryPrimitives.WriteSingleLittleEndian(vertex[20..], (float)n.Z);
            writer.Write(vertex);
        }

        Span<byte> face = stackalloc byte[13];
        face[0] = 3;
        var tris = m.Triangles;
        for (int t = 0; t < tris.Length; t += 3)
        {
            BinaryPrimitives.WriteInt32LittleEndian(face[1..], tris[t]);
            BinaryPrimitives.WriteInt32LittleEndian(face[5..], tris[t + 1]);
            BinaryPrimitives.WriteInt32LittleEndian(face[9..], tris[t + 2]);
            writer.Write(face);
        }

        writer.Flush();
    }

    /// <summary>
    /// A 3MF package (3MF Core Specification 1.x): [Content_Types].xml, _rels/.rels pointing at 3D/3dmodel.model, and
    /// the model: one base material per organ (name and display colour), one object per organ (type model, its mesh
    /// in LPS mm), and a build item per object, all translated by one vector so the scene lies in the positive octant
    /// (as section 3.3 asks) while the organs keep their relative positions.
    /// </summary>
    private static void WriteThreeMf(Stream stream, IReadOnlyList<MeshObject> meshes)
    {
        ArgumentNullException.ThrowIfNull(meshes);
        var shift = PositiveOctantShift(meshes);
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        WriteEntry(zip, "[Content_Types].xml", xml =>
        {
            xml.WriteStartElement("Types", "http://schemas.openxmlformats.org/package/2006/content-types");
            xml.WriteStartElement("Default");
            xml.WriteAttributeString("Extension", "rels");
            xml.WriteAttributeString("ContentType", "application/vnd.openxmlformats-package.relationships+xml");
            xml.WriteEndElement();
            xml.WriteStartElement("Default");
            xml.WriteAttributeString("Extension", "model");
            xml.WriteAttributeString("ContentType", ThreeMfModelContentType);
            xml.WriteEndElement();
            xml.WriteEndElement();
        });
        WriteEntry(zip, "_rels/.rels", xml =>
        {
            xml.WriteStartElement("Relationships", "http://schemas.openxmlformats.org/package/2006/relationships");
            xml.WriteStartElement("Relationship");
            xml.WriteAttributeString("Target", "/" + ThreeMfModelPath);
            xml.WriteAttributeString("Id", "rel0");
            xml.WriteAttributeString("Type", ThreeMfStartPartRelationship);
            xml.WriteEndElement();
            xml.WriteEndElement();
        });
        WriteEntry(zip, ThreeMfModelPath, xml =>
        {
            xml.WriteStartElement("model", ThreeMfNamespace);
            xml.WriteAttributeString("unit", "millimeter");
            xml.WriteAttributeString("xml", "lang", null, "en-US");
            Metadata(xml, "Title", string.Join(", ", meshes.Select(m => m.Name)));
            Metadata(xml, "Application", "MedVox");
            Metadata(xml, "Description", $"Organ surfaces in LPS millimetres ({Frame}); each build item is translated by ({Number(shift.X)}, {Number(shift.Y)}, {Number(shift.Z)}) mm to lie in the positive octant.");
            xml.WriteStartElement("resources");
            xml.WriteStartElement("basematerials");
            xml.WriteAttributeString("id", "1");
            foreach (var mesh in meshes)
            {
                xml.WriteStartElement("base");
                xml.WriteAttributeString("name", mesh.Name);
                xml.WriteAttributeString("displaycolor", mesh.Color.Hex);
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
            for (int i = 0; i < meshes.Count; i++)
            {
                var m = meshes[i].Mesh;
                xml.WriteStartElement("object");
                xml.WriteAttributeString("id", (i + 2).ToString(CultureInfo.InvariantCulture));
                xml.WriteAttributeString("type", "model");
                xml.WriteAttributeString("name", meshes[i].Name);
                xml.WriteAttributeString("pid", "1");
                xml.WriteAttributeString("pindex", i.ToString(CultureInfo.InvariantCulture));
                xml.WriteStartElement("mesh");
                xml.WriteStartElement("vertices");
                foreach (var v in m.Vertices)
                {
                    xml.WriteStartElement("vertex");
                    xml.WriteAttributeString("x", Number(v.X));
                    xml.WriteAttributeString("y", Number(v.Y));
                    xml.WriteAttributeString("z", Number(v.Z));
                    xml.WriteEndElement();
                }

                xml.WriteEndElement();
                xml.WriteStartElement("triangles");
                var tris = m.Triangles;
                for (int t = 0; t < tris.Length; t += 3)
                {
                    xml.WriteStartElement("triangle");
                    xml.WriteAttributeString("v1", tris[t].ToString(CultureInfo.InvariantCulture));
                    xml.WriteAttributeString("v2", tris[t + 1].ToString(CultureInfo.InvariantCulture));
                    xml.WriteAttributeString("v3", tris[t + 2].ToString(CultureInfo.InvariantCulture));
                    xml.WriteEndElement();
                }

                xml.WriteEndElement();
                xml.WriteEndElement();
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
            xml.WriteStartElement("build");
            string transform = $"1 0 0 0 1 0 0 0 1 {Number(shift.X)} {Number(shift.Y)} {Number(shift.Z)}";
            for (int i = 0; i < meshes.Count; i++)
            {
                xml.WriteStartElement("item");
                xml.WriteAttributeString("objectid", (i + 2).ToString(CultureInfo.InvariantCulture));
                xml.WriteAttributeString("transform", transform);
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
            xml.WriteEndElement();
        });
    }

    /// <summary>The translation that moves the lowest corner of all meshes' common bounding box to the origin.</summary>
    private static Vector3D PositiveOctantShift(IReadOnlyList<MeshObject> meshes)
    {
        double x = double.MaxValue, y = double.MaxValue, z = double.MaxValue;
        foreach (var mesh in meshes)
        {
            if (mesh.Mesh.VertexCount == 0)
            {
                continue;
            }

            var (min, _) = mesh.Mesh.Bounds();
            x = Math.Min(x, min.X);
            y = Math.Min(y, min.Y);
            z = Math.Min(z, min.Z);
        }

        return x == double.MaxValue ? Vector3D.Zero : new Vector3D(-x, -y, -z);
    }

    private static void Metadata(XmlWriter xml, string name, string value)
    {
        xml.WriteStartElement("metadata");
        xml.WriteAttributeString("name", name);
        xml.WriteString(value);
        xml.WriteEndElement();
    }

    private static void WriteEntry(ZipArchive zip, string name, Action<XmlWriter> body)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
        using var stream = entry.Open();
        using var xml = XmlWriter.Create(stream, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = false });
        xml.WriteStartDocument();
        body(xml);
        xml.WriteEndDocument();
    }

    /// <summary>The name with non-ASCII characters replaced, for headers that are ASCII by definition.</summary>
    private static string Ascii(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            builder.Append(c is >= ' ' and <= '~' ? c : '_');
        }

        return builder.ToString();
    }
}
