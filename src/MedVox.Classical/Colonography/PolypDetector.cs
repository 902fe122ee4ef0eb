using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Classical.Colonography;

/// <summary>
/// Classical polyp detection for CT colonography, after Yoshida and Näppi (IEEE TMI 2001): no learning, only geometry.
/// The colon lumen (gas and tagged fluid) is found and electronically cleansed (set to gas), the volume is smoothed, and
/// on every tissue voxel that faces the lumen the shape index and curvedness of the local isosurface are computed from
/// the smoothed field's derivatives. Polyps are roughly spherical protrusions, so their surface is cap-like (shape index
/// near 1) with a curvedness of a sphere of a few mm, while the colon wall is rut-like (0.25) and haustral folds are
/// ridges (0.75). Cap-like voxels are grouped into face/edge/vertex-connected clusters, each one candidate; its score is
/// the volume of its surface layer, and its centre is estimated by moving every voxel inward by its radius of curvature.
/// </summary>
public static class PolypDetector
{
    private const float CleansedHu = -1000;

    /// <summary>Detects polyp candidates in a CT colonography volume in HU.</summary>
    public static PolypDetection Detect(Image ct, PolypDetectorOptions? options = null, CancellationToken cancellation = default)
    {
        options ??= new PolypDetectorOptions();
        options.Validate();
        BinaryMask.RequireScalarVolume(ct, nameof(ct));
        if (ct.Size.X < 3 || ct.Size.Y < 3 || ct.Size.Z < 3)
        {
            throw new MedVoxException($"polyp detection needs a 3D CT volume, got {ct.Size}", hint: "pass the whole colonography series, not a slice");
        }

        using var field = ct.ConvertTo(ElementType.Float32);
        var values = field.AsSpan<float>();
        var lumen = ColonLumen.Find(field, values, options);
        long lumenVoxels = lumen.Count();
        if (lumenVoxels == 0)
        {
            throw new MedVoxException(
                $"no colon gas found: no voxel inside the body lies below {options.GasHu} HU",
                hint: "polyp detection needs a CT colonography in Hounsfield units with an insufflated colon");
        }

        cancellation.ThrowIfCancellationRequested();
        var inLumen = lumen.Voxels;
        for (int i = 0; i < values.Length; i++)
        {
            if (inLumen[i] != 0)
            {
                values[i] = CleansedHu;
            }
        }

        GaussianFilter.SmoothInPlace(field, new Vector3D(options.SmoothingMm, options.SmoothingMm, options.SmoothingMm));
        cancellation.ThrowIfCancellationRequested();
        var (capMask, caps, surfaceVoxels) = FindCaps(field, inLumen, options);
        var candidates = Cluster(capMask, caps, field.Geometry, options);
        double voxelMl = field.Geometry.Spacing.X * field.Geometry.Spacing.Y * field.Geometry.Spacing.Z / 1000;
        return new PolypDetection(candidates, lumenVoxels * voxelMl, surfaceVoxels);
    }

    /// <summary>A cap-like surface voxel: where it is, its shape index, curvedness and estimate of the head's centre.</summary>
    private readonly record struct Cap(int Index, double ShapeIndex, double Curvedness, double Radius, Vector3D Center);

    private static (BinaryMask Mask, Cap[] Caps, long SurfaceVoxels) FindCaps(Image field, byte[] lumen, PolypDetectorOptions options)
    {
        var geometry = field.Geometry;
        int nx = geometry.Size.X, ny = geometry.Size.Y, nz = geometry.Size.Z;
        int plane = nx * ny;
        var spacing = geometry.Spacing;
        var capMask = new BinaryMask(geometry);
        var perSlice = new List<Cap>?[nz];
        var surfaceCounts = new long[nz];
        Parallel.For(1, nz - 1, z =>
        {
            var f = field.AsSpan<float>();
            List<Cap>? found = null;
            long surface = 0;
            for (int y = 1; y < ny - 1; y++)
            {
                int row = ((z * ny) + y) * nx;
                for (int x = 1; x < nx - 1; x++)
                {
                    int i = row + x;
                    if (lumen[i] != 0 || (lumen[i - 1] | lumen[i + 1] | lumen[i - nx] | lumen[i + nx] | lumen[i - plane] | lumen[i + plane]) == 0)
                    {
                        continue;
                    }

                    surface++;
                    var curvature = CurvatureAt(f, i, nx, plane, spacing);
                    if (curvature is not { } c)
                    {
                        continue;
                    }

                    double shapeIndex = c.ShapeIndex, curvedness = c.Curvedness;
                    if (shapeIndex < options.MinShapeIndex || curvedness < options.MinCurvedness || curvedness > options.MaxCurvedness || c.Mean <= 0)
                    {
                        continue;
                    }

                    double radius = 1 / c.Mean;
                    var inward = geometry.Direction * c.Inward;
                    var center = geometry.IndexToPhysical(x, y, z) + (inward * radius);
                    (found ??= []).Add(new Cap(i, shapeIndex, curvedness, radius, center));
                    capMask.Voxels[i] = 1;
                }
            }

            perSlice[z] = found;
            surfaceCounts[z] = surface;
        });

        var caps = new List<Cap>();
        long surfaceVoxels = 0;
        for (int z = 0; z < nz; z++)
        {
            surfaceVoxels += surfaceCounts[z];
            if (perSlice[z] is { } found)
            {
                caps.AddRange(found);
            }
        }

        return (capMask, caps.ToArray(), surfaceVoxels);
    }

    /// <summary>Isosurface curvature at voxel <paramref name="i"/> from central differences of the smoothed field (mm units).</summary>
    private static SurfaceCurvature? CurvatureAt(ReadOnlySpan<float> f, int i, int nx, int plane, Vector3D spacing)
    {
        double c = f[i];
        double xp = f[i + 1], xm = f[i - 1], yp = f[i + nx], ym = f[i - nx], zp = f[i + plane], zm = f[i - plane];
        double sx = spacing.X, sy = spacing.Y, sz = spacing.Z;
        var gradient = new Vector3D((xp - xm) / (2 * sx), (yp - ym) / (2 * sy), (zp - zm) / (2 * sz));
        double hxx = (xp - (2 * c) + xm) / (sx * sx);
        double hyy = (yp - (2 * c) + ym) / (sy * sy);
        double hzz = (zp - (2 * c) + zm) / (sz * sz);
        double hxy = (f[i + nx + 1] - f[i + nx - 1] - f[i - nx + 1] + f[i - nx - 1]) / (4 * sx * sy);
        double hxz = (f[i + plane + 1] - f[i + plane - 1] - f[i - plane + 1] + f[i - plane - 1]) / (4 * sx * sz);
        double hyz = (f[i + plane + nx] - f[i + plane - nx] - f[i - plane + nx] + f[i - plane - nx]) / (4 * sy * sz);
        return SurfaceCurvature.FromDerivatives(gradient, hxx, hyy, hzz, hxy, hxz, hyz);
    }

    private static PolypCandidate[] Cluster(BinaryMask capMask, Cap[] caps, ImageGeometry geometry, PolypDetectorOptions options)
    {
        var runs = RunLabeling.Build(capMask, Connectivity.TwentySix);
        int count = runs.ComponentCount;
        var voxels = new int[count + 1];
        var shapeIndex = new double[count + 1];
        var curvedness = new double[count + 1];
        var radius = new double[count + 1];
        var center = new Vector3D[count + 1];
        int nx = geometry.Size.X;
        foreach (var cap in caps)
        {
            int label = runs.LabelOf(cap.Index / nx, cap.Index % nx);
            voxels[label]++;
            shapeIndex[label] += cap.ShapeIndex;
            curvedness[label] += cap.Curvedness;
            radius[label] += cap.Radius;
            center[label] += cap.Center;
        }

        var spacing = geometry.Spacing;
        double voxelMm3 = spacing.X * spacing.Y * spacing.Z;
        var candidates = new List<PolypCandidate>();
        for (int label = 1; label <= count; label++)
        {
            double volume = voxels[label] * voxelMm3;
            if (voxels[label] < options.MinClusterVoxels || volume < options.MinClusterVolumeMm3)
            {
                continue;
            }

            double n = voxels[label];
            candidates.Add(new PolypCandidate(center[label] * (1 / n), volume, voxels[label], shapeIndex[label] / n, curvedness[label] / n, 2 * radius[label] / n));
        }

        candidates.Sort((a, b) => b.Score.CompareTo(a.Score));
        return candidates.ToArray();
    }
}
