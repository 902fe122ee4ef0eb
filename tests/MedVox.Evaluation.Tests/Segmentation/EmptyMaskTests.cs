using MedVox.Evaluation.Segmentation;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Evaluation.Tests.Segmentation;

/// <summary>The table of <see cref="EmptyMaskConvention"/>, row by row.</summary>
public class EmptyMaskTests
{
    private static readonly ImageGeometry Geometry = Masks.Geometry(ImageSize.Of3D(8, 8, 8), new Vector3D(1, 1, 2));

    [Theory]
    [InlineData(EmptyMaskConvention.Monai, double.NaN, double.NaN)]
    [InlineData(EmptyMaskConvention.NnUNet, double.NaN, double.NaN)]
    [InlineData(EmptyMaskConvention.Decathlon, 1.0, 1.0)]
    public void BothEmpty(EmptyMaskConvention convention, double dice, double nsd)
    {
        using var empty = Masks.Create(Geometry, (_, _, _) => 0);
        var m = SegmentationEvaluator.CompareMasks(empty, empty, new SegmentationOptions { EmptyMasks = convention });
        Assert.Equal(dice, m.Dice);
        Assert.Equal(dice, m.Iou);
        Assert.Equal(nsd, m.NormalizedSurfaceDice);
        Assert.True(double.IsNaN(m.HausdorffDistance));
        Assert.True(double.IsNaN(m.HausdorffDistance95));
        Assert.True(double.IsNaN(m.AverageSymmetricSurfaceDistance));
        Assert.Equal(0, m.VolumeDifference);
        Assert.True(double.IsNaN(m.RelativeVolumeDifference));
    }

    [Theory]
    [InlineData(EmptyMaskConvention.Monai, double.NaN)]
    [InlineData(EmptyMaskConvention.NnUNet, 0.0)]
    [InlineData(EmptyMaskConvention.Decathlon, 0.0)]
    public void EmptyReferenceNonEmptyPrediction(EmptyMaskConvention convention, double dice)
    {
        using var empty = Masks.Create(Geometry, (_, _, _) => 0);
        using var cube = Masks.Box(Geometry, new Index3(2, 2, 2), new Index3(4, 4, 4));
        var m = SegmentationEvaluator.CompareMasks(cube, empty, new SegmentationOptions { EmptyMasks = convention });
        Assert.Equal(dice, m.Dice);
        Assert.Equal(dice, m.Iou);
        Assert.Equal(0, m.NormalizedSurfaceDice);
        Assert.Equal(double.PositiveInfinity, m.HausdorffDistance);
        Assert.Equal(double.PositiveInfinity, m.HausdorffDistance95);
        Assert.Equal(double.PositiveInfinity, m.AverageSymmetricSurfaceDistance);
        Assert.Equal(27 * 2.0, m.VolumeDifference);
        Assert.True(double.IsNaN(m.RelativeVolumeDifference));
    }

    [Theory]
    [InlineData(EmptyMaskConvention.Monai)]
    [InlineData(EmptyMaskConvention.NnUNet)]
    [InlineData(EmptyMaskConvention.Decathlon)]
    public void NonEmptyReferenceEmptyPrediction(EmptyMaskConvention convention)
    {
        using var empty = Masks.Create(Geometry, (_, _, _) => 0);
        using var cube = Masks.Box(Geometry, new Index3(2, 2, 2), new Index3(4, 4, 4));
        var m = SegmentationEvaluator.CompareMasks(empty, cube, new SegmentationOptions { EmptyMasks = convention, MissingSurfaceDistance = 373.13 });
        Assert.Equal(0, m.Dice);
        Assert.Equal(0, m.Iou);
        Assert.Equal(0, m.NormalizedSurfaceDice);
        Assert.Equal(373.13, m.HausdorffDistance);
        Assert.Equal(373.13, m.HausdorffDistance95);
        Assert.Equal(373.13, m.AverageSymmetricSurfaceDistance);
        Assert.Equal(-54, m.VolumeDifference);
        Assert.Equal(-1, m.RelativeVolumeDifference);
        Assert.Equal(26, m.ReferenceSurfaceVoxels); // 27 minus the one interior voxel
    }
}
