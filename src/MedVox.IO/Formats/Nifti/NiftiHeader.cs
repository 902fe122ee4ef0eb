using System.Buffers.Binary;
using System.Text;

namespace MedVox.IO.Formats.Nifti;

/// <summary>
/// The fields of a NIfTI-1 (348 bytes) or NIfTI-2 (540 bytes) header, as stored (no validation beyond the layout).
/// Field offsets follow nifti1.h and nifti2.h; both versions share this one model, NIfTI-1's narrower types widened.
/// </summary>
internal sealed class NiftiHeader
{
    public const int Nifti1Size = 348;
    public const int Nifti2Size = 540;

    /// <summary>Where the pixels start in a single-file image without extensions: header plus the 4-byte extension flag.</summary>
    public const int Nifti1SingleOffset = 352;
    public const int Nifti2SingleOffset = 544;

    private static readonly byte[] Nifti2EolCheck = [13, 10, 26, 10];

    /// <summary>1 or 2.</summary>
    public int Version { get; set; } = 1;

    public bool BigEndian { get; set; }

    /// <summary>The magic string without its terminating zero ("n+1", "ni1", "n+2", "ni2", or anything found).</summary>
    public string Magic { get; set; } = string.Empty;

    public int DataType { get; set; }

    public int Bitpix { get; set; }

    /// <summary>dim[0] (the rank) and dim[1..7].</summary>
    public long[] Dim { get; } = new long[8];

    /// <summary>pixdim[0] (qfac) and pixdim[1..7].</summary>
    public double[] PixDim { get; } = new double[8];

    public double IntentP1 { get; set; }

    public double IntentP2 { get; set; }

    public double IntentP3 { get; set; }

    public int IntentCode { get; set; }

    public string IntentName { get; set; } = string.Empty;

    /// <summary>A float in NIfTI-1, an integer in NIfTI-2.</summary>
    public double VoxOffset { get; set; }

    public double SclSlope { get; set; }

    public double SclInter { get; set; }

    public double CalMax { get; set; }

    public double CalMin { get; set; }

    public double SliceDuration { get; set; }

    public double TOffset { get; set; }

    public long SliceStart { get; set; }

    public long SliceEnd { get; set; }

    public int SliceCode { get; set; }

    public int XyztUnits { get; set; }

    public byte DimInfo { get; set; }

    public string Descrip { get; set; } = string.Empty;

    public string AuxFile { get; set; } = string.Empty;

    public int QformCode { get; set; }

    public int SformCode { get; set; }

    public double QuaternB { get; set; }

    public double QuaternC { get; set; }

    public double QuaternD { get; set; }

    public double QoffsetX { get; set; }

    public double QoffsetY { get; set; }

    public double QoffsetZ { get; set; }

    /// <summary>srow_x, srow_y, srow_z: the first three rows of the sform affine.</summary>
    public double[] Srow { get; } = new double[12];

    public int Size => Version == 2 ? Nifti2Size : Nifti1Size;

    /// <summary>
    /// The header size announced by the first 4 bytes (sizeof_hdr) and the byte order it implies, or throws when they
    /// are neither 348 nor 540 in either order: the file is not NIfTI.
    /// </summary>
    public static int DetectSize(ReadOnlySpan<byte> first4, string path, out bool bigEndian)
    {
        int little = BinaryPrimitives.ReadInt32LittleEndian(first4);
        int big = BinaryPrimitives.ReadInt32BigEndian(first4);
        bigEndian = false;
        if (little is Nifti1Size or Nifti2Size)
        {
            return little;
        }

        if (big is Nifti1Size or Nifti2Size)
        {
            bigEndian = true;
            return big;
        }

        throw new UnsupportedFormatException(
            $"not a NIfTI file (sizeof_hdr is {little}, expected 348 or 540)",
            path,
            "sizeof_hdr",
            "the file is of another format or damaged");
    }

    /// <summary>Decodes a header of <see cref="Nifti1Size"/> or <see cref="Nifti2Size"/> bytes in the given byte order.</summary>
    public static NiftiHeader Parse(ReadOnlySpan<byte> bytes, bool bigEndian)
    {
        var r = new FieldReader(bytes, bigEndian);
        var h = new NiftiHeader { BigEndian = bigEndian };
        if (bytes.Length == Nifti1Size)
        {
            h.Version = 1;
            h.DimInfo = bytes[39];
            for (int i = 0; i < 8; i++)
            {
                h.Dim[i] = r.I16(40 + (2 * i));
                h.PixDim[i] = r.F32(76 + (4 * i));
            }

            h.IntentP1 = r.F32(56);
            h.IntentP2 = r.F32(60);
            h.IntentP3 = r.F32(64);
            h.IntentCode = r.I16(68);
            h.DataType = r.I16(70);
            h.Bitpix = r.I16(72);
            h.SliceStart = r.I16(74);
            h.VoxOffset = r.F32(108);
            h.SclSlope = r.F32(112);
            h.SclInter = r.F32(116);
            h.SliceEnd = r.I16(120);
            h.SliceCode = bytes[122];
            h.XyztUnits = bytes[123];
            h.CalMax = r.F32(124);
            h.CalMin = r.F32(128);
            h.SliceDuration = r.F32(132);
            h.TOffset = r.F32(136);
            h.Descrip = FieldReader.Text(bytes.Slice(148, 80));
            h.AuxFile = FieldReader.Text(bytes.Slice(228, 24));
            h.QformCode = r.I16(252);
            h.SformCode = r.I16(254);
            h.QuaternB = r.F32(256);
            h.QuaternC = r.F32(260);
            h.QuaternD = r.F32(264);
            h.QoffsetX = r.F32(268);
            h.QoffsetY = r.F32(272);
            h.QoffsetZ = r.F32(276);
            for (int i = 0; i < 12; i++)
            {
                h.Srow[i] = r.F32(280 + (4 * i));
            }

            h.IntentName = FieldReader.Text(bytes.Slice(328, 16));
            h.Magic = FieldReader.Text(bytes.Slice(344, 4));
        }
        else
        {
            h.Version = 2;
            h.Magic = FieldReader.Text(bytes.Slice(4, 4));
            h.DataType = r.I16(12);
            h.Bitpix = r.I16(14);
            for (int i = 0; i < 8; i++)
            {
                h.Dim[i] = r.I64(16 + (8 * i));
                h.PixDim[i] = r.F64(104 + (8 * i));
            }

            h.IntentP1 = r.F64(80);
            h.IntentP2 = r.F64(88);
            h.IntentP3 = r.F64(96);
            h.VoxOffset = r.I64(168);
            h.SclSlope = r.F64(176);
            h.SclInter = r.F64(184);
            h.CalMax = r.F64(192);
            h.CalMin = r.F64(200);
            h.SliceDuration = r.F64(208);
            h.TOffset = r.F64(216);
            h.SliceStart = r.I64(224);
            h.SliceEnd = r.I64(232);
            h.Descrip = FieldReader.Text(bytes.Slice(240, 80));
            h.AuxFile = FieldReader.Text(bytes.Slice(320, 24));
            h.QformCode = r.I32(344);
            h.SformCode = r.I32(348);
            h.QuaternB = r.F64(352);
            h.QuaternC = r.F64(360);
            h.QuaternD = r.F64(368);
            h.QoffsetX = r.F64(376);
            h.QoffsetY = r.F64(384);
            h.QoffsetZ = r.F64(392);
            for (int i = 0; i < 12; i++)
            {
                h.Srow[i] = r.F64(400 + (8 * i));
            }

            h.SliceCode = r.I32(496);
            h.XyztUnits = r.I32(500);
            h.IntentCode = r.I32(504);
            h.IntentName = FieldReader.Text(bytes.Slice(508, 16));
            h.DimInfo = bytes[524];
        }

        return h;
    }

    /// <summary>
    /// Encodes the header little-endian, followed by the 4-byte extension flag (all zero: no extensions), so the
    /// result is <see cref="Size"/> + 4 bytes long.
    /// </summary>
    public byte[] Encode()
    {
        var bytes = new byte[Size + 4];
        var w = new FieldWriter(bytes);
        if (Version == 1)
        {
            w.I32(0, Nifti1Size);
            bytes[38] = (byte)'r'; // "regular", as nifti1_io and nibabel write it
            bytes[39] = DimInfo;
            for (int i = 0; i < 8; i++)
            {
                w.I16(40 + (2 * i), checked((short)Dim[i]));
                w.F32(76 + (4 * i), PixDim[i]);
            }

            w.F32(56, IntentP1);
            w.F32(60, IntentP2);
            w.F32(64, IntentP3);
            w.I16(68, checked((short)IntentCode));
            w.I16(70, checked((short)DataType));
            w.I16(72, checked((short)Bitpix));
            w.I16(74, checked((short)SliceStart));
            w.F32(108, VoxOffset);
            w.F32(112, SclSlope);
            w.F32(116, SclInter);
            w.I16(120, checked((short)SliceEnd));
            bytes[122] = checked((byte)SliceCode);
            bytes[123] = checked((byte)XyztUnits);
            w.F32(124, CalMax);
            w.F32(128, CalMin);
            w.F32(132, SliceDuration);
            w.F32(136, TOffset);
            FieldWriter.Text(bytes.AsSpan(148, 80), Descrip);
            FieldWriter.Text(bytes.AsSpan(228, 24), AuxFile);
            w.I16(252, checked((short)QformCode));
            w.I16(254, checked((short)SformCode));
            w.F32(256, QuaternB);
            w.F32(260, QuaternC);
            w.F32(264, QuaternD);
            w.F32(268, QoffsetX);
            w.F32(272, QoffsetY);
            w.F32(276, QoffsetZ);
            for (int i = 0; i < 12; i++)
            {
                w.F32(280 + (4 * i), Srow[i]);
            }

            FieldWriter.Text(bytes.AsSpan(328, 16), IntentName);
            FieldWriter.Text(bytes.AsSpan(344, 4), Magic);
        }
        else
        {
            w.I32(0, Nifti2Size);
            FieldWriter.Text(bytes.AsSpan(4, 4), Magic);
            Nifti2EolCheck.CopyTo(bytes, 8);
            w.I16(12, checked((short)DataType));
            w.I16(14, checked((short)Bitpix));
            for (int i = 0; i < 8; i++)
            {
                w.I64(16 + (8 * i), Dim[i]);
                w.F64(104 + (8 * i), PixDim[i]);
            }

            w.F64(80, IntentP1);
            w.F64(88, IntentP2);
            w.F64(96, IntentP3);
            w.I64(168, (long)VoxOffset);
            w.F64(176, SclSlope);
            w.F64(184, SclInter);
            w.F64(192, CalMax);
            w.F64(200, CalMin);
            w.F64(208, SliceDuration);
            w.F64(216, TOffset);
            w.I64(224, SliceStart);
            w.I64(232, SliceEnd);
            FieldWriter.Text(bytes.AsSpan(240, 80), Descrip);
            FieldWriter.Text(bytes.AsSpan(320, 24), AuxFile);
            w.I32(344, QformCode);
            w.I32(348, SformCode);
            w.F64(352, QuaternB);
            w.F64(360, QuaternC);
            w.F64(368, QuaternD);
            w.F64(376, QoffsetX);
            w.F64(384, QoffsetY);
            w.F64(392, QoffsetZ);
            for (int i = 0; i < 12; i++)
            {
                w.F64(400 + (8 * i), Srow[i]);
            }

            w.I32(496, SliceCode);
            w.I32(500, XyztUnits);
            w.I32(504, IntentCode);
            FieldWriter.Text(bytes.AsSpan(508, 16), IntentName);
            bytes[524] = DimInfo;
        }

        return bytes;
    }

    private readonly ref struct FieldReader(ReadOnlySpan<byte> bytes, bool bigEndian)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;

        public short I16(int offset) => bigEndian
            ? BinaryPrimitives.ReadInt16BigEndian(_bytes[offset..])
            : BinaryPrimitives.ReadInt16LittleEndian(_bytes[offset..]);

        public int I32(int offset) => bigEndian
            ? BinaryPrimitives.ReadInt32BigEndian(_bytes[offset..])
            : BinaryPrimitives.ReadInt32LittleEndian(_bytes[offset..]);

        public long I64(int offset) => bigEndian
            ? BinaryPrimitives.ReadInt64BigEndian(_bytes[offset..])
            : BinaryPrimitives.ReadInt64LittleEndian(_bytes[offset..]);

        public double F32(int offset) => bigEndian
            ? BinaryPrimitives.ReadSingleBigEndian(_bytes[offset..])
            : BinaryPrimitives.ReadSingleLittleEndian(_bytes[offset..]);

        public double F64(int offset) => bigEndian
            ? BinaryPrimitives.ReadDoubleBigEndian(_bytes[offset..])
            : BinaryPrimitives.ReadDoubleLittleEndian(_bytes[offset..]);

        /// <summary>A zero-terminated text field; bytes that are not UTF-8 become replacement characters.</summary>
        public static string Text(ReadOnlySpan<byte> field)
        {
            int end = field.IndexOf((byte)0);
            return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
        }
    }

    private readonly ref struct FieldWriter(Span<byte> bytes)
    {
        private readonly Span<byte> _bytes = bytes;

        public void I16(int offset, short value) => BinaryPrimitives.WriteInt16LittleEndian(_bytes[offset..], value);

        public void I32(int offset, int value) => BinaryPrimitives.WriteInt32LittleEndian(_bytes[offset..], value);

        public void I64(int offset, long value) => BinaryPrimitives.WriteInt64LittleEndian(_bytes[offset..], value);

        public void F32(int offset, double value) => BinaryPrimitives.WriteSingleLittleEndian(_bytes[offset..], (float)value);

        public void F64(int offset, double value) => BinaryPrimitives.WriteDoubleLittleEndian(_bytes[offset..], value);

        /// <summary>Writes UTF-8 text, cut at a character boundary so that it fits with room for nothing else (no terminator needed when full).</summary>
        public static void Text(Span<byte> field, string text)
        {
            field.Clear();
            var encoder = Encoding.UTF8.GetEncoder();
            encoder.Convert(text, field, flush: true, out _, out _, out _);
        }
    }
}
