namespace MedVox.Dicom.Series;

/// <summary>What to do when slice positions are not evenly spaced (missing slices, variable spacing).</summary>
public enum IrregularSpacingPolicy
{
    /// <summary>Fail with a message giving the gaps.</summary>
    Refuse,

    /// <summary>Load with the usual (median) spacing and a warning giving the gaps; voxels past a gap are misplaced.</summary>
    Warn,

    /// <summary>Interpolate linearly onto a uniform grid from the first to the last slice at the usual spacing.</summary>
    Resample,
}
