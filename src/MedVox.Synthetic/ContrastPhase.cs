namespace MedVox.Synthetic;

/// <summary>Contrast phase of a CT phantom: sets organ and blood attenuation.</summary>
public enum ContrastPhase
{
    /// <summary>Without contrast agent: liver ~60, spleen ~50, kidneys ~35, pancreas ~40, blood ~40 HU.</summary>
    Native,

    /// <summary>Portal venous phase: enhanced organs (liver ~105, spleen ~115, kidneys ~160, pancreas ~95) and vessels (~150-180 HU).</summary>
    PortalVenous,
}
