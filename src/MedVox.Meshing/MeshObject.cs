using System.Globalization;

namespace MedVox.Meshing;

/// <summary>An sRGB colour for display (3MF base materials).</summary>
public readonly record struct MeshColor(byte R, byte G, byte B)
{
    /// <summary>"#RRGGBB", as 3MF's ST_ColorValue writes it.</summary>
    public string Hex => string.Create(CultureInfo.InvariantCulture, $"#{R:X2}{G:X2}{B:X2}");

    /// <summary>A colour for a structure: a familiar one for common organ names, else one of a set of distinct colours.</summary>
    public static MeshColor ForLabel(string name, int index)
    {
        ArgumentNullException.ThrowIfNull(name);
        string n = name.ToLowerInvariant();
        if (n.Contains("liver", StringComparison.Ordinal))
        {
            return new(170, 80, 60);
        }

        if (n.Contains("spleen", StringComparison.Ordinal))
        {
            return new(140, 70, 130);
        }

        if (n.Contains("kidney", StringComparison.Ordinal))
        {
            return new(190, 110, 70);
        }

        if (n.Contains("aorta", StringComparison.Ordinal) || n.Contains("arter", StringComparison.Ordinal))
        {
            return new(210, 40, 40);
        }

        if (n.Contains("vena", StringComparison.Ordinal) || n.Contains("vein", StringComparison.Ordinal) || n.Contains("ivc", StringComparison.Ordinal))
        {
            return new(40, 80, 200);
        }

        if (n.Contains("bone", StringComparison.Ordinal) || n.Contains("spine", StringComparison.Ordinal) || n.Contains("rib", StringComparison.Ordinal) || n.Contains("vertebr", StringComparison.Ordinal))
        {
            return new(235, 220, 180);
        }

        ReadOnlySpan<(byte, byte, byte)> palette =
        [
            (230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66), (0, 114, 178), (213, 94, 0), (204, 121, 167),
            (120, 120, 120), (150, 200, 120), (250, 160, 160),
        ];
        var (r, g, b) = palette[((index % palette.Length) + palette.Length) % palette.Length];
        return new(r, g, b);
    }
}

/// <summary>A named, coloured mesh: one organ in a file.</summary>
public sealed record MeshObject(string Name, TriangleMesh Mesh, MeshColor Color);
