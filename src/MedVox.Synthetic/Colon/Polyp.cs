using MedVox.Geometry;

namespace MedVox.Synthetic.Colon;

/// <summary>Polyp morphology (Paris classification, simplified).</summary>
public enum PolypType
{
    /// <summary>Broad-based, attached to the wall by most of its diameter.</summary>
    Sessile,

    /// <summary>A head on a stalk.</summary>
    Pedunculated,
}

/// <summary>
/// Ground truth of one polyp: the centre of its (spherical) head and its diameter in mm (LPS), where it is attached to
/// the inner colon wall, and its stalk length (0 for sessile polyps).
/// </summary>
public sealed record Polyp(int Index, PolypType Type, Vector3D Center, double Diameter, Vector3D Base, double StalkLength)
{
    /// <summary>Polyps of 6 mm and more are the clinically relevant ones (reported and usually removed).</summary>
    public const double ClinicalThreshold = 6.0;

    public bool IsClinicallyRelevant => Diameter >= ClinicalThreshold;
}
