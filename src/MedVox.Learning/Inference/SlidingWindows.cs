namespace MedVox.Learning.Inference;

/// <summary>One window of the sliding-window grid: its first voxel (may be negative where the volume is padded) in z, y, x.</summary>
public readonly record struct WindowPosition(int Z, int Y, int X, int Row);

/// <summary>
/// The windows that cover a volume (nnU-Net's rule): per axis, a volume no larger than the patch gets one window
/// centred on it (padded with zeros); otherwise the fewest steps of at most <c>patch * (1 - overlap)</c> voxels that
/// cover it, spread evenly from the first voxel to the last. Windows are ordered by z, then y, then x, so that slabs
/// of z become final as the prediction proceeds; a "row" is the set of windows that share a z start.
/// </summary>
public sealed class SlidingWindows
{
    public SlidingWindows(IReadOnlyList<int> size, IReadOnlyList<int> patch, double overlap)
    {
        ArgumentNullException.ThrowIfNull(size);
        ArgumentNullException.ThrowIfNull(patch);
        if (size.Count != 3 || patch.Count != 3)
        {
            throw new ArgumentException("Size and patch need three axes (z, y, x).");
        }

        if (!(overlap >= 0 && overlap < 1))
        {
            throw new MedVoxException($"the overlap must be at least 0 and below 1, got {overlap}", field: "--overlap", hint: "0.5 is nnU-Net's default");
        }

        Size = [size[0], size[1], size[2]];
        Patch = [patch[0], patch[1], patch[2]];
        Overlap = overlap;
        Starts = new int[3][];
        for (int a = 0; a < 3; a++)
        {
            if (Size[a] < 1 || Patch[a] < 1)
            {
                throw new ArgumentException($"Sizes and patch sizes must be positive, got size {Size[a]} and patch {Patch[a]} on axis {a}.");
            }

            Starts[a] = Steps(Size[a], Patch[a], overlap);
        }

        var windows = new WindowPosition[Starts[0].Length * Starts[1].Length * Starts[2].Length];
        int i = 0;
        for (int row = 0; row < Starts[0].Length; row++)
        {
            foreach (int y in Starts[1])
            {
                foreach (int x in Starts[2])
                {
                    windows[i++] = new WindowPosition(Starts[0][row], y, x, row);
                }
            }
        }

        Windows = windows;
    }

    /// <summary>Volume size in z, y, x.</summary>
    public int[] Size { get; }

    /// <summary>Window size in z, y, x (1 in z for 2D networks).</summary>
    public int[] Patch { get; }

    public double Overlap { get; }

    /// <summary>Window starts per axis (z, y, x), increasing.</summary>
    public int[][] Starts { get; }

    public IReadOnlyList<WindowPosition> Windows { get; }

    public int Rows => Starts[0].Length;

    public int WindowsPerRow => Starts[1].Length * Starts[2].Length;

    /// <summary>Slices (z) that are final once every window of rows up to <paramref name="row"/> is done: all below the next row's start.</summary>
    public int FinalBelow(int row) => row + 1 >= Rows ? Size[0] : Math.Max(0, Starts[0][row + 1]);

    /// <summary>
    /// The most slices that must be held at once when windows run in batches of <paramref name="batch"/>: from the first
    /// slice not yet final when a batch starts to the last slice the batch touches.
    /// </summary>
    public int LiveSlices(int batch)
    {
        int most = 1;
        for (int first = 0; first < Windows.Count; first += batch)
        {
            int last = Math.Min(first + batch, Windows.Count) - 1;
            int row = Windows[first].Row;
            int low = row == 0 ? 0 : FinalBelow(row - 1);
            int high = Math.Min(Size[0], Windows[last].Z + Patch[0]);
            most = Math.Max(most, high - low);
        }

        return most;
    }

    /// <summary>Largest number of windows that overlap one voxel.</summary>
    public int MaxCover()
    {
        int cover = 1;
        for (int a = 0; a < 3; a++)
        {
            int most = 0;
            for (int v = 0; v < Size[a]; v++)
            {
                int n = 0;
                foreach (int s in Starts[a])
                {
                    if (v >= s && v < s + Patch[a])
                    {
                        n++;
                    }
                }

                most = Math.Max(most, n);
            }

            cover *= most;
        }

        return cover;
    }

    /// <summary>Window starts along one axis (see the class remarks).</summary>
    public static int[] Steps(int size, int patch, double overlap)
    {
        if (size <= patch)
        {
            return [-((patch - size) / 2)];
        }

        double target = patch * (1 - overlap);
        int count = (int)Math.Ceiling((size - patch) / Math.Max(target, 1)) + 1;
        var steps = new int[count];
        double actual = (double)(size - patch) / (count - 1);
        for (int i = 0; i < count; i++)
        {
            steps[i] = (int)Math.Round(actual * i, MidpointRounding.ToEven);
        }

        return steps;
    }
}
