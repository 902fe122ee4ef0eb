using MedVox.Classical.Colonography;
using MedVox.Geometry;

namespace MedVox.Classical.Tests.Colonography;

/// <summary>
/// Curvature of isosurfaces of quadratic fields whose geometry is known by hand: spheres, cylinders, a saddle and an
/// ellipsoid vertex, also rotated (the shape descriptors must not depend on the axes).
/// </summary>
public sealed class SurfaceCurvatureTests
{
    [Theory]
    [InlineData(2.0)]
    [InlineData(5.0)]
    public void TissueSphereIsACapOfCurvatureOneOverRadius(double r)
    {
        // f = -|p|^2: brighter towards the centre. At p = (r, 0, 0): gradient -2p, Hessian -2 I.
        var c = SurfaceCurvature.FromDerivatives(new Vector3D(-2 * r, 0, 0), -2, -2, -2, 0, 0, 0)!.Value;
        Assert.Equal(1 / r, c.K1, 7);
        Assert.Equal(1 / r, c.K2, 7);
        Assert.Equal(1.0, c.ShapeIndex, 7);
        Assert.Equal(1 / r, c.Curvedness, 7);
        Assert.Equal(new Vector3D(-1, 0, 0), c.Inward);
    }

    [Fact]
    public void GasBubbleInTissueIsACup()
    {
        var c = SurfaceCurvature.FromDerivatives(new Vector3D(0, 8, 0), 2, 2, 2, 0, 0, 0)!.Value;
        Assert.Equal(-0.25, c.K1, 12);
        Assert.Equal(-0.25, c.K2, 12);
        Assert.Equal(0.0, c.ShapeIndex, 12);
    }

    [Fact]
    public void TissueCylinderIsARidgeAndGasTubeARut()
    {
        // f = -(x^2 + y^2) at (3, 0, 0): a rod of tissue (a fold); f = x^2 + y^2: the wall of a gas-filled tube.
        var ridge = SurfaceCurvature.FromDerivatives(new Vector3D(-6, 0, 0), -2, -2, 0, 0, 0, 0)!.Value;
        Assert.Equal(1 / 3.0, ridge.K1, 12);
        Assert.Equal(0.0, ridge.K2, 12);
        Assert.Equal(0.75, ridge.ShapeIndex, 12);
        var rut = SurfaceCurvature.FromDerivatives(new Vector3D(6, 0, 0), 2, 2, 0, 0, 0, 0)!.Value;
        Assert.Equal(0.0, rut.K1, 12);
        Assert.Equal(-1 / 3.0, rut.K2, 12);
        Assert.Equal(0.25, rut.ShapeIndex, 12);
        Assert.Equal(1 / (3 * Math.Sqrt(2)), rut.Curvedness, 12);
    }

    [Fact]
    public void SaddleHasShapeIndexOneHalf()
    {
        // f = z - (x^2 - y^2) / (2 R) at the origin: principal curvatures +-1/R.
        const double R = 4;
        var c = SurfaceCurvature.FromDerivatives(new Vector3D(0, 0, 1), -1 / R, 1 / R, 0, 0, 0, 0)!.Value;
        Assert.Equal(1 / R, c.K1, 12);
        Assert.Equal(-1 / R, c.K2, 12);
        Assert.Equal(0.5, c.ShapeIndex, 12);
    }

    [Fact]
    public void RotatedEllipsoidVertexHasItsPrincipalCurvatures()
    {
        // f = -(x^2/a^2 + y^2/b^2 + z^2/c^2) at the vertex (a, 0, 0): curvatures a/b^2 and a/c^2 (hand-derived),
        // then the whole field is rotated: gradient Q g, Hessian Q H Q^T.
        const double a = 6, b = 4, c = 3;
        var g = new Vector3D(-2 / a, 0, 0);
        double[,] h = { { -2 / (a * a), 0, 0 }, { 0, -2 / (b * b), 0 }, { 0, 0, -2 / (c * c) } };
        double[,] q = Rotation(0.3, -0.7, 1.1);
        var qg = new Vector3D(
            (q[0, 0] * g.X) + (q[0, 1] * g.Y) + (q[0, 2] * g.Z),
            (q[1, 0] * g.X) + (q[1, 1] * g.Y) + (q[1, 2] * g.Z),
            (q[2, 0] * g.X) + (q[2, 1] * g.Y) + (q[2, 2] * g.Z));
        var qh = new double[3, 3];
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                for (int k = 0; k < 3; k++)
                {
                    for (int l = 0; l < 3; l++)
                    {
                        qh[i, j] += q[i, k] * h[k, l] * q[j, l];
                    }
                }
            }
        }

        var curvature = SurfaceCurvature.FromDerivatives(qg, qh[0, 0], qh[1, 1], qh[2, 2], qh[0, 1], qh[0, 2], qh[1, 2])!.Value;
        Assert.Equal(a / (c * c), curvature.K1, 10);
        Assert.Equal(a / (b * b), curvature.K2, 10);
        // (k1 + k2) / (k1 - k2) = (25/24) / (7/24): a cap, but not a spherical one.
        Assert.Equal(0.5 + (Math.Atan(25.0 / 7) / Math.PI), curvature.ShapeIndex, 10);
        Assert.Equal(-q[0, 0], curvature.Inward.X, 10);
    }

    [Fact]
    public void FlatFieldHasNoSurface() =>
        Assert.Null(SurfaceCurvature.FromDerivatives(Vector3D.Zero, 1, 1, 1, 0, 0, 0));

    private static double[,] Rotation(double ax, double ay, double az)
    {
        double[,] x = { { 1, 0, 0 }, { 0, Math.Cos(ax), -Math.Sin(ax) }, { 0, Math.Sin(ax), Math.Cos(ax) } };
        double[,] y = { { Math.Cos(ay), 0, Math.Sin(ay) }, { 0, 1, 0 }, { -Math.Sin(ay), 0, Math.Cos(ay) } };
        double[,] z = { { Math.Cos(az), -Math.Sin(az), 0 }, { Math.Sin(az), Math.Cos(az), 0 }, { 0, 0, 1 } };
        return Multiply(z, Multiply(y, x));
    }

    private static double[,] Multiply(double[,] m, double[,] n)
    {
        var r = new double[3, 3];
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                for (int k = 0; k < 3; k++)
                {
                    r[i, j] += m[i, k] * n[k, j];
                }
            }
        }

        return r;
    }
}
