using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.IO.Formats.Nifti;

/// <summary>
/// The voxel-to-world affine of a NIfTI header, chosen and computed as nibabel 5.0 does it
/// (<c>Nifti1Header.get_best_affine</c> after the load-time <c>check_fix</c>), and the reverse for writing.
/// <para>
/// nibabel: the sform when sform_code is a valid non-zero code (1..5; invalid codes are reset to 0 on load), else the
/// qform when qform_code is, else <c>shape_zoom_affine</c>: diag(-pixdim1, pixdim2, pixdim3) centred on the middle
/// voxel (Analyze's radiological default). qfac is -1 only when pixdim[0] is exactly -1 (other values are reset to 1).
/// </para>
/// <para>
/// ITK's NiftiImageIO differs: it prefers the sform only when it decomposes into a rotation and scaling (dropping any
/// shear) and otherwise uses the qform even when sform_code &gt; 0; it takes spacing from pixdim, not from the
/// affine; with neither code it uses diag(pixdim) with origin 0 (no x flip, no centring); and (as nifti1_io) it takes
/// qfac = -1 for any negative pixdim[0]. It also scales metres and microns to mm, which nibabel never does; MedVox
/// does (MedVox works in mm and seconds).
/// </para>
/// </summary>
internal static class NiftiGeometry
{
    /// <summary>nibabel's <c>quaternion_threshold</c>: -3 * float32 epsilon.</summary>
    private const double QuaternionThreshold = -3 * 1.1920928955078125e-07;

    /// <summary>xform codes nibabel 5.0 accepts: unknown, scanner, aligned, talairach, mni, template.</summary>
    public static bool IsValidXformCode(int code) => code is >= 0 and <= 5;

    /// <summary>
    /// The affine (row-major 4x4, RAS, millimetres) that nibabel would report for the header, and the field it came from.
    /// </summary>
    public static double[] BestAffine(NiftiHeader h, ImageSize size, string path, out string source)
    {
        double[] affine;
        if (IsValidXformCode(h.SformCode) && h.SformCode != 0)
        {
            source = "srow_x/srow_y/srow_z";
            affine = new double[16];
            h.Srow.AsSpan().CopyTo(affine);
            affine[15] = 1;
        }
        else if (IsValidXformCode(h.QformCode) && h.QformCode != 0)
        {
            source = "quatern_b/quatern_c/quatern_d";
            affine = QformAffine(h, path);
        }
        else
        {
            source = "pixdim";
            affine = BaseAffine(h, size);
        }

        foreach (double v in affine)
        {
            if (!double.IsFinite(v))
            {
                throw new InvalidImageFileException("the voxel-to-world transform has a value that is not finite", path, source, "the header is corrupt");
            }
        }

        double scale = SpatialUnitToMillimetre(h.XyztUnits);
        if (scale != 1)
        {
            for (int r = 0; r < 3; r++)
            {
                for (int c = 0; c < 4; c++)
                {
                    affine[(r * 4) + c] *= scale;
                }
            }
        }

        return affine;
    }

    /// <summary>The qform affine as nibabel's <c>get_qform</c> computes it (quaternion with w = sqrt(1 - b² - c² - d²), qfac from pixdim[0]).</summary>
    public static double[] QformAffine(NiftiHeader h, string path)
    {
        double b = h.QuaternB, c = h.QuaternC, d = h.QuaternD;
        double w2 = 1.0 - ((b * b) + (c * c) + (d * d));
        double a;
        if (w2 < 0)
        {
            // nibabel tolerates float32 round-off (3 eps) and takes w = 0; beyond that the quaternion is not a rotation.
            if (w2 < QuaternionThreshold)
            {
                throw new InvalidImageFileException($"quaternion (b, c, d) = ({b}, {c}, {d}) has b² + c² + d² > 1", path, "quatern_b/quatern_c/quatern_d", "the header is corrupt");
            }

            a = 0;
        }
        else
        {
            a = Math.Sqrt(w2);
        }

        // quat2mat: rotation of the (not necessarily unit) quaternion (a, b, c, d).
        double n = (a * a) + (b * b) + (c * c) + (d * d);
        Span<double> r = stackalloc double[9];
        if (n < 2.220446049250313e-16)
        {
            r.Clear();
            r[0] = r[4] = r[8] = 1;
        }
        else
        {
            double s = 2.0 / n;
            double x = b * s, y = c * s, z = d * s;
            double wx = a * x, wy = a * y, wz = a * z;
            double xx = b * x, xy = b * y, xz = b * z;
            double yy = c * y, yz = c * z, zz = d * z;
            r[0] = 1.0 - (yy + zz); r[1] = xy - wz; r[2] = xz + wy;
            r[3] = xy + wz; r[4] = 1.0 - (xx + zz); r[5] = yz - wx;
            r[6] = xz - wy; r[7] = yz + wx; r[8] = 1.0 - (xx + yy);
        }

        double qfac = h.PixDim[0] == -1 ? -1 : 1;
        Span<double> voxel = [SpatialPixDim(h, 1), SpatialPixDim(h, 2), SpatialPixDim(h, 3) * qfac];
        var affine = new double[16];
        for (int row = 0; row < 3; row++)
        {
            for (int col = 0; col < 3; col++)
            {
                affine[(row * 4) + col] = r[(row * 3) + col] * voxel[col];
            }
        }

        affine[3] = h.QoffsetX;
        affine[7] = h.QoffsetY;
        affine[11] = h.QoffsetZ;
        affine[15] = 1;
        return affine;
    }

    /// <summary>nibabel's fallback (<c>shape_zoom_affine</c> with x flip): voxel sizes from pixdim, the centre voxel at the origin.</summary>
    public static double[] BaseAffine(NiftiHeader h, ImageSize size)
    {
        var affine = new double[16];
        // nibabel uses as many shape/zoom entries as the rank (1 beyond it) and at most 3.
        int rank = (int)Math.Clamp(h.Dim[0], 1, 7);
        for (int axis = 0; axis < 3; axis++)
        {
            double extent = axis < rank ? size[axis] : 1;
            double zoom = axis < rank ? SpatialPixDim(h, axis + 1) : 1;
            if (axis == 0)
            {
                zoom = -zoom;
            }

            affine[(axis * 4) + axis] = zoom;
            affine[(axis * 4) + 3] = -((extent - 1) / 2.0) * zoom;
        }

        affine[15] = 1;
        return affine;
    }

    /// <summary>pixdim[axis] as nibabel uses it after its load-time fix: zero becomes 1 and negative values their absolute value.</summary>
    /// <remarks>The reader rejects non-positive spacing of the image's own axes before this is used; this only matters for axes beyond the rank.</remarks>
    public static double SpatialPixDim(NiftiHeader h, int axis)
    {
        double v = h.PixDim[axis];
        return v == 0 || !double.IsFinite(v) ? 1 : Math.Abs(v);
    }

    /// <summary>Factor from the header's spatial unit to millimetres (unknown is taken as mm).</summary>
    public static double SpatialUnitToMillimetre(int xyztUnits) => (xyztUnits & 7) switch
    {
        1 => 1000.0, // metre
        3 => 0.001, // micron
        _ => 1.0,
    };

    /// <summary>Factor from the header's time unit to seconds; 1 for unknown and for non-time units (Hz, ppm, rad/s), which are kept as they are.</summary>
    public static double TimeUnitToSeconds(int xyztUnits) => (xyztUnits & 0x38) switch
    {
        16 => 1e-3, // msec
        24 => 1e-6, // usec
        _ => 1.0,
    };

    /// <summary>True when the time code says pixdim[4] is not a time (Hz, ppm, rad/s): its value and code are kept.</summary>
    public static bool IsNonTimeUnit(int xyztUnits) => (xyztUnits & 0x38) is 32 or 40 or 48;

    /// <summary>
    /// Fills the qform fields (quaternion, qoffset, qfac in pixdim[0]) from <paramref name="geometry"/>. Returns false
    /// (leaving them zero) when the direction is not orthonormal, so no rotation represents it: the sform alone holds it.
    /// </summary>
    public static bool SetQform(NiftiHeader h, ImageGeometry geometry)
    {
        var lps = geometry.Direction;
        if (!lps.IsOrthonormal())
        {
            h.PixDim[0] = 1;
            return false;
        }

        // RAS direction: negate the x and y rows. A left-handed frame is stored as a rotation with qfac = -1 (k flipped).
        Span<double> m = stackalloc double[9];
        for (int col = 0; col < 3; col++)
        {
            m[col] = -lps[0, col];
            m[3 + col] = -lps[1, col];
            m[6 + col] = lps[2, col];
        }

        double det = Matrix3D.FromRowMajor(m).Determinant;
        double qfac = det < 0 ? -1 : 1;
        if (qfac < 0)
        {
            m[2] = -m[2];
            m[5] = -m[5];
            m[8] = -m[8];
        }

        var (b, c, d) = RotationToQuaternion(m);
        h.PixDim[0] = qfac;
        h.QuaternB = b;
        h.QuaternC = c;
        h.QuaternD = d;
        var ras = geometry.ToRasAffine();
        h.QoffsetX = ras[3];
        h.QoffsetY = ras[7];
        h.QoffsetZ = ras[11];
        return true;
    }

    /// <summary>The quaternion (b, c, d; a ≥ 0 implied) of a proper rotation, as nifti1_io's <c>nifti_mat44_to_quatern</c>.</summary>
    internal static (double B, double C, double D) RotationToQuaternion(ReadOnlySpan<double> r)
    {
        double r11 = r[0], r12 = r[1], r13 = r[2], r21 = r[3], r22 = r[4], r23 = r[5], r31 = r[6], r32 = r[7], r33 = r[8];
        double a = r11 + r22 + r33 + 1.0, b, c, d;
        if (a > 0.5)
        {
            a = 0.5 * Math.Sqrt(a);
            b = 0.25 * (r32 - r23) / a;
            c = 0.25 * (r13 - r31) / a;
            d = 0.25 * (r21 - r12) / a;
        }
        else
        {
            double xd = 1.0 + r11 - (r22 + r33);
            double yd = 1.0 + r22 - (r11 + r33);
            double zd = 1.0 + r33 - (r11 + r22);
            if (xd > 1.0)
            {
                b = 0.5 * Math.Sqrt(xd);
                c = 0.25 * (r12 + r21) / b;
                d = 0.25 * (r13 + r31) / b;
                a = 0.25 * (r32 - r23) / b;
            }
            else if (yd > 1.0)
            {
                c = 0.5 * Math.Sqrt(yd);
                b = 0.25 * (r12 + r21) / c;
                d = 0.25 * (r23 + r32) / c;
                a = 0.25 * (r13 - r31) / c;
            }
            else
            {
                d = 0.5 * Math.Sqrt(zd);
                b = 0.25 * (r13 + r31) / d;
                c = 0.25 * (r23 + r32) / d;
                a = 0.25 * (r21 - r12) / d;
            }

            if (a < 0.0)
            {
                b = -b;
                c = -c;
                d = -d;
            }
        }

        return (b, c, d);
    }
}
