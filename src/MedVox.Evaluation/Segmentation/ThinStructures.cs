using MedVox.Classical;
using MedVox.Geometry;

namespace MedVox.Evaluation.Segmentation;

/// <summary>
/// The thin parts of a 2D mask: pixels of structures at most 2 pixels wide (capillaries in a fundus image), found from
/// the mask's distance transform. A pixel whose distance to the background is 2 or more lies in a part at least 3
/// pixels wide; the open disc of radius (distance) around it holds only foreground and marks that part as thick (a
/// morphological opening with the local radius). Everything else of the mask is thin. Along an axis a band 1 or 2
/// pixels wide is thin and a band of 3 or more thick; a diagonal band is thin up to about 2.1 pixels across.
/// </summary>
public static class ThinStructures
{
    /// <summary>The widest structure (pixels) counted as thin.</summary>
    public const int MaxWidth = 2;

    /// <summary>
    /// 1 where <paramref name="mask"/> (non-zero is foreground, <paramref name="width"/> x <paramref name="height"/>,
    /// x fastest) belongs to a structure at most <see cref="MaxWidth"/> pixels wide, 0 elsewhere. Pixels outside the
    /// image are not background: a structure cut by the border keeps the width it has inside.
    /// </summary>
    public static byte[] Mask(ReadOnlySpan<byte> mask, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        int count = width * height;
        if (mask.Length != count)
        {
            throw new ArgumentException($"A {width}x{height} mask needs {count} pixels, got {mask.Length}.", nameof(mask));
        }

        var background = new byte[count];
        for (int i = 0; i < count; i++)
        {
            background[i] = mask[i] == 0 ? (byte)1 : (byte)0;
        }

        var squared = new double[count];
        EuclideanDistanceTransform.ComputeSquared(background, width, height, 1, new Vector3D(1, 1, 1), squared);
        var thick = new byte[count];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                double d2 = squared[(y * width) + x];
                if (d2 < 4)
                {
                    continue;
                }

                // Every pixel closer than the nearest background pixel is foreground: the open disc stays inside.
                double r2 = double.IsFinite(d2) ? d2 : ((double)width * width) + ((double)height * height);
                int reach = (int)Math.Ceiling(Math.Sqrt(r2));
                for (int dy = Math.Max(-reach, -y); dy <= Math.Min(reach, height - 1 - y); dy++)
                {
                    int row = (y + dy) * width;
                    for (int dx = Math.Max(-reach, -x); dx <= Math.Min(reach, width - 1 - x); dx++)
                    {
                        if ((dx * dx) + (dy * dy) < r2)
                        {
                            thick[row + x + dx] = 1;
                        }
                    }
                }
            }
        }

        var thin = new byte[count];
        for (int i = 0; i < count; i++)
        {
            thin[i] = mask[i] != 0 && thick[i] == 0 ? (byte)1 : (byte)0;
        }

        return thin;
    }

    /// <summary>
    /// Fraction of the thin reference pixels (<see cref="Mask"/> of <paramref name="reference"/>) that
    /// <paramref name="prediction"/> marks as foreground; NaN when the reference has no thin part.
    /// </summary>
    public static double Sensitivity(ReadOnlySpan<byte> prediction, ReadOnlySpan<byte> reference, int width, int height)
    {
        if (prediction.Length != reference.Length)
        {
            throw new ArgumentException($"Prediction ({prediction.Length} pixels) and reference ({reference.Length}) differ in size.", nameof(prediction));
        }

        var thin = Mask(reference, width, height);
        long total = 0, found = 0;
        for (int i = 0; i < thin.Length; i++)
        {
            if (thin[i] != 0)
            {
                total++;
                if (prediction[i] != 0)
                {
                    found++;
                }
            }
        }

        return total == 0 ? double.NaN : (double)found / total;
    }
}
