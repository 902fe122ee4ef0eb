namespace MedVox.Classical.Abdomen;

/// <summary>
/// Competitive region growing: every seed label spreads by face steps, all labels at the same pace (a breadth-first
/// search from all seeds at once), so a voxel connected to several seeds goes to the one that reaches it in the fewest
/// steps: a watershed on the geodesic distance that splits touching organs where their fronts meet.
/// </summary>
internal static class SeededGrowth
{
    /// <summary>
    /// Grows <paramref name="labels"/> (0 = unassigned, seeds &gt; 0) in place into the voxels set in
    /// <paramref name="allowed"/>, for at most <paramref name="steps"/> face steps.
    /// </summary>
    public static void Grow(byte[] labels, BinaryMask allowed, int steps = int.MaxValue)
    {
        Run(labels, allowed.Nx, allowed.Ny, allowed.Nz, steps, new InMask(allowed.Voxels));
    }

    /// <summary>
    /// Grows <paramref name="labels"/> (1 to 8) in place into voxels whose value lies in the band
    /// [<paramref name="low"/>, <paramref name="high"/>] of the growing label (indexed by label) and whose
    /// <paramref name="reach"/> has the label's bit (1 &lt;&lt; (label - 1)) set.
    /// </summary>
    public static void GrowBanded(byte[] labels, float[] values, float[] low, float[] high, byte[] reach, int nx, int ny, int nz)
    {
        Run(labels, nx, ny, nz, int.MaxValue, new InBand(reach, values, low, high));
    }

    private static void Run<TRule>(byte[] labels, int nx, int ny, int nz, int steps, TRule allowed)
        where TRule : struct, IRule
    {
        int slice = nx * ny;
        var current = new List<int>();
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] != 0)
            {
                current.Add(i);
            }
        }

        var next = new List<int>();
        for (int step = 0; step < steps && current.Count > 0; step++)
        {
            next.Clear();
            foreach (int i in current)
            {
                byte label = labels[i];
                int x = i % nx, y = i / nx % ny, z = i / slice;
                Visit(labels, allowed, next, i - 1, x > 0, label);
                Visit(labels, allowed, next, i + 1, x < nx - 1, label);
                Visit(labels, allowed, next, i - nx, y > 0, label);
                Visit(labels, allowed, next, i + nx, y < ny - 1, label);
                Visit(labels, allowed, next, i - slice, z > 0, label);
                Visit(labels, allowed, next, i + slice, z < nz - 1, label);
            }

            (current, next) = (next, current);
        }
    }

    private static void Visit<TRule>(byte[] labels, TRule allowed, List<int> next, int j, bool inside, byte label)
        where TRule : struct, IRule
    {
        if (inside && labels[j] == 0 && allowed.Allows(j, label))
        {
            labels[j] = label;
            next.Add(j);
        }
    }

    /// <summary>Whether a label may take a voxel (a struct, so the search inlines it).</summary>
    private interface IRule
    {
        bool Allows(int voxel, byte label);
    }

    private readonly struct InMask(byte[] voxels) : IRule
    {
        public bool Allows(int voxel, byte label) => voxels[voxel] != 0;
    }

    private readonly struct InBand(byte[] reach, float[] values, float[] low, float[] high) : IRule
    {
        public bool Allows(int voxel, byte label)
        {
            float v = values[voxel];
            return (reach[voxel] & (1 << (label - 1))) != 0 && v >= low[label] && v <= high[label];
        }
    }
}
