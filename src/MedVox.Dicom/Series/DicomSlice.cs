using MedVox.Dicom.Pixels;
using MedVox.Geometry;

namespace MedVox.Dicom.Series;

/// <summary>One 2D image of a series: a single-frame file, or one frame of a multi-frame file, with its geometry and rescale.</summary>
internal sealed class DicomSlice
{
    public required DicomFile File { get; init; }

    public required DicomPixelFormat Format { get; init; }

    public int Frame { get; init; }

    public Vector3D? Position { get; init; }

    public Vector3D? RowCosine { get; init; }

    public Vector3D? ColumnCosine { get; init; }

    /// <summary>(row spacing, column spacing): PixelSpacing as stored.</summary>
    public (double Row, double Column)? PixelSpacing { get; init; }

    public double? Thickness { get; init; }

    public double? SpacingBetweenSlices { get; init; }

    public double Slope { get; init; } = 1;

    public double Intercept { get; init; }

    public int? InstanceNumber { get; init; }

    public int? Echo { get; init; }

    public string? StackId { get; init; }

    /// <summary>Orders repeated positions in time: temporal position, trigger or acquisition time.</summary>
    public double? Temporal { get; init; }

    public double? GantryTilt { get; init; }

    /// <summary>Position along the stack normal, set when the stack is sorted.</summary>
    public double Distance { get; set; }

    public string Name => Format.Frames > 1 ? $"{File.Path} frame {Frame + 1}" : File.Path;

    /// <summary>The slices a file holds: one, or one per frame (enhanced multi-frame functional groups, RT dose grid offsets).</summary>
    public static List<DicomSlice> FromFile(DicomFile file)
    {
        var format = DicomPixelFormat.FromFile(file);
        var ds = file.Dataset;
        var position = Vector(ds.GetDoubles(DicomTag.ImagePositionPatient), 0, file, "ImagePositionPatient");
        var orientation = ds.GetDoubles(DicomTag.ImageOrientationPatient);
        var row = Vector(orientation, 0, file, "ImageOrientationPatient");
        var column = Vector(orientation, 3, file, "ImageOrientationPatient");
        var spacing = Pair(ds.GetDoubles(DicomTag.PixelSpacing)) ?? Pair(ds.GetDoubles(new DicomTag(0x0018, 0x1164)));
        double? thickness = ds.GetDouble(DicomTag.SliceThickness);
        double? between = ds.GetDouble(DicomTag.SpacingBetweenSlices);
        double slope = ds.GetDouble(DicomTag.RescaleSlope) ?? 1;
        double intercept = ds.GetDouble(DicomTag.RescaleIntercept) ?? 0;
        int? instance = TryInt(ds, DicomTag.InstanceNumber);
        int? echo = TryInt(ds, DicomTag.EchoNumbers);
        double? temporal = ds.GetDouble(DicomTag.TemporalPositionIdentifier) ?? ds.GetDouble(DicomTag.TriggerTime) ?? TimeOfDay(ds.GetString(DicomTag.AcquisitionTime));
        double? tilt = ds.GetDouble(DicomTag.GantryDetectorTilt);
        if (slope == 0)
        {
            slope = 1;
            file.AddWarning("RescaleSlope is 0; taken as 1");
        }

        var slices = new List<DicomSlice>(format.Frames);
        var perFrame = ds.GetSequence(DicomTag.PerFrameFunctionalGroupsSequence);
        var shared = ds.GetSequence(DicomTag.SharedFunctionalGroupsSequence);
        var sharedItem = shared.Count > 0 ? shared[0] : null;
        var offsets = ds.GetDoubles(new DicomTag(0x3004, 0x000C));
        for (int f = 0; f < format.Frames; f++)
        {
            var framePosition = position;
            var frameRow = row;
            var frameColumn = column;
            var frameSpacing = spacing;
            double? frameThickness = thickness;
            double frameSlope = slope, frameIntercept = intercept;
            double? frameTemporal = temporal;
            string? stackId = null;
            if (format.Frames > 1 && (perFrame.Count > 0 || sharedItem is not null))
            {
                var item = f < perFrame.Count ? perFrame[f] : null;
                var plane = Group(item, sharedItem, DicomTag.PlanePositionSequence);
                if (plane is not null)
                {
                    framePosition = Vector(plane.GetDoubles(DicomTag.ImagePositionPatient), 0, file, "ImagePositionPatient") ?? framePosition;
                }

                var orient = Group(item, sharedItem, DicomTag.PlaneOrientationSequence);
                if (orient is not null)
                {
                    var values = orient.GetDoubles(DicomTag.ImageOrientationPatient);
                    frameRow = Vector(values, 0, file, "ImageOrientationPatient") ?? frameRow;
                    frameColumn = Vector(values, 3, file, "ImageOrientationPatient") ?? frameColumn;
                }

                var measures = Group(item, sharedItem, DicomTag.PixelMeasuresSequence);
                if (measures is not null)
                {
                    frameSpacing = Pair(measures.GetDoubles(DicomTag.PixelSpacing)) ?? frameSpacing;
                    frameThickness = measures.GetDouble(DicomTag.SliceThickness) ?? frameThickness;
                }

                var transform = Group(item, sharedItem, DicomTag.PixelValueTransformationSequence);
                if (transform is not null)
                {
                    frameSlope = transform.GetDouble(DicomTag.RescaleSlope) ?? frameSlope;
                    frameIntercept = transform.GetDouble(DicomTag.RescaleIntercept) ?? frameIntercept;
                }

                var content = Group(item, null, DicomTag.FrameContentSequence);
                if (content is not null)
                {
                    stackId = content.GetString(DicomTag.StackID);
                    frameTemporal = content.GetDouble(DicomTag.TemporalPositionIndex) ?? frameTemporal;
                }
            }
            else if (format.Frames > 1 && offsets.Length == format.Frames && framePosition is { } origin && frameRow is { } r && frameColumn is { } c)
            {
                // RT dose and similar: frames along the normal at GridFrameOffsetVector offsets.
                var normal = Vector3D.Cross(r, c).Normalized();
                framePosition = origin + (normal * offsets[f]);
            }
            else if (format.Frames > 1 && framePosition is { } start && frameRow is { } r2 && frameColumn is { } c2)
            {
                double step = between ?? thickness ?? 1;
                framePosition = start + (Vector3D.Cross(r2, c2).Normalized() * (step * f));
                if (f == 0)
                {
                    file.AddWarning($"multi-frame file without per-frame positions: frames placed {step} mm apart along the normal");
                }
            }

            if (frameSlope == 0)
            {
                frameSlope = 1;
            }

            slices.Add(new DicomSlice
            {
                File = file,
                Format = format,
                Frame = f,
                Position = framePosition,
                RowCosine = frameRow,
                ColumnCosine = frameColumn,
                PixelSpacing = frameSpacing,
                Thickness = frameThickness,
                SpacingBetweenSlices = between,
                Slope = frameSlope,
                Intercept = frameIntercept,
                InstanceNumber = instance,
                Echo = echo,
                StackId = stackId,
                Temporal = frameTemporal,
                GantryTilt = tilt,
            });
        }

        return slices;
    }

    private static DicomDataset? Group(DicomDataset? perFrame, DicomDataset? shared, DicomTag sequence)
    {
        var items = perFrame?.GetSequence(sequence);
        if (items is { Count: > 0 })
        {
            return items[0];
        }

        items = shared?.GetSequence(sequence);
        return items is { Count: > 0 } ? items[0] : null;
    }

    private static Vector3D? Vector(double[] values, int start, DicomFile file, string field)
    {
        if (values.Length == 0)
        {
            return null;
        }

        if (values.Length < start + 3)
        {
            throw new InvalidImageFileException($"{field} has {values.Length} values", file.Path, field, "the header is corrupt");
        }

        return new Vector3D(values[start], values[start + 1], values[start + 2]);
    }

    private static (double, double)? Pair(double[] values) =>
        values.Length >= 2 && values[0] > 0 && values[1] > 0 ? (values[0], values[1]) : null;

    private static int? TryInt(DicomDataset ds, DicomTag tag)
    {
        try
        {
            return ds.GetInt(tag);
        }
        catch (InvalidImageFileException)
        {
            // Ordering hints only: a malformed InstanceNumber must not make the file unreadable.
            return null;
        }
    }

    private static double? TimeOfDay(string? tm)
    {
        if (string.IsNullOrEmpty(tm) || tm.Length < 2)
        {
            return null;
        }

        double seconds = 0;
        if (int.TryParse(tm.AsSpan(0, 2), out int h))
        {
            seconds = h * 3600;
        }

        if (tm.Length >= 4 && int.TryParse(tm.AsSpan(2, 2), out int m))
        {
            seconds += m * 60;
        }

        if (tm.Length >= 6 && double.TryParse(tm.AsSpan(4), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double s))
        {
            seconds += s;
        }

        return seconds;
    }
}
