namespace MedVox.Reporting.Snapshots;

/// <summary>
/// Outlines of a binary mask along pixel edges (the exact voxel boundary, no smoothing): closed loops of lattice
/// points, corner points only. Each foreground pixel's sides that face background or the outside are directed
/// clockwise (screen coordinates, y down), so foreground lies to the right; at a vertex where two regions touch
/// diagonally the walk turns right, keeping them separate loops as 4-connectivity does.
/// </summary>
internal static class ContourTracer
{
    private static readonly int[] StepX = [1, 0, -1, 0];
    private static readonly int[] StepY = [0, 1, 0, -1];

    /// <summary>Loops of lattice points (x in 0..width, y in 0..height); each loop's last point joins its first.</summary>
    public static List<List<(int X, int Y)>> Trace(ReadOnlySpan<bool> mask, int width, int height)
    {
        int stride = width + 1;

        // out[vertex * 4 + direction]: a boundary edge leaves the vertex in that direction (0 +x, 1 +y, 2 −x, 3 −y).
        var outgoing = new bool[stride * (height + 1) * 4];
        int edges = 0;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                if (!mask[(y * width) + x])
                {
                    continue;
                }

                if (y == 0 || !mask[((y - 1) * width) + x])
                {
                    outgoing[(((y * stride) + x) * 4) + 0] = true;
                    edges++;
                }

                if (x == width - 1 || !mask[(y * width) + x + 1])
                {
                    outgoing[(((y * stride) + x + 1) * 4) + 1] = true;
                    edges++;
                }

                if (y == height - 1 || !mask[((y + 1) * width) + x])
                {
                    outgoing[((((y + 1) * stride) + x + 1) * 4) + 2] = true;
                    edges++;
                }

                if (x == 0 || !mask[(y * width) + x - 1])
                {
                    outgoing[((((y + 1) * stride) + x) * 4) + 3] = true;
                    edges++;
                }
            }
        }

        var loops = new List<List<(int X, int Y)>>();
        if (edges == 0)
        {
            return loops;
        }

        for (int start = 0; start < outgoing.Length; start++)
        {
            if (!outgoing[start])
            {
                continue;
            }

            int vertex = start / 4, direction = start % 4;
            var loop = new List<(int X, int Y)> { (vertex % stride, vertex / stride) };
            while (true)
            {
                outgoing[(vertex * 4) + direction] = false;
                int x = (vertex % stride) + StepX[direction], y = (vertex / stride) + StepY[direction];
                vertex = (y * stride) + x;
                int next = -1;
                foreach (int turn in (ReadOnlySpan<int>)[1, 0, 3])
                {
                    int candidate = (direction + turn) % 4;
                    if (outgoing[(vertex * 4) + candidate])
                    {
                        next = candidate;
                        break;
                    }
                }

                if (next < 0)
                {
                    break;
                }

                if (next != direction)
                {
                    loop.Add((x, y));
                }

                direction = next;
            }

            loops.Add(loop);
        }

        return loops;
    }
}
