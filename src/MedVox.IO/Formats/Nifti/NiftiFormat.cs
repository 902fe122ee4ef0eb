using System.Globalization;
using System.IO.Compression;
using MedVox.Imaging;
using MedVox.Memory;

namespace MedVox.IO.Formats.Nifti;

/// <summary>
/// NIfTI-1 and NIfTI-2: single files (.nii, .nii.gz) and header/image pairs (.hdr + .img, optionally gzipped), either
/// byte order. Geometry is read as nibabel 5.0 reads it (see <see cref="NiftiGeometry"/>) and converted from RAS to
/// LPS; scl_slope/scl_inter are applied (uint8..int16 and float32 become float32, wider types float64); dim[5] vector
/// components become interleaved channels and RGB24/RGBA32 colour channels. Analyze 7.5 headers (no NIfTI magic) are
/// rejected with a hint to convert them.
/// <para>
/// Writing produces NIfTI-1 (NIfTI-2 when a dimension exceeds 32767 or <c>Metadata["nifti.version"]</c> is "2"),
/// little-endian, unscaled, with both qform and sform set (codes from the metadata, default 1 = scanner), units mm and
/// seconds, compressed with <see cref="ImageWriteOptions.Compression"/> when the name ends in ".gz".
/// </para>
/// </summary>
public sealed class NiftiFormat : IImageFormat
{
    public const string VersionKey = "nifti.version";
    public const string QformCodeKey = "nifti.qform_code";
    public const string SformCodeKey = "nifti.sform_code";
    public const string XyztUnitsKey = "nifti.xyzt_units";
    public const string DescripKey = "nifti.descrip";
    public const string AuxFileKey = "nifti.aux_file";
    public const string IntentCodeKey = "nifti.intent_code";
    public const string IntentNameKey = "nifti.intent_name";
    public const string IntentP1Key = "nifti.intent_p1";
    public const string IntentP2Key = "nifti.intent_p2";
    public const string IntentP3Key = "nifti.intent_p3";

    /// <summary>NIFTI_INTENT_VECTOR, written for images whose channels are stored as dim[5] components.</summary>
    private const int IntentVector = 1007;

    /// <summary>NIfTI-1 stores dimensions as int16.</summary>
    private const int Nifti1MaxDimension = short.MaxValue;

    public string Name => "NIfTI";

    public IReadOnlyList<string> Extensions { get; } = [".nii", ".nii.gz", ".hdr", ".hdr.gz", ".img", ".img.gz"];

    public ImageHeader ReadHeader(string path)
    {
        var file = NiftiFile.Open(path);
        return new ImageHeader(path, Name, file.Geometry, file.DataType.ElementType, file.ElementType, file.Channels, file.DataType.IsColor, file.Fields());
    }

    public Image Read(string path, ImageReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var file = NiftiFile.Open(path);
        var layout = file.Layout;
        Image image;
        bool native = layout.BigEndian != BitConverter.IsLittleEndian || layout.StoredType.Size() == 1;
        if (options.MapInPlace && !file.DataCompressed && !layout.Scaled && layout.Components == 1 && native)
        {
            var buffer = MappedPixelBuffer.OpenFile(file.DataPath, file.DataOffset, file.DataBytes);
            try
            {
                image = Image.Wrap(file.Geometry, file.ElementType, file.Channels, buffer);
            }
            catch
            {
                buffer.Release();
                throw;
            }
        }
        else
        {
            image = Image.Create(file.Geometry, file.ElementType, file.Channels, options.Allocation);
            try
            {
                using var stream = file.OpenData();
                NiftiPixels.Read(stream, image, layout, file.DataPath, options.Progress);
                if (file.DataCompressed)
                {
                    CheckGzipEnd(stream, file.DataPath);
                }
            }
            catch
            {
                image.Dispose();
                throw;
            }
        }

        image.IsColor = file.DataType.IsColor;
        foreach (var (key, value) in file.Metadata())
        {
            image.Metadata[key] = value;
        }

        return image;
    }

    public void Write(Image image, string path, ImageWriteOptions options)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        var (headerPath, dataPath, compress) = WriteTargets(path);
        var type = NiftiDataType.ForImage(image.ElementType, image.Channels, image.IsColor);
        bool planar = type.Channels != image.Channels;
        var header = BuildHeader(image, type, planar, single: dataPath is null);
        byte[] headerBytes = header.Encode();

        if (dataPath is null)
        {
            using var file = AtomicFile.Create(headerPath);
            WriteStream(file.Stream, compress, options.Compression, stream =>
            {
                stream.Write(headerBytes);
                NiftiPixels.Write(stream, image, planar, options.Progress);
            });
            file.Commit();
            return;
        }

        using var headerFile = AtomicFile.Create(headerPath);
        using var dataFile = AtomicFile.Create(dataPath);
        WriteStream(headerFile.Stream, compress, options.Compression, stream => stream.Write(headerBytes));
        WriteStream(dataFile.Stream, compress, options.Compression, stream => NiftiPixels.Write(stream, image, planar, options.Progress));
        dataFile.Commit();
        headerFile.Commit();
    }

    /// <summary>The gzip trailer (CRC and length) is only checked once the end is reached: read on to it.</summary>
    private static void CheckGzipEnd(Stream stream, string path)
    {
        Span<byte> probe = stackalloc byte[1];
        try
        {
            _ = stream.Read(probe);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidImageFileException($"compressed data is corrupt ({ex.Message})", path, hint: "the file is damaged", inner: ex);
        }
    }

    private static void WriteStream(FileStream target, bool compress, CompressionLevel level, Action<Stream> write)
    {
        if (!compress)
        {
            write(target);
            return;
        }

        using var gzip = new GZipStream(target, level, leaveOpen: true);
        write(gzip);
    }

    /// <summary>The header file, the pixel file (null for a single file) and whether they are gzipped.</summary>
    private static (string Header, string? Data, bool Compress) WriteTargets(string path)
    {
        string lower = Path.GetFileName(path).ToLowerInvariant();
        bool compress = lower.EndsWith(".gz", StringComparison.Ordinal);
        string gz = compress ? path[^3..] : string.Empty;
        string withoutGz = compress ? path[..^3] : path;
        string lowerWithoutGz = compress ? lower[..^3] : lower;
        if (lowerWithoutGz.EndsWith(".hdr", StringComparison.Ordinal) || lowerWithoutGz.EndsWith(".img", StringComparison.Ordinal))
        {
            string stem = withoutGz[..^4];
            return (stem + ".hdr" + gz, stem + ".img" + gz, compress);
        }

        return (path, null, compress);
    }

    private static NiftiHeader BuildHeader(Image image, NiftiDataType type, bool planar, bool single)
    {
        var meta = image.Metadata;
        var size = image.Size;
        int components = planar ? image.Channels : 1;
        int version = meta.TryGetValue(VersionKey, out string? requested)
            ? requested.Trim() switch
            {
                "1" => 1,
                "2" => 2,
                _ => throw new ArgumentException($"Metadata[\"{VersionKey}\"] is \"{requested}\"; NIfTI versions are \"1\" and \"2\".", nameof(image)),
            }
            : 1;
        if (Math.Max(Math.Max(size.X, size.Y), Math.Max(Math.Max(size.Z, size.T), components)) > Nifti1MaxDimension)
        {
            version = 2;
        }

        var h = new NiftiHeader
        {
            Version = version,
            Magic = (single, version) switch
            {
                (true, 1) => "n+1",
                (false, 1) => "ni1",
                (true, _) => "n+2",
                _ => "ni2",
            },
            DataType = type.Code,
            Bitpix = type.BitsPerVoxel,
            VoxOffset = single ? (version == 1 ? NiftiHeader.Nifti1SingleOffset : NiftiHeader.Nifti2SingleOffset) : 0,
            SclSlope = 1,
            SclInter = 0,
        };

        int rank = planar ? 5 : size.Rank;
        h.Dim[0] = rank;
        long[] extents = [size.X, size.Y, size.Z, size.T, components, 1, 1];
        for (int i = 1; i <= 7; i++)
        {
            h.Dim[i] = i <= rank ? extents[i - 1] : 1;
        }

        int keptUnits = ParseInt(meta, XyztUnitsKey) ?? 0;
        bool nonTime = NiftiGeometry.IsNonTimeUnit(keptUnits);
        h.XyztUnits = 2 | (nonTime ? keptUnits & 0x38 : 8); // mm, and seconds unless the fourth axis is not time
        var spacing = image.Geometry.Spacing;
        h.PixDim[1] = spacing.X;
        h.PixDim[2] = spacing.Y;
        h.PixDim[3] = spacing.Z; // also for 2-D images: the qform's third column uses it
        for (int i = 4; i <= 7; i++)
        {
            h.PixDim[i] = 1;
        }

        if (size.Rank == 4 || size.T > 1)
        {
            h.PixDim[4] = image.Geometry.TimeSpacing;
        }

        int qformCode = ValidCode(ParseInt(meta, QformCodeKey));
        int sformCode = ValidCode(ParseInt(meta, SformCodeKey));
        h.QformCode = NiftiGeometry.SetQform(h, image.Geometry) ? qformCode : 0;
        h.SformCode = sformCode;
        var ras = image.Geometry.ToRasAffine();
        ras.AsSpan(0, 12).CopyTo(h.Srow);

        h.Descrip = meta.GetValueOrDefault(DescripKey) ?? string.Empty;
        h.AuxFile = meta.GetValueOrDefault(AuxFileKey) ?? string.Empty;
        h.IntentName = meta.GetValueOrDefault(IntentNameKey) ?? string.Empty;
        int? intent = ParseInt(meta, IntentCodeKey);
        h.IntentCode = intent is { } code && (version == 2 || code is >= short.MinValue and <= short.MaxValue) ? code : planar ? IntentVector : 0;
        h.IntentP1 = ParseDouble(meta, IntentP1Key);
        h.IntentP2 = ParseDouble(meta, IntentP2Key);
        h.IntentP3 = ParseDouble(meta, IntentP3Key);
        return h;
    }

    /// <summary>A kept xform code when it names a space (1..5), else 1 (scanner): the geometry is always stored.</summary>
    private static int ValidCode(int? code) => code is >= 1 and <= 5 ? code.Value : 1;

    private static int? ParseInt(Dictionary<string, string> meta, string key) =>
        meta.TryGetValue(key, out string? text) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : null;

    private static double ParseDouble(Dictionary<string, string> meta, string key) =>
        meta.TryGetValue(key, out string? text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : 0;
}
