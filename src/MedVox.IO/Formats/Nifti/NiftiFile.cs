using System.Globalization;
using System.IO.Compression;
using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.IO.Formats.Nifti;

/// <summary>
/// A NIfTI image on disk, its header read and checked against the files: where the pixels are, how they are stored,
/// and the geometry they have. Every inconsistency found here is reported before any pixel buffer is allocated.
/// </summary>
internal sealed class NiftiFile
{
    private const int FileBufferSize = 1 << 20;

    private NiftiFile(string headerPath, string? dataPath, NiftiHeader header)
    {
        HeaderPath = headerPath;
        DataPath = dataPath ?? headerPath;
        IsPair = dataPath is not null;
        Header = header;
    }

    public string HeaderPath { get; }

    /// <summary>The .img of a pair, else the .nii itself.</summary>
    public string DataPath { get; }

    public bool IsPair { get; }

    public NiftiHeader Header { get; }

    public bool HeaderCompressed { get; private set; }

    public bool DataCompressed { get; private set; }

    public NiftiDataType DataType { get; private set; }

    public ImageGeometry Geometry { get; private set; } = null!;

    public NiftiPixelLayout Layout { get; private set; }

    /// <summary>The element type of the image read (the stored type, or its scaled type).</summary>
    public ElementType ElementType { get; private set; }

    /// <summary>Interleaved channels of the image read: colour components times dim[5] components.</summary>
    public int Channels { get; private set; }

    /// <summary>Byte offset of the first pixel in <see cref="DataPath"/> (uncompressed).</summary>
    public long DataOffset { get; private set; }

    /// <summary>Bytes of pixel data on disk (uncompressed).</summary>
    public long DataBytes { get; private set; }

    /// <summary>Where the affine came from (sform, qform or pixdim), for messages and header listings.</summary>
    public string AffineSource { get; private set; } = string.Empty;

    /// <summary>Reads and checks the header of <paramref name="path"/> (.nii, .nii.gz, .hdr, .img, optionally .gz).</summary>
    public static NiftiFile Open(string path)
    {
        var (headerPath, dataPath) = ResolvePair(path);
        using var stream = OpenStream(headerPath, out bool compressed);
        var header = ReadHeader(stream, headerPath);
        var file = new NiftiFile(headerPath, dataPath, header) { HeaderCompressed = compressed };
        file.Check();
        return file;
    }

    /// <summary>Opens a file for reading, decompressing it when it starts with the gzip signature (whatever its name says).</summary>
    public static Stream OpenStream(string path, out bool compressed)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileBufferSize, FileOptions.SequentialScan);
        try
        {
            Span<byte> signature = stackalloc byte[2];
            int n = file.ReadAtLeast(signature, 2, throwOnEndOfStream: false);
            file.Position = 0;
            compressed = n == 2 && signature[0] == 0x1f && signature[1] == 0x8b;
            return compressed ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: false) : file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Opens the pixel data positioned at the first pixel.</summary>
    public Stream OpenData()
    {
        var stream = OpenStream(DataPath, out _);
        try
        {
            if (stream is FileStream raw)
            {
                raw.Position = DataOffset;
            }
            else
            {
                Skip(stream, DataOffset, DataPath);
            }

            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The header fields for listings (all values as text, invariant culture).</summary>
    public Dictionary<string, string> Fields()
    {
        var h = Header;
        var fields = Metadata();
        fields["nifti.magic"] = h.Magic;
        fields["nifti.byte_order"] = h.BigEndian ? "big-endian" : "little-endian";
        fields["nifti.datatype"] = $"{h.DataType} ({DataType.Name})";
        fields["nifti.bitpix"] = Text(h.Bitpix);
        fields["nifti.dim"] = string.Join(' ', h.Dim.Select(Text));
        fields["nifti.pixdim"] = string.Join(' ', h.PixDim.Select(Text));
        fields["nifti.vox_offset"] = Text(h.VoxOffset);
        fields["nifti.scl_slope"] = Text(h.SclSlope);
        fields["nifti.scl_inter"] = Text(h.SclInter);
        fields["nifti.cal_min"] = Text(h.CalMin);
        fields["nifti.cal_max"] = Text(h.CalMax);
        fields["nifti.quatern"] = string.Join(' ', Text(h.QuaternB), Text(h.QuaternC), Text(h.QuaternD));
        fields["nifti.qoffset"] = string.Join(' ', Text(h.QoffsetX), Text(h.QoffsetY), Text(h.QoffsetZ));
        fields["nifti.srow"] = string.Join(' ', h.Srow.Select(Text));
        fields["nifti.affine_source"] = AffineSource;
        fields["nifti.compressed"] = DataCompressed ? "gzip" : "none";
        return fields;
    }

    /// <summary>The fields kept in <see cref="Image.Metadata"/> and written back by the writer.</summary>
    public Dictionary<string, string> Metadata()
    {
        var h = Header;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [NiftiFormat.VersionKey] = Text(h.Version),
            [NiftiFormat.QformCodeKey] = Text(h.QformCode),
            [NiftiFormat.SformCodeKey] = Text(h.SformCode),
            [NiftiFormat.XyztUnitsKey] = Text(h.XyztUnits),
        };
        if (h.Descrip.Length > 0)
        {
            metadata[NiftiFormat.DescripKey] = h.Descrip;
        }

        if (h.AuxFile.Length > 0)
        {
            metadata[NiftiFormat.AuxFileKey] = h.AuxFile;
        }

        if (h.IntentCode != 0 || h.IntentName.Length > 0)
        {
            metadata[NiftiFormat.IntentCodeKey] = Text(h.IntentCode);
            metadata[NiftiFormat.IntentNameKey] = h.IntentName;
            metadata[NiftiFormat.IntentP1Key] = Text(h.IntentP1);
            metadata[NiftiFormat.IntentP2Key] = Text(h.IntentP2);
            metadata[NiftiFormat.IntentP3Key] = Text(h.IntentP3);
        }

        return metadata;
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>For a pair, the header and image file; for a single file, the file and null.</summary>
    private static (string Header, string? Data) ResolvePair(string path)
    {
        string lower = Path.GetFileName(path).ToLowerInvariant();
        foreach (var (from, to) in new[] { (".hdr", ".img"), (".img", ".hdr") })
        {
            foreach (string gz in new[] { string.Empty, ".gz" })
            {
                if (!lower.EndsWith(from + gz, StringComparison.Ordinal))
                {
                    continue;
                }

                string stem = path[..^(from.Length + gz.Length)];
                // The partner normally has the same compression; accept the other one too.
                string expected = stem + to + gz;
                string? partner = FirstExisting(expected, stem + to + (gz.Length == 0 ? ".gz" : string.Empty), stem + to.ToUpperInvariant() + gz);
                if (to == ".img")
                {
                    // A missing .img is reported after the header is read, so that a header that is no NIfTI says so first.
                    return (path, partner ?? expected);
                }

                return partner is null
                    ? throw new InvalidImageFileException(
                        $"the header file {Path.GetFileName(expected)} of this NIfTI pair is missing", path, hint: "an .img needs its .hdr beside it (same name)")
                    : (partner, path);
            }
        }

        return (path, null);
    }

    private static string? FirstExisting(params string[] candidates)
    {
        foreach (string candidate in candidates)
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static NiftiHeader ReadHeader(Stream stream, string path)
    {
        Span<byte> bytes = stackalloc byte[NiftiHeader.Nifti2Size];
        int have = ReadUpTo(stream, bytes[..4], path);
        if (have < 4)
        {
            throw new InvalidImageFileException($"the file ends after {have} bytes, inside the NIfTI header", path, "sizeof_hdr", "the file is truncated or empty");
        }

        int size = NiftiHeader.DetectSize(bytes, path, out bool bigEndian);
        have += ReadUpTo(stream, bytes[4..size], path);
        if (have < size)
        {
            throw new InvalidImageFileException(
                $"the file ends after {have} bytes, inside the {size}-byte NIfTI-{(size == NiftiHeader.Nifti1Size ? 1 : 2)} header", path, "sizeof_hdr", "the file is truncated");
        }

        var header = NiftiHeader.Parse(bytes[..size], bigEndian);
        CheckMagic(header, bytes, path);
        return header;
    }

    private static void CheckMagic(NiftiHeader h, ReadOnlySpan<byte> bytes, string path)
    {
        if (h.Version == 1)
        {
            if (h.Magic is not ("n+1" or "ni1"))
            {
                // A 348-byte header without the magic is Analyze 7.5, whose orientation and scaling conventions vary by
                // writer (SPM, FSL, ...); rather than guess, ask for a conversion.
                throw new UnsupportedFormatException(
                    "this is an Analyze 7.5 header (no NIfTI magic 'n+1' or 'ni1'), which MedVox does not read",
                    path,
                    "magic",
                    "convert it to NIfTI with a tool that knows its origin, e.g. nibabel: nib.save(nib.load(p), 'out.nii.gz')");
            }

            return;
        }

        if (h.Magic is not ("n+2" or "ni2"))
        {
            throw new InvalidImageFileException($"the NIfTI-2 magic is '{h.Magic}', expected 'n+2' or 'ni2'", path, "magic", "the file is corrupt");
        }

        // As nibabel: 0D 0A 1A 0A, or all zero from older writers; anything else means end-of-line conversion damaged the file.
        var eol = bytes.Slice(8, 4);
        if (!eol.SequenceEqual((ReadOnlySpan<byte>)[13, 10, 26, 10]) && eol.IndexOfAnyExcept((byte)0) >= 0)
        {
            throw new InvalidImageFileException("the end-of-line check bytes are altered", path, "eol_check", "the file went through a text-mode transfer; get an unaltered copy");
        }
    }

    private static int ReadUpTo(Stream stream, Span<byte> destination, string path)
    {
        try
        {
            return stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidImageFileException($"compressed data is corrupt ({ex.Message})", path, hint: "the file is damaged or cut short", inner: ex);
        }
    }

    private static void Skip(Stream stream, long count, string path)
    {
        Span<byte> scratch = stackalloc byte[4096];
        long consumed = 0;
        while (consumed < count)
        {
            int chunk = (int)Math.Min(scratch.Length, count - consumed);
            int read = ReadUpTo(stream, scratch[..chunk], path);
            consumed += read;
            if (read < chunk)
            {
                throw new InvalidImageFileException($"the data ends after {consumed} bytes, before the pixels start at vox_offset {count}", path, "vox_offset", "the file is truncated");
            }
        }
    }

    private void Check()
    {
        var h = Header;
        string path = HeaderPath;

        // Shape. NIfTI dims are x, y, z, t, then components (dim[5]); dim[6], dim[7] are not images MedVox holds.
        long rank = h.Dim[0];
        if (rank is < 1 or > 7)
        {
            throw new InvalidImageFileException($"dim[0] (the number of dimensions) is {rank}, must be 1 to 7", path, "dim", "the header is corrupt");
        }

        Span<long> extents = stackalloc long[7];
        for (int i = 1; i <= 7; i++)
        {
            long d = i <= rank ? h.Dim[i] : 1;
            if (d < 1)
            {
                throw new InvalidImageFileException($"dim[{i}] is {d}, must be positive", path, $"dim[{i}]", "the header is corrupt");
            }

            extents[i - 1] = d;
        }

        if (rank == 1)
        {
            throw new UnsupportedFormatException("1-D data (dim[0] = 1) is not an image", path, "dim", "reshape it to 2-D (dim[0] = 2) if it is one");
        }

        if (extents[5] > 1 || extents[6] > 1)
        {
            throw new UnsupportedFormatException(
                $"{rank}-D data (dim[6] = {extents[5]}, dim[7] = {extents[6]}) is not supported", path, "dim", "MedVox reads up to x, y, z, t and vector components (dim[5])");
        }

        for (int i = 0; i < 5; i++)
        {
            if (extents[i] > int.MaxValue)
            {
                throw new UnsupportedFormatException($"dim[{i + 1}] = {extents[i]} exceeds {int.MaxValue}", path, $"dim[{i + 1}]");
            }
        }

        DataType = NiftiDataType.FromCode(h.DataType, path);
        if (h.Bitpix != DataType.BitsPerVoxel)
        {
            throw new InvalidImageFileException(
                $"bitpix is {h.Bitpix} but datatype {h.DataType} ({DataType.Name}) has {DataType.BitsPerVoxel} bits", path, "bitpix", "the header is corrupt");
        }

        int components = (int)extents[4];
        if (components > 1 && DataType.Channels > 1)
        {
            throw new UnsupportedFormatException($"{DataType.Name} pixels with {components} vector components (dim[5]) are not supported", path, "dim[5]");
        }

        int x = (int)extents[0], y = (int)extents[1], z = (int)extents[2], t = (int)extents[3];
        int imageRank = rank switch
        {
            2 => 2,
            3 => 3,
            4 => 4,
            // Vector images (dim[5] > 1): no axis is kept for a single frame or a single slice.
            _ => t > 1 ? 4 : z > 1 ? 3 : 2,
        };
        var size = new ImageSize(x, y, z, t, imageRank);
        Channels = DataType.Channels * components;

        // Spacing. nibabel would take the absolute value of negative and 1 for zero pixdim; a negative, zero or NaN
        // voxel size is a broken header, so MedVox says so instead of guessing.
        for (int axis = 1; axis <= Math.Min(rank, 3); axis++)
        {
            double v = h.PixDim[axis];
            if (!(v > 0) || !double.IsFinite(v))
            {
                throw new InvalidImageFileException($"voxel size pixdim[{axis}] is {v}, must be positive", path, $"pixdim[{axis}]", "the header is corrupt");
            }
        }

        double timeSpacing = 1;
        if (rank >= 4)
        {
            double v = h.PixDim[4];
            if (double.IsNaN(v) || double.IsInfinity(v) || v < 0)
            {
                throw new InvalidImageFileException($"time step pixdim[4] is {v}, must be positive (or 0 for unknown)", path, "pixdim[4]", "the header is corrupt");
            }

            if (v > 0)
            {
                timeSpacing = v * NiftiGeometry.TimeUnitToSeconds(h.XyztUnits);
            }
        }

        // Where the pixels are.
        if (!double.IsFinite(h.VoxOffset) || h.VoxOffset < 0 || h.VoxOffset != Math.Floor(h.VoxOffset) || h.VoxOffset > long.MaxValue / 2)
        {
            throw new InvalidImageFileException($"vox_offset {h.VoxOffset} is not a byte offset", path, "vox_offset", "the header is corrupt");
        }

        DataOffset = (long)h.VoxOffset;
        if (!IsPair)
        {
            int minimum = h.Version == 1 ? NiftiHeader.Nifti1SingleOffset : NiftiHeader.Nifti2SingleOffset;
            if (DataOffset == 0)
            {
                // Unset in some old writers; nifti1_io then reads right after the header and extension flag.
                DataOffset = minimum;
            }
            else if (DataOffset < minimum)
            {
                throw new InvalidImageFileException($"vox_offset {DataOffset} lies inside the header (minimum {minimum})", path, "vox_offset", "the header is corrupt");
            }
        }

        DataBytes = CompressionGuard.CheckedByteCount(extents[..5], DataType.ElementType.Size() * DataType.Channels, path, "dim");
        if (DataBytes > long.MaxValue - DataOffset)
        {
            throw new InvalidImageFileException("the pixel data would end beyond any file size", path, "dim", "the header is corrupt");
        }

        CheckDataLength(path);

        // Scaling, as nibabel's get_slope_inter: a zero or non-finite slope means none; a finite slope needs a finite intercept.
        bool scaled = false;
        double slope = h.SclSlope, intercept = h.SclInter;
        if (slope != 0 && double.IsFinite(slope))
        {
            if (!double.IsFinite(intercept))
            {
                throw new InvalidImageFileException($"scl_inter is {intercept} while scl_slope is {slope}", path, "scl_inter", "the header is corrupt");
            }

            // Colour pixels are not scaled (nibabel cannot scale its structured RGB type either).
            scaled = (slope, intercept) != (1, 0) && !DataType.IsColor;
        }

        ElementType = scaled ? NiftiPixels.ScaledType(DataType.ElementType) : DataType.ElementType;
        Layout = new NiftiPixelLayout(DataType.ElementType, h.BigEndian, components, scaled, slope, intercept);

        // Geometry.
        var affine = NiftiGeometry.BestAffine(h, size, path, out string source);
        AffineSource = source;
        for (int axis = 0; axis < Math.Min(rank, 3); axis++)
        {
            if (affine[axis] == 0 && affine[4 + axis] == 0 && affine[8 + axis] == 0)
            {
                throw new InvalidImageFileException($"the voxel-to-world transform maps axis {axis} to a single point", path, source, "the header is corrupt");
            }
        }

        try
        {
            Geometry = ImageGeometry.FromAffine(size, affine, ras: true, timeSpacing);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidImageFileException($"the voxel-to-world transform is unusable ({ex.Message})", path, source, "the header is corrupt");
        }
    }

    private void CheckDataLength(string headerPath)
    {
        if (!File.Exists(DataPath))
        {
            throw new InvalidImageFileException(
                $"the pixel file {Path.GetFileName(DataPath)} of this NIfTI pair is missing", headerPath, hint: "a .hdr needs its .img beside it (same name)");
        }

        long onDisk = new FileInfo(DataPath).Length;
        DataCompressed = IsPair ? IsGzip(DataPath) : HeaderCompressed;
        long needed = DataOffset + DataBytes;
        if (DataCompressed)
        {
            CompressionGuard.CheckDeflateClaim(needed, onDisk, DataPath, "dim");
        }
        else if (onDisk < needed)
        {
            throw new InvalidImageFileException(
                $"the header's dimensions need {needed} bytes ({DataBytes} of pixels from offset {DataOffset}) but the file has {onDisk}",
                DataPath,
                "dim",
                DataPath == headerPath ? "the file is truncated or its header is wrong" : "the .img is truncated or does not belong to this .hdr");
        }
    }

    private static bool IsGzip(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        Span<byte> signature = stackalloc byte[2];
        return file.ReadAtLeast(signature, 2, throwOnEndOfStream: false) == 2 && signature[0] == 0x1f && signature[1] == 0x8b;
    }
}
