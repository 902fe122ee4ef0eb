using MedVox.Imaging;

namespace MedVox.Classical;

/// <summary>
/// Binary morphology with a ball of radius r mm (the voxel offsets whose physical length is at most r, so anisotropic
/// spacing is respected), computed through the exact Euclidean distance transform: dilation keeps the voxels within r
/// of the foreground, erosion the foreground voxels farther than r from the background. Exact for any radius, and the
/// cost does not grow with it. Only the bounding box of the foreground (grown by r) is transformed. Voxels outside the
/// image count for neither side (ITK's default): erosion does not eat in from the image border, dilation does not grow
/// from it. Masks are any element type (non-zero is foreground); results are uint8 0/1 in the same geometry.
/// </summary>
public static class Morphology
{
    /// <summary>Relative slack in comparing squared distances with r², so that offsets exactly r away count as inside the ball.</summary>
    private const double Slack = 1e-9;

    public static Image Erode(Image mask, double radiusMm) =>
        Erode(BinaryMask.FromImage(mask, nameof(mask)), CheckRadius(radiusMm)).ToImage();

    public static Image Dilate(Image mask, double radiusMm) =>
        Dilate(BinaryMask.FromImage(mask, nameof(mask)), CheckRadius(radiusMm)).ToImage();

    /// <summary>Erosion then dilation: removes parts thinner than the ball and smooths convex corners.</summary>
    public static Image Open(Image mask, double radiusMm) =>
        Open(BinaryMask.FromImage(mask, nameof(mask)), CheckRadius(radiusMm)).ToImage();

    /// <summary>Dilation then erosion: fills gaps and dents narrower than the ball.</summary>
    public static Image Close(Image mask, double radiusMm) =>
        Close(BinaryMask.FromImage(mask, nameof(mask)), CheckRadius(radiusMm)).ToImage();

    /// <summary>
    /// Fills the holes: background not connected to the image border. In 3D through face neighbours (6, as
    /// scipy.ndimage.binary_fill_holes); with <paramref name="perSlice"/>, in each slice (constant third index) through
    /// edge neighbours (4), which also closes cavities that open to another slice (the lumen of a tube along z).
    /// </summary>
    public static Image FillHoles(Image mask, bool perSlice = false) =>
        FillHoles(BinaryMask.FromImage(mask, nameof(mask)), perSlice).ToImage();

    internal static BinaryMask Dilate(BinaryMask mask, double radius)
    {
        var bounds = mask.Bounds();
        if (bounds is null || radius <= 0)
        {
            return mask.Clone();
        }

        var s = mask.Spacing;
        var box = bounds.Value.Expand(VoxelBounds.VoxelsFor(radius, s.X), VoxelBounds.VoxelsFor(radius, s.Y), VoxelBounds.VoxelsFor(radius, s.Z), mask.Geometry.Size);
        var features = mask.Extract(box);
        var squared = GC.AllocateUninitializedArray<double>(features.Length);
        EuclideanDistanceTransform.ComputeSquared(features, box.SizeX, box.SizeY, box.SizeZ, s, squared);
        double limit = radius * radius * (1 + Slack);
        var result = new BinaryMask(mask.Geometry);
        Write(result, box, squared, limit, inside: true);
        return result;
    }

    internal static BinaryMask Erode(BinaryMask mask, double radius)
    {
        var bounds = mask.Bounds();
        if (bounds is null || radius <= 0)
        {
            return mask.Clone();
        }

        // One voxel of background around the foreground's box holds the nearest background of every voxel inside,
        // except where the box meets the image border, beyond which nothing counts.
        var box = bounds.Value.Expand(1, 1, 1, mask.Geometry.Size);
        var background = mask.Extract(box);
        for (int i = 0; i < background.Length; i++)
        {
            background[i] ^= 1;
        }

        var squared = GC.AllocateUninitializedArray<double>(background.Length);
        EuclideanDistanceTransform.ComputeSquared(background, box.SizeX, box.SizeY, box.SizeZ, mask.Spacing, squared);
        double limit = radius * radius * (1 + Slack);
        var result = new BinaryMask(mask.Geometry);
        Write(result, box, squared, limit, inside: false);
        return result;
    }

    internal static BinaryMask Open(BinaryMask mask, double radius) => Dilate(Erode(mask, radius), radius);

    internal static BinaryMask Close(BinaryMask mask, double radius) => Erode(Dilate(mask, radius), radius);

    internal static BinaryMask FillHoles(BinaryMask mask, bool perSlice)
    {
        var runs = RunLabeling.Build(mask, perSlice ? Connectivity.Four : Connectivity.Six, foreground: 0);
        var holes = runs.TouchesBorder(perSlice);
        for (int label = 1; label < holes.Length; label++)
        {
            holes[label] = !holes[label];
        }

        var result = mask.Clone();
        runs.Paint(result.Voxels, holes);
        return result;
    }

    private static double CheckRadius(double radiusMm)
    {
        if (!(radiusMm >= 0) || !double.IsFinite(radiusMm))
        {
            throw new ArgumentOutOfRangeException(nameof(radiusMm), $"The radius must be a finite number of mm >= 0, got {radiusMm}.");
        }

        return radiusMm;
    }

    /// <summary>Sets the voxels of <paramref name="box"/> whose squared distance is within (or, for erosion, beyond) the limit.</summary>
    private static void Write(BinaryMask result, VoxelBounds box, double[] squared, double limit, bool inside)
    {
        int bx = box.SizeX, by = box.SizeY;
        Parallel.For(0, box.SizeZ, z =>
        {
            for (int y = 0; y < by; y++)
            {
                var source = squared.AsSpan(((z * by) + y) * bx, bx);
                var target = result.Row(box.Min.Y + y, box.Min.Z + z).Slice(box.Min.X, bx);
                for (int x = 0; x < bx; x++)
                {
                    target[x] = (source[x] <= limit) == inside ? (byte)1 : (byte)0;
                }
            }
        });
    }
}
