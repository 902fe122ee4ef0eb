namespace MedVox.Geometry;

/// <summary>
/// A 3x3 matrix in double precision, row-major (<c>M[row, column]</c>). As a direction matrix its columns are the
/// physical directions of the index axes i, j, k (the ITK and DICOM convention).
/// </summary>
public readonly struct Matrix3D : IEquatable<Matrix3D>
{
    private readonly double _m00, _m01, _m02, _m10, _m11, _m12, _m20, _m21, _m22;

    public Matrix3D(double m00, double m01, double m02, double m10, double m11, double m12, double m20, double m21, double m22)
    {
        _m00 = m00; _m01 = m01; _m02 = m02;
        _m10 = m10; _m11 = m11; _m12 = m12;
        _m20 = m20; _m21 = m21; _m22 = m22;
    }

    public static Matrix3D Identity => new(1, 0, 0, 0, 1, 0, 0, 0, 1);

    /// <summary>The matrix whose columns are the given vectors.</summary>
    public static Matrix3D FromColumns(Vector3D c0, Vector3D c1, Vector3D c2) =>
        new(c0.X, c1.X, c2.X, c0.Y, c1.Y, c2.Y, c0.Z, c1.Z, c2.Z);

    public static Matrix3D Diagonal(Vector3D d) => new(d.X, 0, 0, 0, d.Y, 0, 0, 0, d.Z);

    /// <summary>Builds a matrix from 9 values in row-major order.</summary>
    public static Matrix3D FromRowMajor(ReadOnlySpan<double> values)
    {
        if (values.Length != 9)
        {
            throw new ArgumentException("A 3x3 matrix needs 9 values.", nameof(values));
        }

        return new(values[0], values[1], values[2], values[3], values[4], values[5], values[6], values[7], values[8]);
    }

    public double this[int row, int column] => ((uint)row < 3 && (uint)column < 3 ? (row * 3) + column : -1) switch
    {
        0 => _m00,
        1 => _m01,
        2 => _m02,
        3 => _m10,
        4 => _m11,
        5 => _m12,
        6 => _m20,
        7 => _m21,
        8 => _m22,
        _ => throw new ArgumentOutOfRangeException(nameof(row)),
    };

    public Vector3D Column(int column) => new(this[0, column], this[1, column], this[2, column]);

    public Vector3D Row(int row) => new(this[row, 0], this[row, 1], this[row, 2]);

    public Matrix3D Transposed() => new(_m00, _m10, _m20, _m01, _m11, _m21, _m02, _m12, _m22);

    public double Determinant =>
        (_m00 * ((_m11 * _m22) - (_m12 * _m21))) - (_m01 * ((_m10 * _m22) - (_m12 * _m20))) + (_m02 * ((_m10 * _m21) - (_m11 * _m20)));

    public Matrix3D Inverse()
    {
        double det = Determinant;
        if (det == 0 || !double.IsFinite(det))
        {
            throw new InvalidOperationException("The matrix is singular.");
        }

        double inv = 1.0 / det;
        return new(
            ((_m11 * _m22) - (_m12 * _m21)) * inv,
            ((_m02 * _m21) - (_m01 * _m22)) * inv,
            ((_m01 * _m12) - (_m02 * _m11)) * inv,
            ((_m12 * _m20) - (_m10 * _m22)) * inv,
            ((_m00 * _m22) - (_m02 * _m20)) * inv,
            ((_m02 * _m10) - (_m00 * _m12)) * inv,
            ((_m10 * _m21) - (_m11 * _m20)) * inv,
            ((_m01 * _m20) - (_m00 * _m21)) * inv,
            ((_m00 * _m11) - (_m01 * _m10)) * inv);
    }

    public static Matrix3D operator *(Matrix3D a, Matrix3D b)
    {
        Span<double> r = stackalloc double[9];
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                r[(i * 3) + j] = (a[i, 0] * b[0, j]) + (a[i, 1] * b[1, j]) + (a[i, 2] * b[2, j]);
            }
        }

        return FromRowMajor(r);
    }

    public static Vector3D operator *(Matrix3D m, Vector3D v) => new(
        (m._m00 * v.X) + (m._m01 * v.Y) + (m._m02 * v.Z),
        (m._m10 * v.X) + (m._m11 * v.Y) + (m._m12 * v.Z),
        (m._m20 * v.X) + (m._m21 * v.Y) + (m._m22 * v.Z));

    /// <summary>Copies the 9 values in row-major order.</summary>
    public void CopyTo(Span<double> destination)
    {
        destination[0] = _m00; destination[1] = _m01; destination[2] = _m02;
        destination[3] = _m10; destination[4] = _m11; destination[5] = _m12;
        destination[6] = _m20; destination[7] = _m21; destination[8] = _m22;
    }

    public static double MaxAbsDifference(Matrix3D a, Matrix3D b)
    {
        double max = 0;
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                max = Math.Max(max, Math.Abs(a[i, j] - b[i, j]));
            }
        }

        return max;
    }

    /// <summary>True when the columns are unit length and mutually orthogonal within <paramref name="tolerance"/>.</summary>
    public bool IsOrthonormal(double tolerance = 1e-4) =>
        MaxAbsDifference(Transposed() * this, Identity) <= tolerance;

    public bool Equals(Matrix3D other) => MaxAbsDifference(this, other) == 0;

    public override bool Equals(object? obj) => obj is Matrix3D m && Equals(m);

    public override int GetHashCode() => HashCode.Combine(_m00, _m01, _m02, _m10, _m11, _m12, _m20, HashCode.Combine(_m21, _m22));

    public static bool operator ==(Matrix3D a, Matrix3D b) => a.Equals(b);

    public static bool operator !=(Matrix3D a, Matrix3D b) => !a.Equals(b);

    public override string ToString() => FormattableString.Invariant(
        $"[{_m00:G6} {_m01:G6} {_m02:G6}; {_m10:G6} {_m11:G6} {_m12:G6}; {_m20:G6} {_m21:G6} {_m22:G6}]");
}
