namespace MedVox.Geometry;

/// <summary>
/// Orientation codes of index axes in the "towards" convention that nibabel's <c>aff2axcodes</c> prints: the letter
/// names the anatomical direction in which the index increases (R/L, A/P, S/I). In our LPS physical space a direction
/// column along +x points to the patient's left, +y posterior, +z superior.
/// </summary>
public static class Orientation
{
    private const string Positive = "LPS";
    private const string Negative = "RAI";

    public static Vector3D UnitAxis(int axis) => axis switch
    {
        0 => new Vector3D(1, 0, 0),
        1 => new Vector3D(0, 1, 0),
        _ => new Vector3D(0, 0, 1),
    };

    /// <summary>
    /// For each index axis, the physical axis (0 = x, 1 = y, 2 = z) it runs closest to and whether it runs in the negative
    /// direction. Axes are assigned greedily from the largest cosine, so oblique directions still map one-to-one.
    /// </summary>
    public static (int PhysicalAxis, bool Negative)[] ClosestAxes(Matrix3D direction)
    {
        var result = new (int, bool)[3];
        Span<bool> rowUsed = stackalloc bool[3];
        Span<bool> columnUsed = stackalloc bool[3];
        for (int step = 0; step < 3; step++)
        {
            int bestRow = -1, bestColumn = -1;
            double best = -1;
            for (int column = 0; column < 3; column++)
            {
                if (columnUsed[column])
                {
                    continue;
                }

                for (int row = 0; row < 3; row++)
                {
                    if (!rowUsed[row] && Math.Abs(direction[row, column]) > best)
                    {
                        best = Math.Abs(direction[row, column]);
                        bestRow = row;
                        bestColumn = column;
                    }
                }
            }

            rowUsed[bestRow] = true;
            columnUsed[bestColumn] = true;
            result[bestColumn] = (bestRow, direction[bestRow, bestColumn] < 0);
        }

        return result;
    }

    /// <summary>Three-letter code such as "RAS" or "LPS" for a direction matrix in LPS space.</summary>
    public static string CodeFromDirection(Matrix3D direction)
    {
        var axes = ClosestAxes(direction);
        Span<char> code = stackalloc char[3];
        for (int i = 0; i < 3; i++)
        {
            code[i] = axes[i].Negative ? Negative[axes[i].PhysicalAxis] : Positive[axes[i].PhysicalAxis];
        }

        return new string(code);
    }

    /// <summary>The direction matrix (LPS space) whose index axes point exactly as <paramref name="code"/> says.</summary>
    public static Matrix3D DirectionFromCode(string code)
    {
        var axes = ParseCode(code);
        var columns = new Vector3D[3];
        for (int i = 0; i < 3; i++)
        {
            columns[i] = UnitAxis(axes[i].PhysicalAxis) * (axes[i].Negative ? -1 : 1);
        }

        return Matrix3D.FromColumns(columns[0], columns[1], columns[2]);
    }

    /// <summary>Parses a code such as "RAS"; each anatomical axis must appear exactly once.</summary>
    public static (int PhysicalAxis, bool Negative)[] ParseCode(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        if (code.Length != 3)
        {
            throw new ArgumentException($"An orientation code has three letters (e.g. RAS or LPS), got '{code}'.", nameof(code));
        }

        var result = new (int, bool)[3];
        Span<bool> seen = stackalloc bool[3];
        for (int i = 0; i < 3; i++)
        {
            char letter = char.ToUpperInvariant(code[i]);
            int positive = Positive.IndexOf(letter, StringComparison.Ordinal);
            int negative = Negative.IndexOf(letter, StringComparison.Ordinal);
            int axis = positive >= 0 ? positive : negative;
            if (axis < 0 || seen[axis])
            {
                throw new ArgumentException($"'{code}' is not an orientation code: use one of R/L, A/P, S/I per axis, each once.", nameof(code));
            }

            seen[axis] = true;
            result[i] = (axis, negative >= 0);
        }

        return result;
    }
}
