namespace MedVox.Reporting.Snapshots;

/// <summary>
/// One view of a case as a PNG: <see cref="Columns"/> × <see cref="Rows"/> voxels of the slice drawn over
/// <see cref="Width"/> × <see cref="Height"/> pixels, so that each voxel covers its physical extent at the case's scale.
/// </summary>
/// <param name="View">Which view.</param>
/// <param name="Png">The encoded image.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Columns">Voxels across the width.</param>
/// <param name="Rows">Voxels down the height.</param>
/// <param name="SourceAxis">The file's index axis across the slice (0 = i, 1 = j, 2 = k).</param>
/// <param name="SliceIndex">The slice's index along <paramref name="SourceAxis"/> in the file.</param>
/// <param name="SliceCount">Slices along <paramref name="SourceAxis"/>.</param>
public sealed record SnapshotPanel(SliceView View, byte[] Png, int Width, int Height, int Columns, int Rows, int SourceAxis, int SliceIndex, int SliceCount)
{
    /// <summary>The patient direction at the image's left edge (R for axial and coronal views, A for sagittal).</summary>
    public string LeftDirection => CanonicalGrid.ViewLetters(View).Left;

    public string RightDirection => CanonicalGrid.ViewLetters(View).Right;

    public string TopDirection => CanonicalGrid.ViewLetters(View).Top;

    public string BottomDirection => CanonicalGrid.ViewLetters(View).Bottom;
}
