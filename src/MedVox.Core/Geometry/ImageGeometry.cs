using MedVox.Imaging;

namespace MedVox.Geometry;

/// <summary>
/// Where the pixels of an image lie in the patient: size, spacing (mm), origin (mm, physical position of index 0),
/// and direction cosines (columns = physical directions of the index axes), all in LPS patient coordinates as DICOM
/// and ITK use them. A physical point is <c>origin + direction * (spacing ⊙ index)</c>.
/// </summary>
public sealed record ImageGeometry
{
    private readonly Matrix3D _indexToPhysical;
    private readonly Matrix3D _physicalToIndex;

    public ImageGeometry(ImageSize size, Vector3D spacing, Vector3D origin, Matrix3D direction, double timeSpacing = 1.0)
    {
        Validate(spacing, origin, direction, timeSpacing);
        Size = size;
        Spacing = spacing;
        Origin = origin;
        Direction = direction;
        TimeSpacing = timeSpacing;
        _indexToPhysical = direction * Matrix3D.Diagonal(spacing);
        _physicalToIndex = _indexToPhysical.Inverse();
    }

    /// <summary>Unit spacing, zero origin, identity direction.</summary>
    public ImageGeometry(ImageSize size)
        : this(size, Vector3D.One, Vector3D.Zero, Matrix3D.Identity)
    {
    }

    public ImageSize Size { get; }

    public Vector3D Spacing { get; }

    public Vector3D Origin { get; }

    public Matrix3D Direction { get; }

    /// <summary>Spacing of the fourth axis (seconds for time series); 1 when the image has no such axis.</summary>
    public double TimeSpacing { get; }

    /// <summary>direction * diag(spacing): maps an index offset to a physical offset.</summary>
    public Matrix3D IndexToPhysicalMatrix => _indexToPhysical;

    /// <summary>Orientation code in the "towards" convention nibabel prints (RAS: i increases to the right, ...).</summary>
    public string OrientationCode => Orientation.CodeFromDirection(Direction);

    public Vector3D IndexToPhysical(Vector3D index) => Origin + (_indexToPhysical * index);

    public Vector3D IndexToPhysical(double i, double j, double k) => IndexToPhysical(new Vector3D(i, j, k));

    /// <summary>The continuous index of a physical point (not rounded, may lie outside the image).</summary>
    public Vector3D PhysicalToIndex(Vector3D point) => _physicalToIndex * (point - Origin);

    /// <summary>The 4x4 affine (row-major) mapping (i, j, k, 1) to LPS millimetres.</summary>
    public double[] ToLpsAffine()
    {
        var a = new double[16];
        for (int r = 0; r < 3; r++)
        {
            for (int c = 0; c < 3; c++)
            {
                a[(r * 4) + c] = _indexToPhysical[r, c];
            }

            a[(r * 4) + 3] = Origin[r];
        }

        a[15] = 1;
        return a;
    }

    /// <summary>The 4x4 affine (row-major) mapping (i, j, k, 1) to RAS millimetres, as NIfTI and nibabel use it.</summary>
    public double[] ToRasAffine()
    {
        var a = ToLpsAffine();
        for (int c = 0; c < 4; c++)
        {
            a[c] = -a[c];
            a[4 + c] = -a[4 + c];
        }

        return a;
    }

    /// <summary>Builds a geometry from a 4x4 row-major affine in RAS (flip=true) or LPS coordinates.</summary>
    public static ImageGeometry FromAffine(ImageSize size, ReadOnlySpan<double> affine, bool ras, double timeSpacing = 1.0)
    {
        if (affine.Length < 12)
        {
            throw new ArgumentException("An affine needs at least 12 values (3 rows of 4).", nameof(affine));
        }

        double sign(int row) => ras && row < 2 ? -1 : 1;
        var columns = new Vector3D[3];
        var spacing = new double[3];
        for (int c = 0; c < 3; c++)
        {
            var column = new Vector3D(sign(0) * affine[c], sign(1) * affine[4 + c], sign(2) * affine[8 + c]);
            spacing[c] = column.Length;
            columns[c] = spacing[c] > 0 ? column / spacing[c] : Orientation.UnitAxis(c);
            if (spacing[c] == 0)
            {
                spacing[c] = 1;
            }
        }

        var origin = new Vector3D(sign(0) * affine[3], sign(1) * affine[7], sign(2) * affine[11]);
        return new ImageGeometry(size, new Vector3D(spacing[0], spacing[1], spacing[2]), origin,
            Matrix3D.FromColumns(columns[0], columns[1], columns[2]), timeSpacing);
    }

    /// <summary>The geometry of a region starting at <paramref name="start"/> with <paramref name="size"/>: same spacing and direction, shifted origin.</summary>
    public ImageGeometry Region(Index3 start, ImageSize size) =>
        new(size, Spacing, IndexToPhysical(start.X, start.Y, start.Z), Direction, TimeSpacing);

    public ImageGeometry WithSize(ImageSize size) => new(size, Spacing, Origin, Direction, TimeSpacing);

    public ImageGeometry WithSpacing(Vector3D spacing) => new(Size, spacing, Origin, Direction, TimeSpacing);

    public ImageGeometry WithOrigin(Vector3D origin) => new(Size, Spacing, origin, Direction, TimeSpacing);

    public ImageGeometry WithDirection(Matrix3D direction) => new(Size, Spacing, Origin, direction, TimeSpacing);

    /// <summary>True when both geometries place every voxel within <paramref name="tolerance"/> (mm, and relative for direction).</summary>
    public bool IsEquivalent(ImageGeometry other, double tolerance = 1e-6) =>
        Size == other.Size
        && Vector3D.MaxAbsDifference(Spacing, other.Spacing) <= tolerance
        && Vector3D.MaxAbsDifference(Origin, other.Origin) <= tolerance
        && Matrix3D.MaxAbsDifference(Direction, other.Direction) <= tolerance;

    private static void Validate(Vector3D spacing, Vector3D origin, Matrix3D direction, double timeSpacing)
    {
        for (int a = 0; a < 3; a++)
        {
            if (!(spacing[a] > 0) || !double.IsFinite(spacing[a]))
            {
                throw new ArgumentOutOfRangeException(nameof(spacing), $"Spacing must be positive and finite, got {spacing}.");
            }

            if (!double.IsFinite(origin[a]))
            {
                throw new ArgumentOutOfRangeException(nameof(origin), $"Origin must be finite, got {origin}.");
            }
        }

        double det = direction.Determinant;
        if (!double.IsFinite(det) || Math.Abs(det) < 1e-6)
        {
            throw new ArgumentOutOfRangeException(nameof(direction), $"Direction matrix {direction} is singular.");
        }

        if (!(timeSpacing > 0) || !double.IsFinite(timeSpacing))
        {
            throw new ArgumentOutOfRangeException(nameof(timeSpacing), $"Time spacing must be positive and finite, got {timeSpacing}.");
        }
    }

    public override string ToString() =>
        $"size {Size}, spacing {Spacing}, origin {Origin}, direction {Direction} ({OrientationCode})";
}
