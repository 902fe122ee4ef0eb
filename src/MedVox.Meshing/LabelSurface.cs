using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Meshing;

/// <summary>The surface of one label as extracted, before any smoothing or decimation.</summary>
/// <param name="Mesh">Closed, outward-oriented, in the label map's physical space (LPS mm).</param>
/// <param name="Level">The iso-level of the smoothed indicator where it was extracted.</param>
/// <param name="VoxelCount">Voxels of the label.</param>
/// <param name="VoxelVolume">Their volume (mm³).</param>
public sealed record LabelSurfaceResult(TriangleMesh Mesh, double Level, long VoxelCount, double VoxelVolume);

/// <summary>
/// The closed surface around a label of a label map. The label's indicator is padded with background (so surfaces
/// touching the image border close there), smoothed by a small Gaussian (<see cref="SurfaceOptions.SmoothingSigma"/>
/// voxels), and contoured by marching cubes. Smoothing turns the voxel staircase into a smooth surface with sub-voxel
/// vertex positions, so areas come out right; it also shrinks convex and thin parts slightly, so by default the
/// iso-level is chosen (near 0.5) to make the enclosed volume equal the voxel volume: the printed organ has the
/// volume measured on the segmentation.
/// </summary>
public static class LabelSurface
{
    private const double LowestLevel = 0.02;
    private const double HighestLevel = 0.98;
    private const double VolumeTolerance = 2e-4;

    /// <summary>Extracts the surface of the voxels holding one of <paramref name="values"/>; empty when there are none.</summary>
    public static LabelSurfaceResult Extract(Image labels, IReadOnlyCollection<long> values, SurfaceOptions? options = null, LabelExtent? extent = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        options ??= new SurfaceOptions();
        options.Validate();
        LabelMaps.Require(labels, null);
        var sp = labels.Geometry.Spacing;
        double voxelVolume = sp.X * sp.Y * sp.Z;
        var found = extent ?? Measure(labels, values);
        if (found.VoxelCount == 0)
        {
            return new LabelSurfaceResult(TriangleMesh.Empty, 0.5, 0, 0);
        }

        double sigma = options.SmoothingSigma;
        var field = MaskField.Build(labels, values, found.Box, new Vector3D(sigma, sigma, sigma));
        var volume = field.Volume;
        double level = options.MatchVoxelVolume ? LevelForVolume(volume, found.VoxelCount) : 0.5;
        var mesh = MarchingCubes.Extract(volume, (float)level, labels.Geometry, field.IndexOffset);
        return new LabelSurfaceResult(mesh, level, found.VoxelCount, found.VoxelCount * voxelVolume);
    }

    /// <summary>
    /// The level whose isosurface encloses <paramref name="voxels"/> voxels: the enclosed volume falls as the level
    /// rises, so the level is bracketed and then found by regula falsi (Illinois variant) to 0.02% of the volume.
    /// </summary>
    internal static double LevelForVolume(ScalarVolume volume, long voxels)
    {
        double target = voxels;
        double Excess(double level) => MarchingCubes.EnclosedIndexVolume(volume, (float)level) - target;

        double a = 0.5, fa = Excess(a);
        if (Math.Abs(fa) <= VolumeTolerance * target)
        {
            return a;
        }

        // Step away from 0.5 in the direction that corrects the volume until the sign changes.
        double step = fa > 0 ? 0.05 : -0.05;
        double b = a, fb = fa;
        while (Math.Sign(fb) == Math.Sign(fa))
        {
            a = b;
            fa = fb;
            if (b == LowestLevel || b == HighestLevel)
            {
                return b; // the volume cannot be reached; keep the nearest level
            }

            b = Math.Clamp(b + step, LowestLevel, HighestLevel);
            fb = Excess(b);
            step *= 2;
        }

        int side = 0;
        for (int iteration = 0; iteration < 30; iteration++)
        {
            double c = ((a * fb) - (b * fa)) / (fb - fa);
            double fc = Excess(c);
            if (Math.Abs(fc) <= VolumeTolerance * target || Math.Abs(b - a) < 1e-6)
            {
                return c;
            }

            if (Math.Sign(fc) == Math.Sign(fb))
            {
                b = c;
                fb = fc;
                if (side == -1)
                {
                    fa /= 2;
                }

                side = -1;
            }
            else
            {
                a = c;
                fa = fc;
                if (side == 1)
                {
                    fb /= 2;
                }

                side = 1;
            }
        }

        return Math.Abs(fa) < Math.Abs(fb) ? a : b;
    }

    /// <summary>Count and box of the voxels holding one of the values (one pass over the map).</summary>
    private static LabelExtent Measure(Image labels, IReadOnlyCollection<long> values)
    {
        var inventory = LabelInventory.Scan(labels);
        long count = 0;
        VoxelBox? box = null;
        foreach (long value in values)
        {
            if (inventory.Extents.TryGetValue(value, out var extent))
            {
                count += extent.VoxelCount;
                box = box is { } b ? b.Union(extent.Box) : extent.Box;
            }
        }

        return new LabelExtent(count, box ?? default);
    }
}
