using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Core.Tests.Imaging;

public class ReorientationTests
{
    [Theory]
    [InlineData("RAS")]
    [InlineData("LPS")]
    [InlineData("PIR")]
    [InlineData("SAL")]
    public void EveryVoxelKeepsItsValueAndPhysicalPosition(string target)
    {
        using var image = TestImages.Pattern(ElementType.Int16, ImageSize.Of3D(5, 6, 7));

        using var result = image.Reorient(target);

        Assert.Equal(target, result.Geometry.OrientationCode);
        for (int z = 0; z < result.Size.Z; z++)
        {
            for (int y = 0; y < result.Size.Y; y++)
            {
                for (int x = 0; x < result.Size.X; x++)
                {
                    var p = result.Geometry.IndexToPhysical(x, y, z);
                    var i = image.Geometry.PhysicalToIndex(p);
                    int ix = (int)Math.Round(i.X), iy = (int)Math.Round(i.Y), iz = (int)Math.Round(i.Z);
                    Assert.True(Vector3D.MaxAbsDifference(i, new Vector3D(ix, iy, iz)) < 1e-9, $"({x},{y},{z}) maps to {i}");
                    Assert.Equal(image.GetValue(ix, iy, iz), result.GetValue(x, y, z));
                }
            }
        }
    }

    [Fact]
    public void ReorientingBackRestoresPixelsAndGeometryExactly()
    {
        using var image = TestImages.Pattern(ElementType.Float32, ImageSize.Of4D(4, 5, 6, 2), channels: 2);
        string original = image.Geometry.OrientationCode;

        using var canonical = image.ToCanonical();
        using var back = canonical.Reorient(original);

        Assert.Equal("RAS", canonical.Geometry.OrientationCode);
        ImageAssert.Identical(image, back, 1e-9);
    }
}
