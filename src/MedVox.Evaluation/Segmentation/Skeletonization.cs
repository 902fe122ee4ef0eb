namespace MedVox.Evaluation.Segmentation;

/// <summary>
/// Thinning of 2D binary masks to one-pixel-wide, 8-connected centrelines: Zhang and Suen's parallel two-subiteration
/// algorithm (Commun. ACM 27(3), 1984) in the form scikit-image's <c>skeletonize</c> (method "zhang", from
/// CellProfiler, BSD licence) implements it, so that centreline metrics agree with the clDice reference code, which
/// calls that function. Each pass reads the previous state only: a pixel is removed when the look-up table entry of
/// its 8-neighbourhood allows removal in that subiteration; passes repeat until nothing changes. Pixels outside the
/// image count as background.
/// </summary>
public static class Skeletonization
{
    /// <summary>
    /// Removal class of each 8-neighbourhood (bits: 1 north-west, 2 north, 4 north-east, 8 east, 16 south-east,
    /// 32 south, 64 south-west, 128 west): 1 removable in the first subiteration, 2 in the second, 3 in both.
    /// scikit-image 0.19's table, which adds the removal of staircase corners to Zhang and Suen's conditions.
    /// </summary>
    private static readonly byte[] Table =
    [
        0, 0, 0, 1, 0, 0, 1, 3, 0, 0, 3, 1, 1, 0, 1, 3, 0, 0, 0, 0, 0, 0,
        0, 0, 2, 0, 2, 0, 3, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 3, 0, 2, 2, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0,
        0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 3, 0, 2, 0, 0, 0, 3, 1,
        0, 0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 1, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 1, 3, 0, 0,
        1, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 2, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3,
        0, 1, 0, 0, 0, 0, 2, 2, 0, 0, 2, 0, 0, 0,
    ];

    /// <summary>
    /// The skeleton (1 on the centreline, 0 elsewhere) of the mask <paramref name="mask"/> (non-zero is foreground),
    /// <paramref name="width"/> x <paramref name="height"/> pixels, x fastest.
    /// </summary>
    public static byte[] Skeletonize(ReadOnlySpan<byte> mask, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (mask.Length != (long)width * height)
        {
            throw new ArgumentException($"A {width}x{height} mask needs {(long)width * height} pixels, got {mask.Length}.", nameof(mask));
        }

        // A one-pixel background border spares the bounds checks; candidates are the foreground pixels still set.
        int stride = width + 2;
        var current = new byte[stride * (height + 2)];
        var candidates = new List<int>();
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                if (mask[(y * width) + x] != 0)
                {
                    int p = ((y + 1) * stride) + x + 1;
                    current[p] = 1;
                    candidates.Add(p);
                }
            }
        }

        var removed = new List<int>();
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int pass = 1; pass <= 2; pass++)
            {
                removed.Clear();
                foreach (int p in candidates)
                {
                    int above = p - stride, below = p + stride;
                    int code = current[above - 1] | (current[above] << 1) | (current[above + 1] << 2) | (current[p + 1] << 3)
                        | (current[below + 1] << 4) | (current[below] << 5) | (current[below - 1] << 6) | (current[p - 1] << 7);
                    int kind = Table[code];
                    if (kind == 3 || kind == pass)
                    {
                        removed.Add(p);
                    }
                }

                // Removal after the pass: every decision of a subiteration sees the same state (parallel thinning).
                foreach (int p in removed)
                {
                    current[p] = 0;
                }

                if (removed.Count > 0)
                {
                    changed = true;
                    int kept = 0;
                    for (int i = 0; i < candidates.Count; i++)
                    {
                        if (current[candidates[i]] != 0)
                        {
                            candidates[kept++] = candidates[i];
                        }
                    }

                    candidates.RemoveRange(kept, candidates.Count - kept);
                }
            }
        }

        var skeleton = new byte[width * height];
        foreach (int p in candidates)
        {
            int y = (p / stride) - 1, x = (p % stride) - 1;
            skeleton[(y * width) + x] = 1;
        }

        return skeleton;
    }
}
