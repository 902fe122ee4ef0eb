using System.Globalization;
using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Dicom.Series;

/// <summary>
/// Slices of one orientation and size, sorted by position along the slice normal (never by InstanceNumber or file
/// name when positions exist), with the geometry and irregularities that follow from the positions.
/// </summary>
internal sealed class DicomSliceStack
{
    private DicomSliceStack(List<DicomSlice> ordered)
    {
        Ordered = ordered;
    }

    /// <summary>Slices in volume order: index t * Z + z.</summary>
    public List<DicomSlice> Ordered { get; }

    public int Z { get; private set; }

    public int T { get; private set; } = 1;

    /// <summary>Distances of the Z positions along the normal, increasing.</summary>
    public double[] Distances { get; private set; } = [];

    public Vector3D Spacing { get; private set; }

    public Vector3D Origin { get; private set; }

    public Matrix3D Direction { get; private set; } = Matrix3D.Identity;

    public List<string> Problems { get; } = [];

    public List<string> Warnings { get; } = [];

    public List<string> Irregularities { get; } = [];

    public bool IsIrregular => Irregularities.Count > 0;

    public ImageSize Size
    {
        get
        {
            var format = Ordered[0].Format;
            return T > 1 ? ImageSize.Of4D(format.Columns, format.Rows, Z, T) : ImageSize.Of3D(format.Columns, format.Rows, Z);
        }
    }

    public static DicomSliceStack Build(List<DicomSlice> slices, double tolerance)
    {
        int withGeometry = slices.Count(s => s.Position is not null && s.RowCosine is not null && s.ColumnCosine is not null);
        if (withGeometry == slices.Count)
        {
            return BuildFromPositions(slices, tolerance);
        }

        // No (or partial) geometry: order by InstanceNumber, then file name and frame, for a usable but unlocated stack.
        var ordered = slices.OrderBy(s => s.InstanceNumber ?? int.MaxValue).ThenBy(s => s.File.Path, StringComparer.Ordinal).ThenBy(s => s.Frame).ToList();
        var stack = new DicomSliceStack(ordered) { Z = ordered.Count };
        if (withGeometry > 0)
        {
            var missing = slices.Where(s => s.Position is null || s.RowCosine is null || s.ColumnCosine is null).Select(s => s.Name).ToList();
            stack.Problems.Add($"{missing.Count} of {slices.Count} slices lack ImagePositionPatient/ImageOrientationPatient ({Examples(missing)}), so they cannot be placed");
        }
        else if (slices.Count > 1)
        {
            stack.Warnings.Add("no ImagePositionPatient/ImageOrientationPatient: slices are ordered by InstanceNumber with unit geometry");
        }

        var first = ordered[0];
        var (rowSpacing, columnSpacing) = first.PixelSpacing ?? (1, 1);
        double z = first.SpacingBetweenSlices ?? first.Thickness ?? 1;
        stack.Spacing = new Vector3D(columnSpacing, rowSpacing, z > 0 ? z : 1);
        stack.Origin = Vector3D.Zero;
        stack.Distances = [.. Enumerable.Range(0, ordered.Count).Select(i => i * stack.Spacing.Z)];
        return stack;
    }

    private static DicomSliceStack BuildFromPositions(List<DicomSlice> slices, double tolerance)
    {
        var first = slices[0];
        var row = first.RowCosine!.Value.Normalized();
        var column = first.ColumnCosine!.Value.Normalized();
        var normal = Vector3D.Cross(row, column).Normalized();
        if (normal.Length < 0.5)
        {
            var bad = new DicomSliceStack(slices) { Z = slices.Count };
            bad.Problems.Add($"ImageOrientationPatient of {first.Name} has parallel or zero cosines");
            return bad;
        }

        foreach (var slice in slices)
        {
            slice.Distance = Vector3D.Dot(slice.Position!.Value, normal);
        }

        var sorted = slices
            .OrderBy(s => s.Distance)
            .ThenBy(s => s.Temporal ?? 0)
            .ThenBy(s => s.InstanceNumber ?? 0)
            .ThenBy(s => s.File.Path, StringComparer.Ordinal)
            .ThenBy(s => s.Frame)
            .ToList();

        // Group equal positions (time points or duplicates).
        const double samePosition = 0.01;
        var groups = new List<List<DicomSlice>>();
        foreach (var slice in sorted)
        {
            if (groups.Count > 0 && slice.Distance - groups[^1][0].Distance <= samePosition)
            {
                groups[^1].Add(slice);
            }
            else
            {
                groups.Add([slice]);
            }
        }

        int t = groups[0].Count;
        var stack = new DicomSliceStack([]);
        if (groups.Any(g => g.Count != t))
        {
            var odd = groups.First(g => g.Count != t);
            var repeated = groups.First(g => g.Count > 1);
            stack.Problems.Add(
                $"slice positions repeat unevenly: {repeated.Count} slices at {Mm(repeated[0].Distance)} mm along the normal ({Examples(repeated.Select(s => s.Name).ToList())}), {odd.Count} at {Mm(odd[0].Distance)} mm; duplicates or an incomplete time series");
            stack.Ordered.AddRange(sorted);
            stack.Z = sorted.Count;
            t = 1;
        }
        else
        {
            // Volume order: all positions of time point 0, then of time point 1, ...
            for (int time = 0; time < t; time++)
            {
                foreach (var group in groups)
                {
                    stack.Ordered.Add(group.OrderBy(s => s.Temporal ?? 0).ThenBy(s => s.InstanceNumber ?? 0).ThenBy(s => s.File.Path, StringComparer.Ordinal).ElementAt(time));
                }
            }

            stack.Z = groups.Count;
            stack.T = t;
            if (t > 1)
            {
                stack.Warnings.Add($"every position holds {t} slices: loaded as {t} time points (4D)");
            }
        }

        stack.Distances = [.. groups.Select(g => g[0].Distance)];
        var (rowSpacing, columnSpacing) = first.PixelSpacing ?? (1, 1);
        if (first.PixelSpacing is null)
        {
            stack.Warnings.Add("no PixelSpacing: 1 mm assumed in plane");
        }

        if (slices.Any(s => s.PixelSpacing is { } p && (Math.Abs(p.Row - rowSpacing) > 1e-4 || Math.Abs(p.Column - columnSpacing) > 1e-4)))
        {
            stack.Warnings.Add("PixelSpacing differs between slices; the first slice's is used");
        }

        double sliceSpacing = stack.AnalyseSpacing(groups, tolerance);
        stack.Spacing = new Vector3D(columnSpacing, rowSpacing, sliceSpacing);
        stack.Origin = groups[0][0].Position!.Value;
        stack.Direction = Matrix3D.FromColumns(row, column, normal);
        stack.CheckTilt(groups, normal);
        return stack;
    }

    /// <summary>The usual step between positions (median), with every gap or uneven step recorded; SliceThickness for a single slice.</summary>
    private double AnalyseSpacing(List<List<DicomSlice>> groups, double tolerance)
    {
        if (groups.Count == 1)
        {
            var only = groups[0][0];
            double thickness = only.SpacingBetweenSlices ?? only.Thickness ?? 1;
            return thickness > 0 ? thickness : 1;
        }

        var steps = new double[groups.Count - 1];
        for (int i = 0; i < steps.Length; i++)
        {
            steps[i] = groups[i + 1][0].Distance - groups[i][0].Distance;
        }

        var ordered = steps.Order().ToArray();
        double nominal = ordered[ordered.Length / 2];
        double allowed = Math.Max(1e-3, tolerance * nominal);
        for (int i = 0; i < steps.Length; i++)
        {
            double step = steps[i];
            if (Math.Abs(step - nominal) <= allowed)
            {
                continue;
            }

            string between = $"slices {i + 1} and {i + 2} ({groups[i][0].Name} at {Mm(groups[i][0].Distance)} mm, {groups[i + 1][0].Name} at {Mm(groups[i + 1][0].Distance)} mm)";
            int k = (int)Math.Round(step / nominal);
            Irregularities.Add(k >= 2 && Math.Abs(step - (k * nominal)) <= allowed * k
                ? $"gap of {Mm(step)} mm between {between} where the spacing is {Mm(nominal)} mm: {k - 1} slice(s) missing"
                : $"step of {Mm(step)} mm between {between} where the spacing is {Mm(nominal)} mm");
        }

        return nominal;
    }

    private void CheckTilt(List<List<DicomSlice>> groups, Vector3D normal)
    {
        double declared = groups[0][0].GantryTilt ?? 0;
        if (groups.Count < 2)
        {
            return;
        }

        var span = groups[^1][0].Position!.Value - groups[0][0].Position!.Value;
        double along = Vector3D.Dot(span, normal);
        double lateral = (span - (normal * along)).Length;
        double angle = along > 0 ? Math.Atan2(lateral, along) * 180 / Math.PI : 0;
        if (angle > 0.05 || Math.Abs(declared) > 0.05)
        {
            Warnings.Add(
                $"gantry tilt: slices are sheared by {angle.ToString("0.##", CultureInfo.InvariantCulture)} degrees (GantryDetectorTilt {declared.ToString("0.##", CultureInfo.InvariantCulture)}); " +
                $"the volume's third axis is the slice normal, so the last slice is placed {Mm(lateral)} mm off its recorded position, as ITK and dcm2niix without tilt correction do");
        }
    }

    private static string Mm(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    internal static string Examples(List<string> names) =>
        names.Count <= 3 ? string.Join(", ", names) : $"{string.Join(", ", names.Take(3))} and {names.Count - 3} more";
}
