using System.Buffers;

namespace MedVox.Classical;

/// <summary>
/// Connected components of a binary volume by runs: each row's foreground is cut into runs (maximal stretches along
/// x), runs of neighbouring rows that touch are joined with union-find, and components are numbered in raster order
/// of their first voxel (z, then y, then x), as scipy.ndimage.label numbers them. Rows are scanned and joined in
/// parallel over slabs of slices; only the slab boundaries are joined serially. Work and memory grow with the number
/// of runs, not of voxels.
/// </summary>
internal sealed class RunLabeling
{
    /// <summary>Row y of slice z of the volume being labelled.</summary>
    public delegate ReadOnlySpan<byte> RowSource(int y, int z);

    private const int SlabSlices = 8;

    private RunLabeling(int nx, int ny, int nz, int[] rowStart, int[] runStart, int[] runEnd)
    {
        Nx = nx;
        Ny = ny;
        Nz = nz;
        RowStart = rowStart;
        RunStart = runStart;
        RunEnd = runEnd;
        RunLabel = new int[runStart.Length];
    }

    public int Nx { get; }

    public int Ny { get; }

    public int Nz { get; }

    /// <summary>Index of the first run of row (y, z) at <c>z * Ny + y</c>; one more entry closes the last row.</summary>
    public int[] RowStart { get; }

    /// <summary>First x of each run.</summary>
    public int[] RunStart { get; }

    /// <summary>One past the last x of each run.</summary>
    public int[] RunEnd { get; }

    /// <summary>Component (1..<see cref="ComponentCount"/>) of each run.</summary>
    public int[] RunLabel { get; }

    public int ComponentCount { get; private set; }

    public int RunCount => RunStart.Length;

    /// <summary>The component of voxel <paramref name="x"/> of row <paramref name="row"/> (<c>z * Ny + y</c>); 0 for background.</summary>
    public int LabelOf(int row, int x)
    {
        int low = RowStart[row], high = RowStart[row + 1] - 1;
        while (low <= high)
        {
            int mid = (low + high) >>> 1;
            if (x < RunStart[mid])
            {
                high = mid - 1;
            }
            else if (x >= RunEnd[mid])
            {
                low = mid + 1;
            }
            else
            {
                return RunLabel[mid];
            }
        }

        return 0;
    }

    /// <summary>Labels the foreground (voxels equal to <paramref name="foreground"/>) of a mask of 0/1 bytes.</summary>
    public static RunLabeling Build(byte[] voxels, int nx, int ny, int nz, Connectivity connectivity, byte foreground = 1) =>
        Build((y, z) => voxels.AsSpan(((z * ny) + y) * nx, nx), nx, ny, nz, connectivity, foreground);

    /// <summary>Labels the voxels equal to <paramref name="foreground"/> in rows read from <paramref name="rows"/> (a label map, in place of a mask).</summary>
    public static RunLabeling Build(RowSource rows, int nx, int ny, int nz, Connectivity connectivity, byte foreground)
    {
        connectivity.Validate();
        var labeling = Scan(rows, nx, ny, nz, foreground);
        labeling.Join(connectivity);
        return labeling;
    }

    public static RunLabeling Build(BinaryMask mask, Connectivity connectivity, byte foreground = 1) =>
        Build(mask.Voxels, mask.Nx, mask.Ny, mask.Nz, connectivity, foreground);

    /// <summary>Voxel count of each component (index = label; entry 0 unused).</summary>
    public long[] ComponentSizes()
    {
        var sizes = new long[ComponentCount + 1];
        for (int r = 0; r < RunCount; r++)
        {
            sizes[RunLabel[r]] += RunEnd[r] - RunStart[r];
        }

        return sizes;
    }

    /// <summary>
    /// For each label, whether the component reaches the border of the volume (of its slice, when
    /// <paramref name="planar"/>): the faces x, y = 0 or last, and z = 0 or last for volumes.
    /// </summary>
    public bool[] TouchesBorder(bool planar)
    {
        var touches = new bool[ComponentCount + 1];
        for (int z = 0; z < Nz; z++)
        {
            bool zBorder = !planar && (z == 0 || z == Nz - 1);
            for (int y = 0; y < Ny; y++)
            {
                int row = (z * Ny) + y;
                bool rowBorder = zBorder || y == 0 || y == Ny - 1;
                for (int r = RowStart[row]; r < RowStart[row + 1]; r++)
                {
                    if (rowBorder || RunStart[r] == 0 || RunEnd[r] == Nx)
                    {
                        touches[RunLabel[r]] = true;
                    }
                }
            }
        }

        return touches;
    }

    /// <summary>Writes <paramref name="value"/> over the voxels of every component whose entry in <paramref name="keep"/> is true.</summary>
    public void Paint(byte[] target, bool[] keep, byte value = 1)
    {
        int nx = Nx, ny = Ny;
        Parallel.For(0, Nz, z =>
        {
            for (int y = 0; y < ny; y++)
            {
                int row = (z * ny) + y;
                int offset = row * nx;
                for (int r = RowStart[row]; r < RowStart[row + 1]; r++)
                {
                    if (keep[RunLabel[r]])
                    {
                        target.AsSpan(offset + RunStart[r], RunEnd[r] - RunStart[r]).Fill(value);
                    }
                }
            }
        });
    }

    private static RunLabeling Scan(RowSource rows, int nx, int ny, int nz, byte foreground)
    {
        int rowCount = ny * nz;
        var rowStart = new int[rowCount + 1];
        Parallel.For(0, nz, z =>
        {
            for (int y = 0; y < ny; y++)
            {
                int row = (z * ny) + y;
                rowStart[row + 1] = CountRuns(rows(y, z), foreground);
            }
        });

        for (int row = 0; row < rowCount; row++)
        {
            rowStart[row + 1] += rowStart[row];
        }

        var runStart = new int[rowStart[rowCount]];
        var runEnd = new int[rowStart[rowCount]];
        Parallel.For(0, nz, z =>
        {
            for (int y = 0; y < ny; y++)
            {
                int row = (z * ny) + y;
                var line = rows(y, z);
                int r = rowStart[row];
                int x = 0;
                while (x < nx)
                {
                    int start = line[x..].IndexOf(foreground);
                    if (start < 0)
                    {
                        break;
                    }

                    start += x;
                    int length = line[start..].IndexOfAnyExcept(foreground);
                    int end = length < 0 ? nx : start + length;
                    runStart[r] = start;
                    runEnd[r] = end;
                    r++;
                    x = end;
                }
            }
        });

        return new RunLabeling(nx, ny, nz, rowStart, runStart, runEnd);
    }

    private static int CountRuns(ReadOnlySpan<byte> line, byte foreground)
    {
        int count = 0;
        int x = 0;
        while (x < line.Length)
        {
            int start = line[x..].IndexOf(foreground);
            if (start < 0)
            {
                break;
            }

            count++;
            int length = line[(x + start)..].IndexOfAnyExcept(foreground);
            if (length < 0)
            {
                break;
            }

            x += start + length;
        }

        return count;
    }

    /// <summary>The rows before a row in raster order whose runs can touch it: (dy, dz, whether x may differ by one).</summary>
    private static (int Dy, int Dz, bool Diagonal)[] EarlierNeighbours(Connectivity connectivity) => connectivity switch
    {
        Connectivity.Four => [(-1, 0, false)],
        Connectivity.Eight => [(-1, 0, true)],
        Connectivity.Six => [(-1, 0, false), (0, -1, false)],
        Connectivity.Eighteen => [(-1, 0, true), (0, -1, true), (-1, -1, false), (1, -1, false)],
        _ => [(-1, 0, true), (0, -1, true), (-1, -1, true), (1, -1, true)],
    };

    private void Join(Connectivity connectivity)
    {
        int runs = RunCount;
        int[] parent = ArrayPool<int>.Shared.Rent(Math.Max(runs, 1));
        try
        {
            for (int r = 0; r < runs; r++)
            {
                parent[r] = r;
            }

            var neighbours = EarlierNeighbours(connectivity);
            int slabs = (Nz + SlabSlices - 1) / SlabSlices;

            // Within slabs in parallel: a slab's runs form one index range, so the slabs' union-find writes never meet.
            Parallel.For(0, slabs, slab =>
            {
                int z0 = slab * SlabSlices, z1 = Math.Min(Nz, z0 + SlabSlices);
                for (int z = z0; z < z1; z++)
                {
                    JoinSlice(parent, neighbours, z, z0);
                }
            });

            // Then across slab boundaries, serially.
            if (!connectivity.IsPlanar())
            {
                for (int z = SlabSlices; z < Nz; z += SlabSlices)
                {
                    JoinSlice(parent, neighbours, z, z - 1, crossingOnly: true);
                }
            }

            // Roots are the smallest run of their set (unions link the larger root to the smaller), so a root comes
            // before its members and components are numbered in raster order of their first run.
            int count = 0;
            for (int r = 0; r < runs; r++)
            {
                int root = Find(parent, r);
                RunLabel[r] = root == r ? ++count : RunLabel[root];
            }

            ComponentCount = count;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(parent);
        }
    }

    /// <summary>
    /// Joins the runs of slice <paramref name="z"/> with the runs of earlier rows at or after slice
    /// <paramref name="zMin"/>; with <paramref name="crossingOnly"/>, only with rows of the previous slice.
    /// </summary>
    private void JoinSlice(int[] parent, (int Dy, int Dz, bool Diagonal)[] neighbours, int z, int zMin, bool crossingOnly = false)
    {
        for (int y = 0; y < Ny; y++)
        {
            int row = (z * Ny) + y;
            int a0 = RowStart[row], a1 = RowStart[row + 1];
            if (a0 == a1)
            {
                continue;
            }

            foreach (var (dy, dz, diagonal) in neighbours)
            {
                int ny = y + dy, nz = z + dz;
                if (ny < 0 || ny >= Ny || nz < zMin || (crossingOnly && dz == 0))
                {
                    continue;
                }

                int other = (nz * Ny) + ny;
                JoinRows(parent, a0, a1, RowStart[other], RowStart[other + 1], diagonal ? 1 : 0);
            }
        }
    }

    /// <summary>Unions every pair of runs from two rows that overlap (with <paramref name="reach"/> 1, that touch diagonally).</summary>
    private void JoinRows(int[] parent, int a, int aEnd, int b, int bEnd, int reach)
    {
        while (a < aEnd && b < bEnd)
        {
            if (RunStart[a] < RunEnd[b] + reach && RunStart[b] < RunEnd[a] + reach)
            {
                Union(parent, a, b);
            }

            if (RunEnd[a] < RunEnd[b])
            {
                a++;
            }
            else
            {
                b++;
            }
        }
    }

    private static int Find(int[] parent, int r)
    {
        int root = r;
        while (parent[root] != root)
        {
            root = parent[root];
        }

        while (parent[r] != root)
        {
            int next = parent[r];
            parent[r] = root;
            r = next;
        }

        return root;
    }

    private static void Union(int[] parent, int a, int b)
    {
        int ra = Find(parent, a), rb = Find(parent, b);
        if (ra < rb)
        {
            parent[rb] = ra;
        }
        else if (rb < ra)
        {
            parent[ra] = rb;
        }
    }
}
