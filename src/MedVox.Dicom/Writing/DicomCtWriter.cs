using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.IO;

namespace MedVox.Dicom.Writing;

/// <summary>One CT slice to write: stored int16 values with rescale, and its place in the patient (LPS).</summary>
public sealed record DicomCtSlice
{
    public required int Rows { get; init; }

    public required int Columns { get; init; }

    /// <summary>Stored values, row by row (Rows x Columns).</summary>
    public required ReadOnlyMemory<short> Pixels { get; init; }

    public required Vector3D Position { get; init; }

    public Vector3D RowCosine { get; init; } = new(1, 0, 0);

    public Vector3D ColumnCosine { get; init; } = new(0, 1, 0);

    /// <summary>Spacing between rows (mm), PixelSpacing[0].</summary>
    public double RowSpacing { get; init; } = 1;

    /// <summary>Spacing between columns (mm), PixelSpacing[1].</summary>
    public double ColumnSpacing { get; init; } = 1;

    public double SliceThickness { get; init; } = 1;

    public double RescaleSlope { get; init; } = 1;

    public double RescaleIntercept { get; init; } = -1024;

    public double? GantryTilt { get; init; }

    public int InstanceNumber { get; init; } = 1;

    public int SeriesNumber { get; init; } = 1;

    public string SeriesDescription { get; init; } = "MedVox synthetic CT";

    public required string StudyInstanceUid { get; init; }

    public required string SeriesInstanceUid { get; init; }

    public required string SopInstanceUid { get; init; }

    public required string FrameOfReferenceUid { get; init; }

    public string PatientName { get; init; } = "Synthetic^Phantom";

    public string PatientId { get; init; } = "MEDVOX0001";
}

/// <summary>
/// A small DICOM writer for tests and benchmarks: CT Image Storage, explicit VR little endian, int16 pixels with
/// rescale and full geometry. Enough to generate series with known geometry (shuffled names and numbers, oblique,
/// gaps, tilt); not a general DICOM writer. Files are written atomically.
/// </summary>
public static class DicomCtWriter
{
    public const string CtImageStorage = "1.2.840.10008.5.1.4.1.1.2";

    /// <summary>The UID root used for generated UIDs (2.25 = UUID-derived, PS3.5 B.2).</summary>
    public static string NewUid() => "2.25." + new System.Numerics.BigInteger(Guid.NewGuid().ToByteArray(), isUnsigned: true).ToString(CultureInfo.InvariantCulture);

    public static void Write(string path, DicomCtSlice slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        if (slice.Pixels.Length != slice.Rows * slice.Columns)
        {
            throw new ArgumentException($"{slice.Rows}x{slice.Columns} pixels expected, {slice.Pixels.Length} given.", nameof(slice));
        }

        var data = new ElementWriter();
        data.String(0x0008, 0x0005, "CS", "ISO_IR 192");
        data.String(0x0008, 0x0008, "CS", @"ORIGINAL\PRIMARY\AXIAL");
        data.String(0x0008, 0x0016, "UI", CtImageStorage);
        data.String(0x0008, 0x0018, "UI", slice.SopInstanceUid);
        data.String(0x0008, 0x0020, "DA", "20240101");
        data.String(0x0008, 0x0030, "TM", "120000");
        data.String(0x0008, 0x0050, "SH", string.Empty);
        data.String(0x0008, 0x0060, "CS", "CT");
        data.String(0x0008, 0x0070, "LO", "MedVox");
        data.String(0x0008, 0x0090, "PN", string.Empty);
        data.String(0x0008, 0x103E, "LO", slice.SeriesDescription);
        data.String(0x0010, 0x0010, "PN", slice.PatientName);
        data.String(0x0010, 0x0020, "LO", slice.PatientId);
        data.String(0x0010, 0x0030, "DA", string.Empty);
        data.String(0x0010, 0x0040, "CS", "O");
        data.String(0x0018, 0x0050, "DS", Ds(slice.SliceThickness));
        data.String(0x0018, 0x0060, "DS", "120");
        if (slice.GantryTilt is { } tilt)
        {
            data.String(0x0018, 0x1120, "DS", Ds(tilt));
        }

        data.String(0x0018, 0x5100, "CS", "HFS");
        data.String(0x0020, 0x000D, "UI", slice.StudyInstanceUid);
        data.String(0x0020, 0x000E, "UI", slice.SeriesInstanceUid);
        data.String(0x0020, 0x0010, "SH", "1");
        data.String(0x0020, 0x0011, "IS", slice.SeriesNumber.ToString(CultureInfo.InvariantCulture));
        data.String(0x0020, 0x0012, "IS", "1");
        data.String(0x0020, 0x0013, "IS", slice.InstanceNumber.ToString(CultureInfo.InvariantCulture));
        data.String(0x0020, 0x0032, "DS", Ds(slice.Position.X, slice.Position.Y, slice.Position.Z));
        data.String(0x0020, 0x0037, "DS", Ds(slice.RowCosine.X, slice.RowCosine.Y, slice.RowCosine.Z, slice.ColumnCosine.X, slice.ColumnCosine.Y, slice.ColumnCosine.Z));
        data.String(0x0020, 0x0052, "UI", slice.FrameOfReferenceUid);
        data.String(0x0020, 0x0060, "CS", string.Empty);
        data.String(0x0020, 0x1040, "LO", string.Empty);
        data.UInt16(0x0028, 0x0002, 1);
        data.String(0x0028, 0x0004, "CS", "MONOCHROME2");
        data.UInt16(0x0028, 0x0010, (ushort)slice.Rows);
        data.UInt16(0x0028, 0x0011, (ushort)slice.Columns);
        data.String(0x0028, 0x0030, "DS", Ds(slice.RowSpacing, slice.ColumnSpacing));
        data.UInt16(0x0028, 0x0100, 16);
        data.UInt16(0x0028, 0x0101, 16);
        data.UInt16(0x0028, 0x0102, 15);
        data.UInt16(0x0028, 0x0103, 1);
        data.String(0x0028, 0x1050, "DS", "40");
        data.String(0x0028, 0x1051, "DS", "400");
        data.String(0x0028, 0x1052, "DS", Ds(slice.RescaleIntercept));
        data.String(0x0028, 0x1053, "DS", Ds(slice.RescaleSlope));
        data.String(0x0028, 0x1054, "LO", "HU");
        var pixels = new byte[slice.Pixels.Length * 2];
        var source = slice.Pixels.Span;
        for (int i = 0; i < source.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(pixels.AsSpan(2 * i), source[i]);
        }

        data.Bytes(0x7FE0, 0x0010, "OW", pixels);

        WriteFile(path, CtImageStorage, slice.SopInstanceUid, data);
    }

    /// <summary>How <see cref="WriteSeries"/> lays out files.</summary>
    public sealed record SeriesOptions
    {
        /// <summary>Shuffle file names and instance numbers, so that only positions give the order.</summary>
        public bool Shuffle { get; init; }

        /// <summary>With <see cref="Shuffle"/>, keep instance numbers in position order (only the names are shuffled).</summary>
        public bool KeepInstanceNumbers { get; init; }

        public int Seed { get; init; } = 1;

        /// <summary>Added to every instance number (to write time points of one series one after another).</summary>
        public int InstanceNumberOffset { get; init; }

        /// <summary>Slice indices left out (a gap).</summary>
        public IReadOnlySet<int> Skip { get; init; } = new HashSet<int>();

        /// <summary>Shift of slice k along the column cosine by k * tan(tilt) * spacing: a gantry-tilted acquisition.</summary>
        public double GantryTiltDegrees { get; init; }

        public double RescaleIntercept { get; init; } = -1024;

        public string? SeriesInstanceUid { get; init; }

        public string? StudyInstanceUid { get; init; }

        public int SeriesNumber { get; init; } = 1;

        public string SeriesDescription { get; init; } = "MedVox synthetic CT";
    }

    /// <summary>
    /// Writes an int16 volume (values in HU, LPS geometry) as one file per slice; returns the paths in slice order.
    /// Slice k lies at origin + k * spacing.Z * direction column 3 (plus the tilt shear).
    /// </summary>
    public static List<string> WriteSeries(Image volume, string folder, SeriesOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(volume);
        options ??= new SeriesOptions();
        if (volume.ElementType != ElementType.Int16 || volume.Channels != 1)
        {
            throw new ArgumentException("WriteSeries takes int16 single-channel volumes.", nameof(volume));
        }

        Directory.CreateDirectory(folder);
        var g = volume.Geometry;
        string study = options.StudyInstanceUid ?? NewUid(), series = options.SeriesInstanceUid ?? NewUid(), frame = NewUid();
        int count = volume.Size.Z;
        var numbers = Enumerable.Range(1, count).ToArray();
        if (options.Shuffle)
        {
            new Random(options.Seed).Shuffle(numbers);
        }

        var paths = new List<string>();
        double shear = Math.Tan(options.GantryTiltDegrees * Math.PI / 180) * g.Spacing.Z;
        var pixels = new short[volume.Size.X * volume.Size.Y];
        for (int k = 0; k < count; k++)
        {
            if (options.Skip.Contains(k))
            {
                continue;
            }

            var slice = volume.GetSlice<short>(k);
            for (int i = 0; i < pixels.Length; i++)
            {
                pixels[i] = (short)(slice[i] - options.RescaleIntercept);
            }

            var position = g.IndexToPhysical(0, 0, k) + (g.Direction.Column(1) * (shear * k));
            string name = options.Shuffle ? $"IM{numbers[k] * 7919 % 100003:D6}" : $"slice{k:D4}.dcm";
            string path = Path.Combine(folder, name);
            Write(path, new DicomCtSlice
            {
                Rows = volume.Size.Y,
                Columns = volume.Size.X,
                Pixels = pixels.ToArray(),
                Position = position,
                RowCosine = g.Direction.Column(0),
                ColumnCosine = g.Direction.Column(1),
                RowSpacing = g.Spacing.Y,
                ColumnSpacing = g.Spacing.X,
                SliceThickness = g.Spacing.Z,
                RescaleIntercept = options.RescaleIntercept,
                GantryTilt = options.GantryTiltDegrees != 0 ? options.GantryTiltDegrees : null,
                InstanceNumber = options.InstanceNumberOffset + (options.KeepInstanceNumbers ? k + 1 : numbers[k]),
                SeriesNumber = options.SeriesNumber,
                SeriesDescription = options.SeriesDescription,
                StudyInstanceUid = study,
                SeriesInstanceUid = series,
                SopInstanceUid = NewUid(),
                FrameOfReferenceUid = frame,
            });
            paths.Add(path);
        }

        return paths;
    }

    public const string EnhancedCtImageStorage = "1.2.840.10008.5.1.4.1.1.2.1";

    /// <summary>
    /// Writes an int16 HU volume as one enhanced CT multi-frame file: shared functional groups (pixel measures, plane
    /// orientation, rescale) and per-frame plane positions and frame content. With <paramref name="shuffleFrames"/>
    /// frames are stored in a shuffled order, so that only their positions give the volume order.
    /// </summary>
    public static void WriteEnhanced(Image volume, string path, bool shuffleFrames = false, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (volume.ElementType != ElementType.Int16 || volume.Channels != 1)
        {
            throw new ArgumentException("WriteEnhanced takes int16 single-channel volumes.", nameof(volume));
        }

        var g = volume.Geometry;
        int frames = volume.Size.Z;
        var order = Enumerable.Range(0, frames).ToArray();
        if (shuffleFrames)
        {
            new Random(seed).Shuffle(order);
        }

        string sop = NewUid();
        var row = g.Direction.Column(0);
        var column = g.Direction.Column(1);
        var data = new ElementWriter();
        data.String(0x0008, 0x0005, "CS", "ISO_IR 192");
        data.String(0x0008, 0x0008, "CS", @"ORIGINAL\PRIMARY\AXIAL\NONE");
        data.String(0x0008, 0x0016, "UI", EnhancedCtImageStorage);
        data.String(0x0008, 0x0018, "UI", sop);
        data.String(0x0008, 0x0020, "DA", "20240101");
        data.String(0x0008, 0x0023, "DA", "20240101");
        data.String(0x0008, 0x0030, "TM", "120000");
        data.String(0x0008, 0x0033, "TM", "120000");
        data.String(0x0008, 0x0050, "SH", string.Empty);
        data.String(0x0008, 0x0060, "CS", "CT");
        data.String(0x0008, 0x0070, "LO", "MedVox");
        data.String(0x0008, 0x0090, "PN", string.Empty);
        data.String(0x0008, 0x103E, "LO", "MedVox synthetic enhanced CT");
        data.String(0x0010, 0x0010, "PN", "Synthetic^Phantom");
        data.String(0x0010, 0x0020, "LO", "MEDVOX0001");
        data.String(0x0020, 0x000D, "UI", NewUid());
        data.String(0x0020, 0x000E, "UI", NewUid());
        data.String(0x0020, 0x0011, "IS", "1");
        data.String(0x0020, 0x0013, "IS", "1");
        data.String(0x0020, 0x0052, "UI", NewUid());
        var sharedItem = new ElementWriter();
        var orientation = new ElementWriter();
        orientation.String(0x0020, 0x0037, "DS", Ds(row.X, row.Y, row.Z, column.X, column.Y, column.Z));
        sharedItem.Sequence(0x0020, 0x9116, [orientation]);
        var measures = new ElementWriter();
        measures.String(0x0018, 0x0050, "DS", Ds(g.Spacing.Z));
        measures.String(0x0028, 0x0030, "DS", Ds(g.Spacing.Y, g.Spacing.X));
        sharedItem.Sequence(0x0028, 0x9110, [measures]);
        var transform = new ElementWriter();
        transform.String(0x0028, 0x1052, "DS", "-1024");
        transform.String(0x0028, 0x1053, "DS", "1");
        transform.String(0x0028, 0x1054, "LO", "HU");
        sharedItem.Sequence(0x0028, 0x9145, [transform]);
        data.String(0x0028, 0x0002, "US", string.Empty, 1);
        data.String(0x0028, 0x0004, "CS", "MONOCHROME2");
        data.String(0x0028, 0x0008, "IS", frames.ToString(CultureInfo.InvariantCulture));
        data.UInt16(0x0028, 0x0010, (ushort)volume.Size.Y);
        data.UInt16(0x0028, 0x0011, (ushort)volume.Size.X);
        data.UInt16(0x0028, 0x0100, 16);
        data.UInt16(0x0028, 0x0101, 16);
        data.UInt16(0x0028, 0x0102, 15);
        data.UInt16(0x0028, 0x0103, 1);
        data.Sequence(0x5200, 0x9229, [sharedItem]);
        var perFrame = new List<ElementWriter>();
        foreach (int k in order)
        {
            var item = new ElementWriter();
            var content = new ElementWriter();
            content.String(0x0020, 0x9056, "SH", "1");
            content.String(0x0020, 0x9057, "UL", string.Empty, (uint)(k + 1));
            item.Sequence(0x0020, 0x9111, [content]);
            var position = new ElementWriter();
            var p = g.IndexToPhysical(0, 0, k);
            position.String(0x0020, 0x0032, "DS", Ds(p.X, p.Y, p.Z));
            item.Sequence(0x0020, 0x9113, [position]);
            perFrame.Add(item);
        }

        data.Sequence(0x5200, 0x9230, perFrame);
        long frameBytes = volume.Size.VoxelsPerSlice * 2;
        var pixels = new byte[frameBytes * frames];
        for (int f = 0; f < frames; f++)
        {
            var slice = volume.GetSlice<short>(order[f]);
            for (int i = 0; i < slice.Length; i++)
            {
                BinaryPrimitives.WriteInt16LittleEndian(pixels.AsSpan((int)((f * frameBytes) + (2 * i))), (short)(slice[i] + 1024));
            }
        }

        data.Bytes(0x7FE0, 0x0010, "OW", pixels);
        WriteFile(path, EnhancedCtImageStorage, sop, data);
    }

    private static void WriteFile(string path, string sopClass, string sopInstance, ElementWriter data)
    {
        var meta = new ElementWriter();
        meta.Bytes(0x0002, 0x0001, "OB", [0, 1]);
        meta.String(0x0002, 0x0002, "UI", sopClass);
        meta.String(0x0002, 0x0003, "UI", sopInstance);
        meta.String(0x0002, 0x0010, "UI", TransferSyntax.ExplicitVRLittleEndian.Uid);
        meta.String(0x0002, 0x0012, "UI", "2.25.329800735698586629295641978511506172918");
        meta.String(0x0002, 0x0013, "SH", "MEDVOX");
        var groupLength = new ElementWriter();
        groupLength.UInt32(0x0002, 0x0000, (uint)meta.Length);

        using var file = AtomicFile.Create(path);
        file.Stream.Write(new byte[128]);
        file.Stream.Write("DICM"u8);
        groupLength.CopyTo(file.Stream);
        meta.CopyTo(file.Stream);
        data.CopyTo(file.Stream);
        file.Commit();
    }

    private static string Ds(params double[] values) =>
        string.Join('\\', values.Select(v => Math.Abs(v) < 1e-12 ? "0" : v.ToString("G10", CultureInfo.InvariantCulture) is var s && s.Length <= 16 ? s : v.ToString("G9", CultureInfo.InvariantCulture)));

    /// <summary>Explicit VR little endian elements, each padded to even length.</summary>
    private sealed class ElementWriter
    {
        private readonly MemoryStream _stream = new();

        public long Length => _stream.Length;

        public void String(ushort group, ushort element, string vr, string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            if ((bytes.Length & 1) == 1)
            {
                bytes = [.. bytes, vr == "UI" ? (byte)0 : (byte)' '];
            }

            Header(group, element, vr, bytes.Length);
            _stream.Write(bytes);
        }

        /// <summary>A binary US or UL element (the value text is unused; kept for call-site symmetry).</summary>
        public void String(ushort group, ushort element, string vr, string unused, uint value)
        {
            _ = unused;
            if (vr == "US")
            {
                UInt16(group, element, (ushort)value);
            }
            else
            {
                UInt32(group, element, value);
            }
        }

        /// <summary>A sequence of undefined length whose items (also of undefined length) hold the given elements.</summary>
        public void Sequence(ushort group, ushort element, IReadOnlyList<ElementWriter> items)
        {
            Span<byte> h = stackalloc byte[12];
            BinaryPrimitives.WriteUInt16LittleEndian(h, group);
            BinaryPrimitives.WriteUInt16LittleEndian(h[2..], element);
            h[4] = (byte)'S';
            h[5] = (byte)'Q';
            h[6] = 0;
            h[7] = 0;
            BinaryPrimitives.WriteUInt32LittleEndian(h[8..], 0xFFFFFFFF);
            _stream.Write(h);
            foreach (var item in items)
            {
                Tag(0xFFFE, 0xE000, 0xFFFFFFFF);
                item.CopyTo(_stream);
                Tag(0xFFFE, 0xE00D, 0);
            }

            Tag(0xFFFE, 0xE0DD, 0);
        }

        private void Tag(ushort group, ushort element, uint length)
        {
            Span<byte> h = stackalloc byte[8];
            BinaryPrimitives.WriteUInt16LittleEndian(h, group);
            BinaryPrimitives.WriteUInt16LittleEndian(h[2..], element);
            BinaryPrimitives.WriteUInt32LittleEndian(h[4..], length);
            _stream.Write(h);
        }

        public void UInt16(ushort group, ushort element, ushort value)
        {
            Header(group, element, "US", 2);
            Span<byte> b = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(b, value);
            _stream.Write(b);
        }

        public void UInt32(ushort group, ushort element, uint value)
        {
            Header(group, element, "UL", 4);
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(b, value);
            _stream.Write(b);
        }

        public void Bytes(ushort group, ushort element, string vr, byte[] value)
        {
            Header(group, element, vr, value.Length);
            _stream.Write(value);
            if ((value.Length & 1) == 1)
            {
                _stream.WriteByte(0);
            }
        }

        public void CopyTo(Stream target)
        {
            _stream.Position = 0;
            _stream.CopyTo(target);
        }

        private void Header(ushort group, ushort element, string vr, int length)
        {
            Span<byte> h = stackalloc byte[12];
            BinaryPrimitives.WriteUInt16LittleEndian(h, group);
            BinaryPrimitives.WriteUInt16LittleEndian(h[2..], element);
            h[4] = (byte)vr[0];
            h[5] = (byte)vr[1];
            if (DicomVRExtensions.Parse(vr).HasLongLength())
            {
                h[6] = 0;
                h[7] = 0;
                BinaryPrimitives.WriteUInt32LittleEndian(h[8..], (uint)(length + (length & 1)));
                _stream.Write(h);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(h[6..], (ushort)(length + (length & 1)));
                _stream.Write(h[..8]);
            }
        }
    }
}
