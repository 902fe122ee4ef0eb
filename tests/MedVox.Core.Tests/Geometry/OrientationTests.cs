using MedVox.Geometry;

namespace MedVox.Core.Tests.Geometry;

public class OrientationTests
{
    [Fact]
    public void IdentityDirectionInLpsSpaceIsLps() => Assert.Equal("LPS", Orientation.CodeFromDirection(Matrix3D.Identity));

    [Fact]
    public void RasFlipsTheFirstTwoAxes() =>
        Assert.Equal("RAS", Orientation.CodeFromDirection(Matrix3D.Diagonal(new Vector3D(-1, -1, 1))));

    [Theory]
    [InlineData("RAS")]
    [InlineData("LPS")]
    [InlineData("PIR")]
    [InlineData("SLA")]
    [InlineData("ILP")]
    public void CodeAndDirectionRoundTrip(string code) =>
        Assert.Equal(code, Orientation.CodeFromDirection(Orientation.DirectionFromCode(code)));

    [Fact]
    public void ObliqueDirectionMapsToTheClosestAxes()
    {
        // Coronal-ish: i to the left, j tilted 20 degrees from inferior towards posterior, k anterior-ish.
        double c = Math.Cos(20 * Math.PI / 180), s = Math.Sin(20 * Math.PI / 180);
        var direction = Matrix3D.FromColumns(new Vector3D(1, 0, 0), new Vector3D(0, s, -c), new Vector3D(0, -c, -s));

        Assert.Equal("LIA", Orientation.CodeFromDirection(direction));
    }

    [Theory]
    [InlineData("RRS")]
    [InlineData("RA")]
    [InlineData("XYZ")]
    public void InvalidCodesAreRejected(string code) => Assert.Throws<ArgumentException>(() => Orientation.ParseCode(code));
}
