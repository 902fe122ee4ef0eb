using MedVox.Geometry;

namespace MedVox.Reporting.Snapshots;

/// <summary>
/// The voxel grid of an image seen in LPS order (canonical axis 0 runs to the patient's left, 1 posterior, 2 superior),
/// as <c>Reorient("LPS")</c> would lay it out, without copying: only the planes shown are read. Each canonical axis is
/// the source index axis closest to that patient axis, reversed where it runs the other way.
/// </summary>
internal sealed class CanonicalGrid
{
    private readonly int[] _sourceAxis = new int[3];
    private readonly bool[] _reversed = new bool[3];

    public CanonicalGrid(ImageGeometry geometry)
    {
        Geometry = geometry;
        var axes = Orientation.ClosestAxes(geometry.Direction);
        for (int source = 0; source < 3; source++)
        {
            int canonical = axes[source].PhysicalAxis;
            _sourceAxis[canonical] = source;
            _reversed[canonical] = axes[source].Negative;
        }

        Size = [geometry.Size[_sourceAxis[0]], geometry.Size[_sourceAxis[1]], geometry.Size[_sourceAxis[2]]];
        Spacing = [geometry.Spacing[_sourceAxis[0]], geometry.Spacing[_sourceAxis[1]], geometry.Spacing[_sourceAxis[2]]];

        // Oblique: some index axis is more than ~0.6 degrees off its patient axis.
        double smallest = 1;
        for (int a = 0; a < 3; a++)
        {
            smallest = Math.Min(smallest, Math.Abs(geometry.Direction[a, _sourceAxis[a]]));
        }

        IsOblique = smallest < 0.99995;
    }

    public ImageGeometry Geometry { get; }

    /// <summary>Voxels along each canonical axis.</summary>
    public int[] Size { get; }

    /// <summary>Spacing (mm) along each canonical axis.</summary>
    public double[] Spacing { get; }

    /// <summary>True when the index axes are not exactly along the patient axes; views are then along the nearest ones.</summary>
    public bool IsOblique { get; }

    /// <summary>The source index axis that canonical axis <paramref name="canonical"/> reads.</summary>
    public int SourceAxis(int canonical) => _sourceAxis[canonical];

    /// <summary>The source index along <see cref="SourceAxis"/> of canonical index <paramref name="index"/> along <paramref name="canonical"/>, and back (the map is its own inverse).</summary>
    public int Flip(int canonical, int index) => _reversed[canonical] ? Size[canonical] - 1 - index : index;

    /// <summary>Source voxel index of a canonical index.</summary>
    public (int X, int Y, int Z) ToSource(int c0, int c1, int c2)
    {
        Span<int> source = stackalloc int[3];
        source[_sourceAxis[0]] = _reversed[0] ? Size[0] - 1 - c0 : c0;
        source[_sourceAxis[1]] = _reversed[1] ? Size[1] - 1 - c1 : c1;
        source[_sourceAxis[2]] = _reversed[2] ? Size[2] - 1 - c2 : c2;
        return (source[0], source[1], source[2]);
    }

    /// <summary>Canonical index of a continuous source index (rounded, clamped into the grid).</summary>
    public (int C0, int C1, int C2) FromSource(Vector3D sourceIndex)
    {
        Span<int> canonical = stackalloc int[3];
        for (int a = 0; a < 3; a++)
        {
            int s = (int)Math.Clamp(Math.Round(sourceIndex[_sourceAxis[a]]), 0, Size[a] - 1);
            canonical[a] = _reversed[a] ? Size[a] - 1 - s : s;
        }

        return (canonical[0], canonical[1], canonical[2]);
    }

    /// <summary>The in-plane axes of a view: columns (left to right on screen), rows (top to bottom), and the axis across the slice.</summary>
    public static (int Column, int Row, bool RowReversed, int Across) ViewAxes(SliceView view) => view switch
    {
        // Axial: columns run to the patient's left (right on the screen's left), rows posterior (anterior on top).
        SliceView.Axial => (0, 1, false, 2),

        // Coronal: columns to the left, rows from superior (top) down.
        SliceView.Coronal => (0, 2, true, 1),

        // Sagittal: columns posterior (anterior on the screen's left), rows from superior down.
        _ => (1, 2, true, 0),
    };

    /// <summary>The patient directions at the left, right, top and bottom edges of a view.</summary>
    public static (string Left, string Right, string Top, string Bottom) ViewLetters(SliceView view) => view switch
    {
        SliceView.Axial => ("R", "L", "A", "P"),
        SliceView.Coronal => ("R", "L", "S", "I"),
        _ => ("A", "P", "S", "I"),
    };
}
