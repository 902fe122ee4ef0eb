using MedVox.Geometry;

namespace MedVox.Reporting.Snapshots;

/// <summary>The views of one case and how they were drawn.</summary>
/// <param name="Panels">The views, in the order asked for.</param>
/// <param name="Styles">The outlined labels and their colours, for the legend.</param>
/// <param name="Window">The grey-level window used; null when no image was given (outlines on grey).</param>
/// <param name="WindowIsAutomatic">True when the window was chosen from the image rather than given.</param>
/// <param name="Centre">The physical point (LPS, mm) the slices pass through.</param>
/// <param name="PixelsPerMillimetre">The scale of every view.</param>
/// <param name="IsOblique">True when the grid's axes are not along the patient axes, so the views follow the nearest ones.</param>
public sealed record CaseSnapshot(
    IReadOnlyList<SnapshotPanel> Panels,
    IReadOnlyList<ContourStyle> Styles,
    IntensityWindow? Window,
    bool WindowIsAutomatic,
    Vector3D Centre,
    double PixelsPerMillimetre,
    bool IsOblique);
