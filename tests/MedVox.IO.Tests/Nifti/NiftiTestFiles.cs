using System.Buffers.Binary;
using System.IO.Compression;

namespace MedVox.IO.Tests.Nifti;

/// <summary>
/// Hand-built NIfTI files for tests, laid out from nifti1.h / nifti2.h field offsets independently of MedVox's own
/// header code, so that bad headers can be made field by field.
/// </summary>
internal sealed class NiftiTestFiles
{
    private readonly byte[] _header;

    private NiftiTestFiles(int version, bool bigEndian)
    {
        Version = version;
        BigEndian = bigEndian;
        _header = new byte[version == 1 ? 352 : 544];
    }

    public int Version { get; }

    public bool BigEndian { get; }

    /// <summary>A valid little-endian (unless <paramref name="bigEndian"/>) single-file header: int16, 4x3x2, pixdim 1, no transform codes.</summary>
    public static NiftiTestFiles Nifti1(bool bigEndian = false)
    {
        var f = new NiftiTestFiles(1, bigEndian);
        f.I32(0, 348);
        f.Text(344, "n+1");
        f.SetDims(4, 3, 2);
        f.SetDataType(4, 16);
        for (int i = 0; i < 8; i++)
        {
            f.SetPixDim(i, 1);
        }

        f.F32(108, 352); // vox_offset
        return f;
    }

    public static NiftiTestFiles Nifti2()
    {
        var f = new NiftiTestFiles(2, false);
        f.I32(0, 540);
        f.Text(4, "n+2");
        f._header[8] = 13;
        f._header[9] = 10;
        f._header[10] = 26;
        f._header[11] = 10;
        f.SetDims(4, 3, 2);
        f.SetDataType(4, 16);
        for (int i = 0; i < 8; i++)
        {
            f.SetPixDim(i, 1);
        }

        f.I64(168, 544);
        return f;
    }

    public void SetDims(params long[] dims)
    {
        for (int i = 0; i < 8; i++)
        {
            long value = i == 0 ? dims.Length : i <= dims.Length ? dims[i - 1] : 1;
            if (Version == 1)
            {
                I16(40 + (2 * i), (short)value);
            }
            else
            {
                I64(16 + (8 * i), value);
            }
        }
    }

    /// <summary>Sets dim[index] alone (dim[0] is the rank).</summary>
    public void SetDim(int index, long value)
    {
        if (Version == 1)
        {
            I16(40 + (2 * index), (short)value);
        }
        else
        {
            I64(16 + (8 * index), value);
        }
    }

    public void SetDataType(short code, short bitpix)
    {
        I16(Version == 1 ? 70 : 12, code);
        I16(Version == 1 ? 72 : 14, bitpix);
    }

    public void SetPixDim(int index, double value)
    {
        if (Version == 1)
        {
            F32(76 + (4 * index), value);
        }
        else
        {
            F64(104 + (8 * index), value);
        }
    }

    public void SetVoxOffset(double value)
    {
        if (Version == 1)
        {
            F32(108, value);
        }
        else
        {
            I64(168, (long)value);
        }
    }

    public void SetScaling(double slope, double intercept)
    {
        if (Version == 1)
        {
            F32(112, slope);
            F32(116, intercept);
        }
        else
        {
            F64(176, slope);
            F64(184, intercept);
        }
    }

    /// <summary>NIfTI-1 only: qform_code, sform_code, quaternion b, c, d and offsets, srow_x/y/z.</summary>
    public void SetTransform(short qformCode, short sformCode, double[] quaternion, double[] srow)
    {
        I16(252, qformCode);
        I16(254, sformCode);
        for (int i = 0; i < 6; i++)
        {
            F32(256 + (4 * i), i < quaternion.Length ? quaternion[i] : 0);
        }

        for (int i = 0; i < 12; i++)
        {
            F32(280 + (4 * i), srow[i]);
        }
    }

    public void SetMagic(string magic) => Text(Version == 1 ? 344 : 4, magic);

    public void SetXyztUnits(byte units) => _header[123] = units;

    /// <summary>The header with <paramref name="pixels"/> appended; gzipped when <paramref name="gzip"/>.</summary>
    public byte[] Build(ReadOnlySpan<byte> pixels, bool gzip = false)
    {
        byte[] raw = [.. _header, .. pixels];
        if (!gzip)
        {
            return raw;
        }

        using var output = new MemoryStream();
        using (var z = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            z.Write(raw);
        }

        return output.ToArray();
    }

    /// <summary>The header alone (for .hdr files).</summary>
    public byte[] HeaderBytes() => [.. _header];

    private void I16(int offset, short v)
    {
        if (BigEndian)
        {
            BinaryPrimitives.WriteInt16BigEndian(_header.AsSpan(offset), v);
        }
        else
        {
            BinaryPrimitives.WriteInt16LittleEndian(_header.AsSpan(offset), v);
        }
    }

    private void I32(int offset, int v)
    {
        if (BigEndian)
        {
            BinaryPrimitives.WriteInt32BigEndian(_header.AsSpan(offset), v);
        }
        else
        {
            BinaryPrimitives.WriteInt32LittleEndian(_header.AsSpan(offset), v);
        }
    }

    private void I64(int offset, long v) => BinaryPrimitives.WriteInt64LittleEndian(_header.AsSpan(offset), v);

    private void F32(int offset, double v)
    {
        if (BigEndian)
        {
            BinaryPrimitives.WriteSingleBigEndian(_header.AsSpan(offset), (float)v);
        }
        else
        {
            BinaryPrimitives.WriteSingleLittleEndian(_header.AsSpan(offset), (float)v);
        }
    }

    private void F64(int offset, double v) => BinaryPrimitives.WriteDoubleLittleEndian(_header.AsSpan(offset), v);

    private void Text(int offset, string text)
    {
        _header.AsSpan(offset, 4).Clear();
        System.Text.Encoding.ASCII.GetBytes(text).CopyTo(_header, offset);
    }
}
