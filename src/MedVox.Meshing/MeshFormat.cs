namespace MedVox.Meshing;

/// <summary>Surface file formats MedVox writes.</summary>
public enum MeshFormat
{
    /// <summary>Binary STL: what 3D printers and slicers expect; no shared vertices, no colour.</summary>
    Stl,

    /// <summary>ASCII STL, for tools and eyes that need text.</summary>
    StlAscii,

    /// <summary>Wavefront OBJ with vertex normals.</summary>
    Obj,

    /// <summary>Binary little-endian PLY with vertex normals.</summary>
    Ply,

    /// <summary>3MF (3D Manufacturing Format): one package holding every organ as a coloured object.</summary>
    ThreeMf,
}

/// <summary>File endings and parsing of <see cref="MeshFormat"/>.</summary>
public static class MeshFormats
{
    public static string Extension(this MeshFormat format) => format switch
    {
        MeshFormat.Stl or MeshFormat.StlAscii => ".stl",
        MeshFormat.Obj => ".obj",
        MeshFormat.Ply => ".ply",
        MeshFormat.ThreeMf => ".3mf",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>True for formats with one organ per file.</summary>
    public static bool OneFilePerMesh(this MeshFormat format) => format != MeshFormat.ThreeMf;

    /// <summary>Parses a format as the command line takes it: stl, stl-ascii, obj, ply, 3mf.</summary>
    public static MeshFormat Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Trim().ToLowerInvariant() switch
        {
            "stl" or "stl-binary" => MeshFormat.Stl,
            "stl-ascii" or "ascii-stl" or "stla" => MeshFormat.StlAscii,
            "obj" => MeshFormat.Obj,
            "ply" => MeshFormat.Ply,
            "3mf" => MeshFormat.ThreeMf,
            _ => throw new MedVoxException($"unknown surface format \"{text}\"", field: "--format", hint: "use stl, stl-ascii, obj, ply or 3mf"),
        };
    }
}
