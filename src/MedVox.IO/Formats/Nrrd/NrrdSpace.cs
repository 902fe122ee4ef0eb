namespace MedVox.IO.Formats.Nrrd;

/// <summary>
/// A NRRD "space" (teem's nrrdSpace): its dimension, whether its last coordinate is time, and how to bring its first
/// three coordinates into LPS. Spaces without an anatomical meaning (scanner-xyz, 3D-right-handed, ...) are taken as
/// LPS, as ITK's NrrdImageIO does.
/// </summary>
internal sealed record NrrdSpace(string Name, int Dimension, bool HasTime, double FlipX, double FlipY, bool Anatomical)
{
    public const string Lps = "left-posterior-superior";

    private static readonly NrrdSpace[] Known =
    [
        new("right-anterior-superior", 3, false, -1, -1, true),
        new("left-anterior-superior", 3, false, 1, -1, true),
        new(Lps, 3, false, 1, 1, true),
        new("right-anterior-superior-time", 4, true, -1, -1, true),
        new("left-anterior-superior-time", 4, true, 1, -1, true),
        new("left-posterior-superior-time", 4, true, 1, 1, true),
        new("scanner-xyz", 3, false, 1, 1, false),
        new("scanner-xyz-time", 4, true, 1, 1, false),
        new("3D-right-handed", 3, false, 1, 1, false),
        new("3D-left-handed", 3, false, 1, 1, false),
        new("3D-right-handed-time", 4, true, 1, 1, false),
        new("3D-left-handed-time", 4, true, 1, 1, false),
    ];

    /// <summary>The space a "space:" value names (full names and teem's abbreviations RAS, LAS, LPS, RAST, LAST, LPST), or null.</summary>
    public static NrrdSpace? Parse(string value)
    {
        string name = value.Trim().ToLowerInvariant() switch
        {
            "ras" => "right-anterior-superior",
            "las" => "left-anterior-superior",
            "lps" => Lps,
            "rast" => "right-anterior-superior-time",
            "last" => "left-anterior-superior-time",
            "lpst" => "left-posterior-superior-time",
            string other => other,
        };
        foreach (var space in Known)
        {
            if (space.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return space;
            }
        }

        return null;
    }

    /// <summary>A space given only by "space dimension: n": coordinates are taken as they are (LPS, as in ITK).</summary>
    public static NrrdSpace OfDimension(int dimension) => new(string.Empty, dimension, dimension == 4, 1, 1, false);
}
