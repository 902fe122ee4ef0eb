using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Core.Tests.Geometry;

public class ImageGeometryTests
{
    [Fact]
    public void IndexToPhysicalAppliesSpacingDirectionAndOrigin()
    {
        var geometry = new ImageGeometry(ImageSize.Of3D(10, 20, 30), new Vector3D(0.5, 2, 3), new Vector3D(10, -20, 5),
            Matrix3D.FromColumns(new Vector3D(0, 1, 0), new Vector3D(-1, 0, 0), new Vector3D(0, 0, 1)));

        var p = geometry.IndexToPhysical(2, 3, 4);

        // i runs along +y (0.5 mm), j along -x (2 mm), k along +z (3 mm).
        Assert.Equal(new Vector3D(10 - 6, -20 + 1, 5 + 12), p);
    }

    [Fact]
    public void PhysicalToIndexInvertsIndexToPhysical()
    {
        var geometry = TestImages.ObliqueGeometry(ImageSize.Of3D(8, 9, 10));
        var index = new Vector3D(1.25, 7.5, -2);

        var back = geometry.PhysicalToIndex(geometry.IndexToPhysical(index));

        Assert.True(Vector3D.MaxAbsDifference(index, back) < 1e-12, back.ToString());
    }

    [Fact]
    public void RasAffineFlipsTheFirstTwoRowsOfTheLpsAffine()
    {
        var geometry = TestImages.ObliqueGeometry(ImageSize.Of3D(4, 4, 4));

        var ras = geometry.ToRasAffine();
        var back = ImageGeometry.FromAffine(geometry.Size, ras, ras: true);

        Assert.True(geometry.IsEquivalent(back, 1e-12), back.ToString());
        Assert.Equal(-geometry.Origin.X, ras[3], 12);
        Assert.Equal(-geometry.Origin.Y, ras[7], 12);
        Assert.Equal(geometry.Origin.Z, ras[11], 12);
    }

    [Fact]
    public void RegionMovesTheOriginToTheRegionStart()
    {
        var geometry = TestImages.ObliqueGeometry(ImageSize.Of3D(8, 9, 10));

        var region = geometry.Region(new Index3(2, 3, 4), ImageSize.Of3D(3, 3, 3));

        Assert.True(Vector3D.MaxAbsDifference(geometry.IndexToPhysical(3, 4, 5), region.IndexToPhysical(1, 1, 1)) < 1e-12);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void SpacingMustBePositiveAndFinite(double bad)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new ImageGeometry(ImageSize.Of3D(2, 2, 2), new Vector3D(1, bad, 1), Vector3D.Zero, Matrix3D.Identity));
    }

    [Fact]
    public void SingularDirectionIsRejected()
    {
        var singular = Matrix3D.FromColumns(new Vector3D(1, 0, 0), new Vector3D(1, 0, 0), new Vector3D(0, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageGeometry(ImageSize.Of3D(2, 2, 2), Vector3D.One, Vector3D.Zero, singular));
    }
}
