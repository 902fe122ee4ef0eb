using MedVox.Imaging;

namespace MedVox.Classical;

/// <summary>
/// Connected-component clean-up of label maps, as segmentation pipelines apply it after prediction: nnU-Net's
/// "remove all but the largest component" per class (MONAI's <c>KeepLargestConnectedComponent</c>). An organ that is
/// one structure in every patient (liver, spleen, each kidney) loses its false islands; removed voxels become
/// background.
/// </summary>
public static class LabelComponents
{
    /// <summary>
    /// Keeps, for each value of <paramref name="values"/>, only the largest connected component of the voxels holding it
    /// in the uint8 label map <paramref name="labels"/> (in place); the other components of that value become 0. Returns
    /// the number of voxels set to background. Memory: two bytes per voxel on top of the map.
    /// </summary>
    public static long KeepLargest(Image labels, IReadOnlyCollection<int> values, Connectivity connectivity = Connectivity.TwentySix)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(values);
        BinaryMask.RequireScalarVolume(labels, nameof(labels));
        if (labels.ElementType != ElementType.UInt8)
        {
            throw new ArgumentException($"Label maps are uint8, got {labels.ElementType}.", nameof(labels));
        }

        var size = labels.Size;
        long removed = 0;
        var mask = new BinaryMask(labels.Geometry);
        foreach (int value in values)
        {
            if (value is < 1 or > byte.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(values), value, "Label values are 1-255 (0 is background).");
            }

            byte v = (byte)value;
            bool any = false;
            for (int z = 0; z < size.Z; z++)
            {
                for (int y = 0; y < size.Y; y++)
                {
                    var source = labels.GetRow<byte>(y, z);
                    var target = mask.Row(y, z);
                    for (int x = 0; x < source.Length; x++)
                    {
                        bool hit = source[x] == v;
                        target[x] = hit ? (byte)1 : (byte)0;
                        any |= hit;
                    }
                }
            }

            if (!any)
            {
                continue;
            }

            var largest = ConnectedComponents.KeepLargest(mask, connectivity);
            for (int z = 0; z < size.Z; z++)
            {
                for (int y = 0; y < size.Y; y++)
                {
                    var row = labels.GetRow<byte>(y, z);
                    var keep = largest.Row(y, z);
                    for (int x = 0; x < row.Length; x++)
                    {
                        if (row[x] == v && keep[x] == 0)
                        {
                            row[x] = 0;
                            removed++;
                        }
                    }
                }
            }
        }

        return removed;
    }
}
