namespace MedVox.Learning.Inference;

/// <summary>How the predictions of overlapping windows are blended.</summary>
public enum WindowWeighting
{
    /// <summary>nnU-Net's importance map: a Gaussian centred on the window, sigma 1/8 of the patch per axis, so window edges (where a network sees the least context) count least.</summary>
    Gaussian,

    /// <summary>Every voxel of a window counts the same: plain averaging (with no overlap, naive tiling).</summary>
    Constant,
}

/// <summary>
/// Per-axis factors of the window weight. The Gaussian is separable, and the windows form a product grid, so the sum of
/// weights at a voxel is the product of per-axis sums: no weight volume has to be accumulated or stored.
/// </summary>
public static class WindowWeights
{
    /// <summary>Sigma as a fraction of the patch (nnU-Net: 1/8).</summary>
    public const double SigmaScale = 1.0 / 8;

    /// <summary>
    /// The weight factor along one axis of length <paramref name="patch"/>: exp(-(i - c)^2 / (2 sigma^2)) with c the
    /// centre voxel (patch / 2, as nnU-Net) and sigma = patch / 8, scaled to a maximum of 1 and kept above a small
    /// floor so that every voxel is covered with a positive weight (nnU-Net replaces zeros by the smallest nonzero value).
    /// </summary>
    public static float[] Axis(int patch, WindowWeighting weighting)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(patch, 1);
        var weights = new float[patch];
        if (weighting == WindowWeighting.Constant || patch == 1)
        {
            Array.Fill(weights, 1f);
            return weights;
        }

        double sigma = patch * SigmaScale;
        int centre = patch / 2;
        double max = 0;
        var values = new double[patch];
        for (int i = 0; i < patch; i++)
        {
            double d = i - centre;
            values[i] = Math.Exp(-(d * d) / (2 * sigma * sigma));
            max = Math.Max(max, values[i]);
        }

        for (int i = 0; i < patch; i++)
        {
            weights[i] = (float)Math.Max(values[i] / max, 1e-3);
        }

        return weights;
    }

    /// <summary>Sum over the windows of <paramref name="starts"/> of the axis weights at each voxel of an axis of <paramref name="size"/>.</summary>
    public static float[] Sums(int size, int[] starts, float[] axis)
    {
        ArgumentNullException.ThrowIfNull(starts);
        ArgumentNullException.ThrowIfNull(axis);
        var sums = new double[size];
        foreach (int s in starts)
        {
            for (int i = 0; i < axis.Length; i++)
            {
                int v = s + i;
                if (v >= 0 && v < size)
                {
                    sums[v] += axis[i];
                }
            }
        }

        var result = new float[size];
        for (int v = 0; v < size; v++)
        {
            result[v] = (float)sums[v];
        }

        return result;
    }
}
