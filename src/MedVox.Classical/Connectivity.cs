namespace MedVox.Classical;

/// <summary>
/// Which neighbours join voxels into one component. The 3D values count the neighbours of a voxel (faces; faces and
/// edges; faces, edges and corners). The 2D values work within one slice (constant third index): on a volume they
/// label each slice separately, so no component crosses slices.
/// </summary>
public enum Connectivity
{
    /// <summary>2D: the 4 pixels sharing an edge.</summary>
    Four = 4,

    /// <summary>2D: the 8 pixels sharing an edge or a corner.</summary>
    Eight = 8,

    /// <summary>3D: the 6 voxels sharing a face (scipy's default structure).</summary>
    Six = 6,

    /// <summary>3D: the 18 voxels sharing a face or an edge.</summary>
    Eighteen = 18,

    /// <summary>3D: all 26 neighbours.</summary>
    TwentySix = 26,
}

internal static class ConnectivityExtensions
{
    public static bool IsPlanar(this Connectivity connectivity) => connectivity is Connectivity.Four or Connectivity.Eight;

    public static void Validate(this Connectivity connectivity)
    {
        if (connectivity is not (Connectivity.Four or Connectivity.Eight or Connectivity.Six or Connectivity.Eighteen or Connectivity.TwentySix))
        {
            throw new ArgumentOutOfRangeException(nameof(connectivity), $"Connectivity must be 4 or 8 (2D) or 6, 18 or 26 (3D), got {(int)connectivity}.");
        }
    }
}
