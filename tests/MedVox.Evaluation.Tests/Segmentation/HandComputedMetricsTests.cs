using MedVox.Evaluation.Segmentation;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Evaluation.Tests.Segmentation;

/// <summary>
/// Metrics of tiny masks worked out by hand. Two 5x5x5 cubes (indices 5..9) in a 20³ grid; the boundary of each is its
/// 98 outer voxels (125 minus the 3³ interior), since a voxel is on the boundary when a face neighbour is outside.
/// </summary>
public class HandComputedMetricsTests
{
    private static readonly ImageSize Grid = ImageSize.Of3D(20, 20, 20);

    [Fact]
    public void CubesShiftedTwoVoxelsAlongX()
    {
        // Spacing (0.5, 1, 2). Prediction = reference shifted by 2 voxels (1 mm) along x: overlap 3x5x5 = 75 voxels.
        // Dice = 2·75 / 250 = 0.6, IoU = 75 / 175 = 3/7.
        // Directed distances from the 98 prediction boundary voxels to the reference boundary:
        //   x = 7 face: 16 rim voxels lie on the reference's y/z faces (0); the 9 inner ones are 2 voxels = 1 mm from
        //     the reference faces x = 5 and x = 9 (y, z are farther: ≥ 1 mm and ≥ 4 mm);
        //   x = 8, 9: the 2·16 rim voxels lie on the reference's y/z faces (0);
        //   x = 10: 16 rim voxels, 0.5 mm from the face x = 9;  x = 11 face: 25 voxels, 1 mm from x = 9.
        // Sum 9·1 + 16·0.5 + 25·1 = 42 over 98; by mirror symmetry the same the other way.
        // HD = 1 mm; HD95: 48 zeros, 16 × 0.5, 34 × 1.0 sorted, position 0.95·97 = 92.15 → 1.0.
        // ASSD = 84 / 196 = 3/7 mm. NSD at 0.5 mm: (64 + 64) / 196; at 1 mm: 1.
        var geometry = Masks.Geometry(Grid, new Vector3D(0.5, 1, 2));
        using var reference = Masks.Box(geometry, new Index3(5, 5, 5), new Index3(9, 9, 9));
        using var prediction = Masks.Box(geometry, new Index3(7, 5, 5), new Index3(11, 9, 9));

        var m = SegmentationEvaluator.CompareMasks(prediction, reference, new SegmentationOptions { SurfaceTolerance = 0.5 });
        Assert.Equal(0.6, m.Dice, 15);
        Assert.Equal(3.0 / 7, m.Iou, 15);
        Assert.Equal(1.0, m.HausdorffDistance, 15);
        Assert.Equal(1.0, m.HausdorffDistance95, 15);
        Assert.Equal(3.0 / 7, m.AverageSymmetricSurfaceDistance, 14);
        Assert.Equal(128.0 / 196, m.NormalizedSurfaceDice, 15);
        Assert.Equal(98, m.PredictionSurfaceVoxels);
        Assert.Equal(98, m.ReferenceSurfaceVoxels);
        Assert.Equal(75, m.TruePositiveVoxels);
        Assert.Equal(125.0, m.ReferenceVolume, 12); // 125 voxels of 0.5·1·2 = 1 mm³
        Assert.Equal(0.0, m.VolumeDifference, 12);

        var atOne = SegmentationEvaluator.CompareMasks(prediction, reference, new SegmentationOptions { SurfaceTolerance = 1.0 });
        Assert.Equal(1.0, atOne.NormalizedSurfaceDice);
    }

    [Fact]
    public void CubesShiftedOneVoxelAlongTheCoarseAxis()
    {
        // Spacing (0.5, 1, 2), shift 1 voxel (2 mm) along z: overlap 5x5x4 = 100, Dice 0.8, IoU 2/3.
        // Prediction boundary (z 6..10):
        //   z = 6 face: 16 rim voxels on the reference's x/y faces (0); inner 3x3: x = 6 or 8 → 0.5 mm to x = 5 / 9
        //     (6 voxels), x = 7 → 1 mm (to y = 5/9 from y = 6/8, or 2 voxels of x: 3 voxels); z is 2 mm away;
        //   z = 7..9: 3·16 rim voxels on the reference's faces (0);
        //   z = 10 face: 25 voxels 2 mm from the face z = 9.
        // 64 zeros, 6 × 0.5, 3 × 1, 25 × 2: sum 56 over 98, the same the other way.
        // HD = 2, HD95 = 2 (position 92.15 lies among the 2 mm values), ASSD = 112 / 196 = 4/7 mm,
        // NSD at 1 mm = 2·73 / 196, at 0.5 mm = 2·70 / 196.
        var geometry = Masks.Geometry(Grid, new Vector3D(0.5, 1, 2));
        using var reference = Masks.Box(geometry, new Index3(5, 5, 5), new Index3(9, 9, 9));
        using var prediction = Masks.Box(geometry, new Index3(5, 5, 6), new Index3(9, 9, 10));

        var m = SegmentationEvaluator.CompareMasks(prediction, reference, new SegmentationOptions { SurfaceTolerance = 1.0 });
        Assert.Equal(0.8, m.Dice, 15);
        Assert.Equal(2.0 / 3, m.Iou, 15);
        Assert.Equal(2.0, m.HausdorffDistance, 15);
        Assert.Equal(2.0, m.HausdorffDistance95, 15);
        Assert.Equal(4.0 / 7, m.AverageSymmetricSurfaceDistance, 14);
        Assert.Equal(146.0 / 196, m.NormalizedSurfaceDice, 15);

        var atHalf = SegmentationEvaluator.CompareMasks(prediction, reference, new SegmentationOptions { SurfaceTolerance = 0.5 });
        Assert.Equal(140.0 / 196, atHalf.NormalizedSurfaceDice, 15);
    }

    [Fact]
    public void DirectionDoesNotChangeDistances()
    {
        // Distances are physical for any rotation: the same cubes in an oblique, flipped frame give the same numbers.
        var direction = TestImages.ObliqueGeometry(ImageSize.Of3D(1, 1, 1)).Direction;
        var geometry = Masks.Geometry(Grid, new Vector3D(0.5, 1, 2), direction);
        using var reference = Masks.Box(geometry, new Index3(5, 5, 5), new Index3(9, 9, 9));
        using var prediction = Masks.Box(geometry, new Index3(5, 5, 6), new Index3(9, 9, 10));

        var m = SegmentationEvaluator.CompareMasks(prediction, reference);
        Assert.Equal(2.0, m.HausdorffDistance, 15);
        Assert.Equal(4.0 / 7, m.AverageSymmetricSurfaceDistance, 14);
    }

    [Fact]
    public void HausdorffPercentileInterpolatesLinearly()
    {
        // Reference: one voxel at x = 0; prediction: voxels at x = 0..20 of a 1D row (spacing 1): each prediction voxel
        // is its own boundary (both x neighbours or the row's ends are outside). Directed distances prediction →
        // reference are 0, 1, ..., 20; numpy's 95th percentile is at position 0.95·20 = 19 → 19. Reference →
        // prediction is 0. So HD95 = 19, HD = 20, ASSD = (0 + 1 + ... + 20 + 0) / 22 = 210 / 22.
        var geometry = Masks.Geometry(ImageSize.Of3D(24, 1, 1), Vector3D.One);
        using var reference = Masks.Box(geometry, new Index3(0, 0, 0), new Index3(0, 0, 0));
        using var prediction = Masks.Create(geometry, (x, _, _) => x <= 20 ? 1 : 0);

        var m = SegmentationEvaluator.CompareMasks(prediction, reference);
        Assert.Equal(20, m.HausdorffDistance);
        Assert.Equal(19, m.HausdorffDistance95, 12);
        Assert.Equal(210.0 / 22, m.AverageSymmetricSurfaceDistance, 12);

        // With 0..19 (20 values): position 0.95·19 = 18.05 → 18.05 (between 18 and 19).
        using var shorter = Masks.Create(geometry, (x, _, _) => x <= 19 ? 1 : 0);
        Assert.Equal(18.05, SegmentationEvaluator.CompareMasks(shorter, reference).HausdorffDistance95, 12);
    }

    [Fact]
    public void PlanarImagesUseFourConnectedBoundaries()
    {
        // 2D, spacing (0.5, 2): reference square x, y in 2..6, prediction shifted by one column (x 3..7).
        // Overlap 4x5: Dice = 40/50. Prediction boundary = its 16-voxel perimeter: column x = 3 (y = 2 and 6 lie on
        // the reference's rows: 0; three inner ones: 0.5 mm to column x = 2), rows y = 2, 6 at x = 4..6 (0), column
        // x = 7 (five voxels, 0.5 mm from column 6). Sum 4 mm over 16; symmetric: ASSD = 8 / 32 = 0.25, HD = 0.5.
        var geometry = Masks.Geometry(ImageSize.Of2D(10, 10), new Vector3D(0.5, 2, 1));
        using var reference = Masks.Create(geometry, (x, y, _) => x is >= 2 and <= 6 && y is >= 2 and <= 6 ? 1 : 0);
        using var prediction = Masks.Create(geometry, (x, y, _) => x is >= 3 and <= 7 && y is >= 2 and <= 6 ? 1 : 0);

        var m = SegmentationEvaluator.CompareMasks(prediction, reference);
        Assert.Equal(0.8, m.Dice, 15);
        Assert.Equal(16, m.PredictionSurfaceVoxels);
        Assert.Equal(0.5, m.HausdorffDistance, 15);
        Assert.Equal(0.25, m.AverageSymmetricSurfaceDistance, 15);
    }

    [Fact]
    public void OneSliceVolumeIsAllBoundaryAsInMonai()
    {
        // A rank-3 volume one slice thick: above and below are outside, so scipy's 3D erosion (and MONAI) leave
        // nothing, and all 25 voxels of a 5x5 square are boundary.
        var geometry = Masks.Geometry(ImageSize.Of3D(10, 10, 1), Vector3D.One);
        using var mask = Masks.Create(geometry, (x, y, _) => x is >= 2 and <= 6 && y is >= 2 and <= 6 ? 1 : 0);
        var m = SegmentationEvaluator.CompareMasks(mask, mask);
        Assert.Equal(25, m.PredictionSurfaceVoxels);
        Assert.Equal(0, m.HausdorffDistance);
        Assert.Equal(1, m.Dice);
    }

    [Fact]
    public void ConcentricSpheresAreTheirRadiusDifferenceApart()
    {
        // Balls of radius 10 and 13 mm about the same centre, voxelised on an anisotropic grid. Continuous answer:
        // every surface distance is 3 mm, Dice = 2·10³ / (10³ + 13³), volumes 4/3·π·r³. Voxel boundaries lie within
        // one voxel (≤ 0.8 mm) inside the true sphere, so distances are 3 mm within that.
        var spacing = new Vector3D(0.6, 0.7, 0.8);
        var size = ImageSize.Of3D(52, 44, 40);
        var geometry = Masks.Geometry(size, spacing);
        var centre = new Vector3D(25.3 * 0.6, 21.6 * 0.7, 19.2 * 0.8);
        int Ball(int x, int y, int z, double r)
        {
            var p = new Vector3D(x * spacing.X, y * spacing.Y, z * spacing.Z) - centre;
            return p.Length <= r ? 1 : 0;
        }

        using var reference = Masks.Create(geometry, (x, y, z) => Ball(x, y, z, 10));
        using var prediction = Masks.Create(geometry, (x, y, z) => Ball(x, y, z, 13));

        var m = SegmentationEvaluator.CompareMasks(prediction, reference);
        Assert.InRange(m.HausdorffDistance, 3 - 0.8, 3 + 0.8);
        Assert.InRange(m.HausdorffDistance95, 3 - 0.8, 3 + 0.8);
        Assert.InRange(m.AverageSymmetricSurfaceDistance, 3 - 0.4, 3 + 0.4);
        Assert.Equal(2.0 * 1000 / (1000 + 2197), m.Dice, 0.01);
        Assert.Equal(4.0 / 3 * Math.PI * 1000, m.ReferenceVolume, 1000 * 4.0 / 3 * Math.PI * 0.02);
        Assert.Equal(4.0 / 3 * Math.PI * 2197, m.PredictionVolume, 2197 * 4.0 / 3 * Math.PI * 0.02);
        Assert.Equal(0, SegmentationEvaluator.CompareMasks(prediction, reference, new SegmentationOptions { SurfaceTolerance = 2 }).NormalizedSurfaceDice);
        Assert.Equal(1, SegmentationEvaluator.CompareMasks(prediction, reference, new SegmentationOptions { SurfaceTolerance = 4 }).NormalizedSurfaceDice);
    }
}
