using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Classical.Abdomen;

/// <summary>The components of a mask with their peak intensity and physical extent: what the anatomical rules look at.</summary>
internal sealed class Blobs
{
    private readonly RunLabeling _runs;
    private readonly ImageGeometry _geometry;

    private Blobs(RunLabeling runs, ImageGeometry geometry, Component[] components, double[] maxHu, Vector3D[] extent)
    {
        _runs = runs;
        _geometry = geometry;
        Components = components;
        MaxHu = maxHu;
        Extent = extent;
    }

    public Component[] Components { get; }

    /// <summary>Largest value per label (index = label).</summary>
    public double[] MaxHu { get; }

    /// <summary>Physical size of each label's bounding box along x, y, z (mm; index = label).</summary>
    public Vector3D[] Extent { get; }

    public static Blobs Find(BinaryMask mask, Image volume, Connectivity connectivity)
    {
        var runs = RunLabeling.Build(mask, connectivity);
        var components = ConnectedComponents.Measure(runs, mask.Geometry, connectivity.IsPlanar());
        var maxs = new double[runs.ComponentCount + 1];
        Array.Fill(maxs, double.NegativeInfinity);
        var values = volume.AsSpan<float>();
        for (int row = 0; row < runs.Ny * runs.Nz; row++)
        {
            int offset = row * runs.Nx;
            for (int r = runs.RowStart[row]; r < runs.RowStart[row + 1]; r++)
            {
                float max = float.NegativeInfinity;
                foreach (float v in values.Slice(offset + runs.RunStart[r], runs.RunEnd[r] - runs.RunStart[r]))
                {
                    max = Math.Max(max, v);
                }

                int label = runs.RunLabel[r];
                maxs[label] = Math.Max(maxs[label], max);
            }
        }

        var extent = new Vector3D[maxs.Length];
        var spacing = mask.Spacing;
        foreach (var c in components)
        {
            extent[c.Label] = new Vector3D(c.Bounds.SizeX * spacing.X, c.Bounds.SizeY * spacing.Y, c.Bounds.SizeZ * spacing.Z);
        }

        return new Blobs(runs, mask.Geometry, components, maxs, extent);
    }

    public BinaryMask Mask(params ReadOnlySpan<int> labels)
    {
        var keep = new bool[Components.Length + 1];
        foreach (int label in labels)
        {
            if (label > 0)
            {
                keep[label] = true;
            }
        }

        var result = new BinaryMask(_geometry);
        _runs.Paint(result.Voxels, keep);
        return result;
    }

    public BinaryMask Mask(bool[] keep)
    {
        var result = new BinaryMask(_geometry);
        _runs.Paint(result.Voxels, keep);
        return result;
    }
}
