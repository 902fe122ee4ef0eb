using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Reporting.Snapshots;

namespace MedVox.Reporting.Tests;

public class CanonicalGridTests
{
    /// <summary>The grid reads voxels exactly where <c>Reorient("LPS")</c> puts them, with its size and spacing.</summary>
    [Theory]
    [InlineData("LPS")]
    [InlineData("RAS")]
    [InlineData("PIR")]
    [InlineData("SLA")]
    public void MatchesReorientToLps(string code)
    {
        var geometry = new ImageGeometry(ImageSize.Of3D(7, 5, 4), new Vector3D(0.5, 1.5, 3), new Vector3D(10, -4, 2), Orientation.DirectionFromCode(code));
        using var image = Volumes.Create(geometry, (x, y, z) => 1 + x + (10 * y) + (100 * z), ElementType.Int16);
        using var reoriented = image.Reorient("LPS");
        var grid = new CanonicalGrid(geometry);

        Assert.Equal([reoriented.Size.X, reoriented.Size.Y, reoriented.Size.Z], grid.Size);
        Assert.Equal([reoriented.Geometry.Spacing.X, reoriented.Geometry.Spacing.Y, reoriented.Geometry.Spacing.Z], grid.Spacing);
        for (int c2 = 0; c2 < grid.Size[2]; c2++)
        {
            for (int c1 = 0; c1 < grid.Size[1]; c1++)
            {
                for (int c0 = 0; c0 < grid.Size[0]; c0++)
                {
                    var (x, y, z) = grid.ToSource(c0, c1, c2);
                    Assert.Equal(reoriented.GetValue(c0, c1, c2), image.GetValue(x, y, z));
                }
            }
        }
    }

    [Fact]
    public void SlightlyRotatedGridIsOblique()
    {
        double a = 5 * Math.PI / 180;
        var direction = new Matrix3D(Math.Cos(a), -Math.Sin(a), 0, Math.Sin(a), Math.Cos(a), 0, 0, 0, 1);
        Assert.True(new CanonicalGrid(new ImageGeometry(ImageSize.Of3D(4, 4, 4), Vector3D.One, Vector3D.Zero, direction)).IsOblique);
        Assert.False(new CanonicalGrid(new ImageGeometry(ImageSize.Of3D(4, 4, 4), Vector3D.One, Vector3D.Zero, Orientation.DirectionFromCode("RAS"))).IsOblique);
    }
}
