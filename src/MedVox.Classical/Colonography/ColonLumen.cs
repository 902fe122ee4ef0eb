using MedVox.Imaging;

namespace MedVox.Classical.Colonography;

/// <summary>
/// The insufflated colon of a CT colonography: gas and the tagged fluid pooled under it, inside the body. Of the
/// face-connected regions of gas-or-fluid inside the body, the one holding the most gas is the colon (the lungs, a
/// smaller gas volume in an abdominal scan and separated from the colon by the diaphragm, and bone, which holds no gas,
/// are other regions). The partial-volume layer where gas meets fluid is added to the lumen, so that electronic
/// cleansing (replacing the lumen by air) leaves no artificial sheet of soft tissue there.
/// </summary>
internal static class ColonLumen
{
    /// <summary>The lumen of <paramref name="ct"/> (HU, float32 with contiguous voxels, as <paramref name="hu"/>).</summary>
    public static BinaryMask Find(Image ct, ReadOnlySpan<float> hu, PolypDetectorOptions options)
    {
        var geometry = ct.Geometry;
        var body = BodyRegion.FindMask(ct, BodyRegion.DefaultThresholdHu, 0);
        var inside = Morphology.FillHoles(body, perSlice: true);
        var candidates = new BinaryMask(geometry);
        float air = (float)options.GasHu, fluid = (float)options.TaggedFluidHu;
        var insideVoxels = inside.Voxels;
        var candidateVoxels = candidates.Voxels;
        for (int i = 0; i < hu.Length; i++)
        {
            float v = hu[i];
            candidateVoxels[i] = insideVoxels[i] != 0 && (v < air || v > fluid) ? (byte)1 : (byte)0;
        }

        var runs = RunLabeling.Build(candidates, Connectivity.Six);
        var gas = new long[runs.ComponentCount + 1];
        int nx = runs.Nx, ny = runs.Ny;
        for (int row = 0; row < runs.Ny * runs.Nz; row++)
        {
            var line = hu.Slice(row * nx, nx);
            for (int r = runs.RowStart[row]; r < runs.RowStart[row + 1]; r++)
            {
                long count = 0;
                for (int x = runs.RunStart[r]; x < runs.RunEnd[r]; x++)
                {
                    count += line[x] < air ? 1 : 0;
                }

                gas[runs.RunLabel[r]] += count;
            }
        }

        int colon = 0;
        for (int label = 1; label < gas.Length; label++)
        {
            if (gas[label] > gas[colon])
            {
                colon = label;
            }
        }

        var lumen = new BinaryMask(geometry);
        if (colon == 0)
        {
            return lumen;
        }

        var keep = new bool[runs.ComponentCount + 1];
        keep[colon] = true;
        runs.Paint(lumen.Voxels, keep);
        AddGasFluidInterface(lumen, hu, air, fluid, ny);
        return lumen;
    }

    /// <summary>Voxels between lumen gas and lumen fluid (a face neighbour of each) join the lumen.</summary>
    private static void AddGasFluidInterface(BinaryMask lumen, ReadOnlySpan<float> hu, float air, float fluid, int ny)
    {
        int nx = lumen.Nx, nz = lumen.Nz;
        int plane = nx * ny;
        var voxels = lumen.Voxels;
        var added = new List<int>();
        Span<int> steps = [1, -1, nx, -nx, plane, -plane];
        for (int z = 1; z < nz - 1; z++)
        {
            for (int y = 1; y < ny - 1; y++)
            {
                int row = ((z * ny) + y) * nx;
                for (int x = 1; x < nx - 1; x++)
                {
                    int i = row + x;
                    if (voxels[i] != 0)
                    {
                        continue;
                    }

                    bool nearGas = false, nearFluid = false;
                    foreach (int step in steps)
                    {
                        int j = i + step;
                        if (voxels[j] != 0)
                        {
                            nearGas |= hu[j] < air;
                            nearFluid |= hu[j] > fluid;
                        }
                    }

                    if (nearGas && nearFluid)
                    {
                        added.Add(i);
                    }
                }
            }
        }

        foreach (int i in added)
        {
            voxels[i] = 1;
        }
    }
}
