using MedVox.Geometry;

namespace MedVox.Classical.Colonography;

/// <summary>
/// Principal curvatures (1/mm) of the isosurface of a smooth scalar field through one point, from the field's gradient
/// and Hessian there, with the tissue convention of CT colonography: values grow into the tissue, and curvature is
/// positive where the tissue surface bulges towards lower values (air). A polyp cap has <c>K1 = K2 = 1/r</c>; the wall
/// of an air-filled tube of radius R has <c>K1 = 0</c>, <c>K2 = -1/R</c>.
/// Shape index and curvedness follow Koenderink and van Doorn (1992) as used by Yoshida and Näppi (IEEE TMI 2001):
/// cup 0, rut 0.25, saddle 0.5, ridge 0.75, cap 1.
/// </summary>
/// <param name="K1">The larger principal curvature.</param>
/// <param name="K2">The smaller principal curvature.</param>
/// <param name="Inward">Unit vector of the gradient: from the surface into the tissue.</param>
public readonly record struct SurfaceCurvature(double K1, double K2, Vector3D Inward)
{
    /// <summary>Mean curvature (K1 + K2) / 2; its inverse is the radius of the osculating sphere of a cap.</summary>
    public double Mean => (K1 + K2) / 2;

    public double Gaussian => K1 * K2;

    /// <summary>Shape index in [0, 1]; 0.5 (undefined in the literature) for a plane.</summary>
    public double ShapeIndex
    {
        get
        {
            double difference = K1 - K2;
            double sum = K1 + K2;
            if (difference <= 1e-12 * (Math.Abs(K1) + Math.Abs(K2)) || difference == 0)
            {
                return sum > 0 ? 1 : sum < 0 ? 0 : 0.5;
            }

            return 0.5 + (Math.Atan(sum / difference) / Math.PI);
        }
    }

    /// <summary>Curvedness sqrt((K1^2 + K2^2) / 2), in 1/mm: how strongly the surface bends, whatever its shape.</summary>
    public double Curvedness => Math.Sqrt(((K1 * K1) + (K2 * K2)) / 2);

    /// <summary>
    /// The curvature of the isosurface through a point where the field has gradient <paramref name="gradient"/> and
    /// Hessian (symmetric; given as its six distinct entries) in physical units. Null where the gradient vanishes (no
    /// surface passes there).
    /// </summary>
    public static SurfaceCurvature? FromDerivatives(Vector3D gradient, double hxx, double hyy, double hzz, double hxy, double hxz, double hyz)
    {
        double gx = gradient.X, gy = gradient.Y, gz = gradient.Z;
        double g2 = (gx * gx) + (gy * gy) + (gz * gz);
        if (!(g2 > 1e-20))
        {
            return null;
        }

        double g = Math.Sqrt(g2);
        // Mean curvature (Goldman 2005, with the sign flipped so that bright blobs are convex):
        // (g^T H g - |g|^2 trace H) / (2 |g|^3).
        double gHg = (gx * gx * hxx) + (gy * gy * hyy) + (gz * gz * hzz) + (2 * ((gx * gy * hxy) + (gx * gz * hxz) + (gy * gz * hyz)));
        double mean = (gHg - (g2 * (hxx + hyy + hzz))) / (2 * g2 * g);
        // Gaussian curvature g^T adj(H) g / |g|^4.
        double axx = (hyy * hzz) - (hyz * hyz);
        double ayy = (hxx * hzz) - (hxz * hxz);
        double azz = (hxx * hyy) - (hxy * hxy);
        double axy = (hxz * hyz) - (hxy * hzz);
        double axz = (hxy * hyz) - (hxz * hyy);
        double ayz = (hxy * hxz) - (hxx * hyz);
        double gAg = (gx * gx * axx) + (gy * gy * ayy) + (gz * gz * azz) + (2 * ((gx * gy * axy) + (gx * gz * axz) + (gy * gz * ayz)));
        double gaussian = gAg / (g2 * g2);
        double root = Math.Sqrt(Math.Max(0, (mean * mean) - gaussian));
        return new SurfaceCurvature(mean + root, mean - root, new Vector3D(gx / g, gy / g, gz / g));
    }
}
