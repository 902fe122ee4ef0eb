using MedVox.Imaging;

namespace MedVox.Classical;

/// <summary>
/// The patient's body in a CT volume: the largest face-connected component above an HU threshold (air outside the
/// body, the scanner table once an opening has detached it), and the box around it for cropping.
/// </summary>
public static class BodyRegion
{
    /// <summary>Between air (-1000 HU) and fat (-100 HU): lungs and bowel gas are below it, every soft tissue above.</summary>
    public const double DefaultThresholdHu = -500;

    /// <summary>
    /// The body mask (uint8 0/1): voxels above <paramref name="thresholdHu"/>, opened with a ball of
    /// <paramref name="openingMm"/> (0 for none; a few mm cut thin bridges to the table or blankets), largest component.
    /// </summary>
    public static Image Mask(Image ct, double thresholdHu = DefaultThresholdHu, double openingMm = 0) =>
        FindMask(ct, thresholdHu, openingMm).ToImage();

    /// <summary>
    /// The bounding box of the body grown by <paramref name="marginMm"/> on every side (clipped to the image). Throws a
    /// <see cref="MedVoxException"/> when nothing lies above the threshold (not a CT in HU, or an empty volume).
    /// </summary>
    public static VoxelBounds Find(Image ct, double thresholdHu = DefaultThresholdHu, double marginMm = 10, double openingMm = 0)
    {
        if (!(marginMm >= 0) || !double.IsFinite(marginMm))
        {
            throw new ArgumentOutOfRangeException(nameof(marginMm), $"The margin must be a finite number of mm >= 0, got {marginMm}.");
        }

        var body = FindMask(ct, thresholdHu, openingMm);
        var bounds = body.Bounds() ?? throw new MedVoxException(
            $"no body found: no voxel lies above {thresholdHu} HU", hint: "check that the image is a CT in Hounsfield units (rescaled)");
        return bounds.ExpandMm(marginMm, ct.Geometry);
    }

    /// <summary>A view (no copy) of <paramref name="ct"/> cropped to <see cref="Find"/>'s box; its origin is that of the box' first voxel.</summary>
    public static Image Crop(Image ct, double thresholdHu = DefaultThresholdHu, double marginMm = 10, double openingMm = 0) =>
        Find(ct, thresholdHu, marginMm, openingMm).CropView(ct);

    internal static BinaryMask FindMask(Image ct, double thresholdHu, double openingMm)
    {
        if (!double.IsFinite(thresholdHu))
        {
            throw new ArgumentOutOfRangeException(nameof(thresholdHu), $"The threshold must be a finite HU value, got {thresholdHu}.");
        }

        if (!(openingMm >= 0) || !double.IsFinite(openingMm))
        {
            throw new ArgumentOutOfRangeException(nameof(openingMm), $"The opening radius must be a finite number of mm >= 0, got {openingMm}.");
        }

        var mask = Thresholds.RangeMask(ct, Math.BitIncrement(thresholdHu), double.PositiveInfinity);
        if (openingMm > 0)
        {
            mask = Morphology.Open(mask, openingMm);
        }

        return ConnectedComponents.KeepLargest(mask, Connectivity.Six);
    }
}
