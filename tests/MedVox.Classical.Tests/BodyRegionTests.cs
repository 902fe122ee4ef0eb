using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Classical.Tests;

public class BodyRegionTests
{
    [Fact]
    public void CropsToTheBodyWithAMarginInMm()
    {
        // Air with an ellipsoidal "body" (40 HU, lungs inside at -850) and a table plate below it, separated by air.
        // Spacing 2 x 2 x 5 mm: a 10 mm margin is 5, 5 and 2 voxels.
        var size = ImageSize.Of3D(60, 50, 20);
        var geometry = Masks.Geometry(size, new Vector3D(2, 2, 5), TestImages.ObliqueGeometry(size).Direction);
        using var ct = Masks.Create(geometry, (x, y, z) =>
        {
            double u = (x - 30) / 20.0, v = (y - 22) / 14.0, w = (z - 10) / 6.5;
            if ((u * u) + (v * v) + (w * w) <= 1)
            {
                return (x - 24) * (x - 24) + (y - 22) * (y - 22) < 16 ? -850 : 40;
            }

            return y is >= 42 and <= 44 ? 200 : -1000;
        }, ElementType.Int16);
        var body = BodyRegion.Find(ct);
        Assert.Equal(new VoxelBounds(new Index3(10 - 5, 8 - 5, 4 - 2), new Index3(50 + 5, 36 + 5, 16 + 2)), body);
        using var view = BodyRegion.Crop(ct);
        Assert.Equal(body.ToImageSize(), view.Size);
        Assert.True(Vector3D.MaxAbsDifference(geometry.IndexToPhysical(5, 3, 2), view.Geometry.Origin) < 1e-9);
        Assert.Equal(ct.GetValue(30, 22, 10), view.GetValue(25, 19, 8));
        using var mask = BodyRegion.Mask(ct);
        using var labeling = ConnectedComponents.Label(mask);
        var single = Assert.Single(labeling.Components);
        Assert.False(single.TouchesBorder);
    }

    [Fact]
    public void OpeningDetachesATableTouchingThroughAThinBridge()
    {
        var size = ImageSize.Of3D(40, 40, 6);
        var geometry = Masks.Geometry(size, new Vector3D(1, 1, 3));
        using var ct = Masks.Create(geometry, (x, y, _) =>
            (x is >= 8 and <= 31 && y is >= 5 and <= 28) || (y is >= 34 and <= 37) || (x == 20 && y is > 28 and < 34) ? 30 : -1000, ElementType.Int16);
        Assert.Equal(37, BodyRegion.Find(ct, marginMm: 0).Max.Y);
        Assert.Equal(28, BodyRegion.Find(ct, marginMm: 0, openingMm: 1.5).Max.Y);
    }

    [Fact]
    public void NothingAboveTheThresholdIsAClearError()
    {
        using var air = Masks.Create(Masks.Geometry(ImageSize.Of3D(4, 4, 4), Vector3D.One), (_, _, _) => -1000, ElementType.Int16);
        var error = Assert.Throws<MedVoxException>(() => BodyRegion.Find(air));
        Assert.Contains("Hounsfield", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}
