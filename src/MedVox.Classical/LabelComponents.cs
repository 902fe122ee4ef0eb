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
    /// in the uint8 label map <paramref name="labels"/> (in place); the other components of that value become 0 (ties go
    /// to the first in raster order). Returns the number of voxels set to background. The map is labelled by runs
    /// where it lies: memory grows with the number of runs of the value (three ints each, one per row), not with voxels.
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

        foreach (int value in values)
        {
            if (value is < 1 or > byte.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(values), value, "Label values are 1-255 (0 is background).");
            }
        }

        var size = labels.Size;
        long removed = 0;
        foreach (int value in values)
        {
            var runs = RunLabeling.Build((y, z) => labels.GetRow<byte>(y, z), size.X, size.Y, size.Z, connectivity, (byte)value);
            var sizes = runs.ComponentSizes();
            int best = 0;
            long total = 0;
            for (int label = 1; label < sizes.Length; label++)
            {
                total += sizes[label];
                if (sizes[label] > sizes[best])
                {
                    best = label;
                }
            }

            if (total == sizes[best])
            {
                continue;
            }

            Parallel.For(0, size.Z, z =>
            {
                for (int y = 0; y < size.Y; y++)
                {
                    var row = labels.GetRow<byte>(y, z);
                    int index = (z * size.Y) + y;
                    for (int r = runs.RowStart[index]; r < runs.RowStart[index + 1]; r++)
                    {
                        if (runs.RunLabel[r] != best)
                        {
                            row[runs.RunStart[r]..runs.RunEnd[r]].Clear();
                        }
                    }
                }
            });
            removed += total - sizes[best];
        }

        return removed;
    }
}
