using System.Buffers.Binary;
using System.IO.Compression;
using MedVox.IO;

namespace MedVox.Dicom;

/// <summary>Where the top-level pixel data element of a file lies; read lazily by the pixel decoders.</summary>
/// <param name="Tag">(7FE0,0010), or float/double float pixel data.</param>
/// <param name="VR">OB or OW (OF/OD for float pixel data).</param>
/// <param name="Offset">Position of the value in the file (or in the inflated data of a deflated file).</param>
/// <param name="Length">Value length, or null for encapsulated (undefined-length) pixel data.</param>
public sealed record DicomPixelDataLocation(DicomTag Tag, DicomVR VR, long Offset, long? Length)
{
    public bool IsEncapsulated => Length is null;
}

/// <summary>
/// A DICOM file (PS3.10) opened header-first: file meta information, the data set up to the pixel data, and where
/// the pixel data lies. Pixels are not read until a decoder asks, so scanning the headers of a folder of thousands of
/// files reads a few kilobytes per file. Files without preamble or meta information are accepted, their transfer
/// syntax inferred from the first element.
/// </summary>
public sealed class DicomFile
{
    private const int FirstRead = 16 << 10;
    private readonly byte[]? _inflated;
    private readonly List<string> _warnings;

    private DicomFile(string path, long fileLength, DicomDataset meta, DicomDataset dataset, TransferSyntax syntax, DicomPixelDataLocation? pixelData, byte[]? inflated, List<string> warnings)
    {
        Path = path;
        FileLength = fileLength;
        Meta = meta;
        Dataset = dataset;
        TransferSyntax = syntax;
        PixelData = pixelData;
        _inflated = inflated;
        _warnings = warnings;
    }

    public string Path { get; }

    public long FileLength { get; }

    /// <summary>The file meta information group (0002); empty for files without it.</summary>
    public DicomDataset Meta { get; }

    /// <summary>The data set, up to (not including) the top-level pixel data.</summary>
    public DicomDataset Dataset { get; }

    public TransferSyntax TransferSyntax { get; }

    /// <summary>The top-level pixel data, or null when the file has none (reports, plans, DICOMDIR).</summary>
    public DicomPixelDataLocation? PixelData { get; }

    /// <summary>Oddities found while reading (inferred transfer syntax, character set fallbacks...).</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>
    /// Opens <paramref name="path"/> and parses its header. Throws <see cref="InvalidImageFileException"/> (naming the
    /// file) for anything that is not a well-formed DICOM file, never an IndexOutOfRange or a huge allocation.
    /// </summary>
    public static DicomFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.None);
            return Read(stream, path);
        }
        catch (DicomFormatException ex)
        {
            throw new InvalidImageFileException(ex.Message, path, ex.Tag?.ToString(), "the file is truncated or corrupt", ex);
        }
        catch (FileNotFoundException ex)
        {
            throw new MedVoxException("no such file", path, inner: ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new MedVoxException("cannot be read (permission denied)", path, inner: ex);
        }
    }

    /// <summary>True when the file starts like a DICOM file (DICM prefix, or a plausible first element); reads at most 140 bytes.</summary>
    public static bool LooksLikeDicom(string path)
    {
        Span<byte> head = stackalloc byte[140];
        int n;
        try
        {
            using var handle = File.OpenHandle(path);
            n = RandomAccess.Read(handle, head, 0);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }

        head = head[..n];
        if (n >= 132 && head.Slice(128, 4).SequenceEqual("DICM"u8))
        {
            return true;
        }

        return DetectEncoding(head, out _);
    }

    /// <summary>The bytes of the pixel data element value, read now (native pixel data; for encapsulated data the fragments region).</summary>
    internal byte[] ReadPixelBytes(long offset, int count)
    {
        var result = new byte[count];
        ReadPixelBytes(offset, result);
        return result;
    }

    /// <summary>Reads <paramref name="destination"/>.Length bytes of pixel data from <paramref name="offset"/> (a position as in <see cref="DicomPixelDataLocation.Offset"/>).</summary>
    internal void ReadPixelBytes(long offset, Span<byte> destination)
    {
        long available = (_inflated?.LongLength ?? FileLength) - offset;
        if (offset < 0 || available < destination.Length)
        {
            throw new InvalidImageFileException(
                $"pixel data needs {destination.Length} bytes from byte {offset} but the file ends after {Math.Max(available, 0)}",
                Path, "PixelData", "the file is truncated");
        }

        if (_inflated is not null)
        {
            _inflated.AsSpan((int)offset, destination.Length).CopyTo(destination);
            return;
        }

        using var handle = File.OpenHandle(Path);
        int done = 0;
        while (done < destination.Length)
        {
            int read = RandomAccess.Read(handle, destination[done..], offset + done);
            if (read == 0)
            {
                throw new InvalidImageFileException($"pixel data ends after {done} of {destination.Length} bytes", Path, "PixelData", "the file is truncated");
            }

            done += read;
        }
    }

    /// <summary>Bytes from <paramref name="offset"/> to the end of the data (for encapsulated pixel data).</summary>
    internal byte[] ReadToEnd(long offset)
    {
        long total = (_inflated?.LongLength ?? FileLength) - offset;
        if (total < 0)
        {
            throw new InvalidImageFileException("pixel data starts past the end of the file", Path, "PixelData", "the file is truncated");
        }

        if (total > Array.MaxLength)
        {
            throw new UnsupportedFormatException($"encapsulated pixel data of {total} bytes is larger than MedVox reads in one piece", Path, "PixelData", "split the file into single frames (dcmconv/gdcmconv)");
        }

        return ReadPixelBytes(offset, (int)total);
    }

    internal void AddWarning(string warning)
    {
        lock (_warnings)
        {
            if (!_warnings.Contains(warning))
            {
                _warnings.Add(warning);
            }
        }
    }

    private static DicomFile Read(FileStream stream, string path)
    {
        long length = stream.Length;
        if (length == 0)
        {
            throw new InvalidImageFileException("the file is empty, not a DICOM file", path);
        }

        int size = (int)Math.Min(length, FirstRead);
        while (true)
        {
            var buffer = new byte[size];
            stream.Position = 0;
            PixelStreams.Fill(stream, buffer, path);
            bool more = size < length;
            var file = TryParse(buffer, path, length, more);
            if (file is not null)
            {
                return file;
            }

            // The header is larger than what was read: read 4 times more (rare; large private headers).
            size = (int)Math.Min(length, Math.Min((long)size * 4, Array.MaxLength));
        }
    }

    private static DicomFile? TryParse(byte[] buffer, string path, long fileLength, bool more)
    {
        var warnings = new List<string>();
        var span = buffer.AsSpan();
        if (span.Length >= 2 && span[0] == 0x1F && span[1] == 0x8B)
        {
            throw new InvalidImageFileException("the file is gzip-compressed, not a DICOM file", path, hint: "decompress it first (gunzip)");
        }

        int position = 0;
        bool hasPrefix = false;
        if (span.Length >= 132 && span.Slice(128, 4).SequenceEqual("DICM"u8))
        {
            position = 132;
            hasPrefix = true;
        }
        else if (span.Length >= 4 && span[..4].SequenceEqual("DICM"u8))
        {
            position = 4;
            hasPrefix = true;
            warnings.Add("the file has a DICM prefix but no 128-byte preamble");
        }

        // File meta information: group 0002, explicit VR little endian (PS3.10 7.1).
        var meta = DicomDataset.Empty(path);
        if (span.Length - position >= 8 && BinaryPrimitives.ReadUInt16LittleEndian(span[position..]) == 0x0002)
        {
            var metaEncoding = DetectEncoding(span[position..], out var detected) ? detected : DicomEncoding.ExplicitLittle;
            if (metaEncoding != DicomEncoding.ExplicitLittle)
            {
                warnings.Add("the file meta information is not in explicit VR little endian");
            }

            var metaBuilder = new DicomDatasetBuilder(buffer, metaEncoding, path);
            var metaParser = new DicomStreamParser(span, 0, more, metaBuilder);
            if (metaParser.ParseGroup(position, 0x0002, metaEncoding) == DicomParseStatus.NeedMoreData)
            {
                return null;
            }

            position = metaParser.Position;
            meta = metaBuilder.Root;
        }
        else if (!hasPrefix && !DetectEncoding(span, out _))
        {
            throw new InvalidImageFileException("not a DICOM file (no DICM prefix and no recognisable data set)", path);
        }

        // Transfer syntax: from the meta group, else inferred from the first element of the data set.
        string? uid = meta.GetString(DicomTag.TransferSyntaxUID)?.TrimEnd('\0', ' ');
        var rest = span[position..];
        TransferSyntax syntax;
        if (string.IsNullOrEmpty(uid))
        {
            if (rest.Length == 0)
            {
                return new DicomFile(path, fileLength, meta, new DicomDataset(buffer, DicomEncoding.ExplicitLittle, null, path), TransferSyntax.ExplicitVRLittleEndian, null, null, warnings);
            }

            if (!DetectEncoding(rest, out var inferred))
            {
                throw new InvalidImageFileException("no transfer syntax and the data set does not start with a recognisable element", path, "TransferSyntaxUID");
            }

            syntax = inferred.BigEndian ? TransferSyntax.ExplicitVRBigEndian
                : inferred.ExplicitVR ? TransferSyntax.ExplicitVRLittleEndian : TransferSyntax.ImplicitVRLittleEndian;
            warnings.Add($"no transfer syntax in the file; {syntax.Name} inferred from the data");
        }
        else
        {
            syntax = TransferSyntax.FromUid(uid);
        }

        if (syntax.Deflated)
        {
            return ReadDeflated(position, path, fileLength, meta, syntax, warnings);
        }

        var encoding = DicomEncoding.Of(syntax);
        if (rest.Length >= 8 && DetectEncoding(rest, out var actual) && actual != encoding)
        {
            // Writers that declare one encoding and use another exist; follow the data, as DCMTK and pydicom do.
            warnings.Add($"the data set is encoded as {Describe(actual)} although the transfer syntax says {Describe(encoding)}");
            encoding = actual;
        }

        var builder = new DicomDatasetBuilder(buffer, encoding, path);
        var parser = new DicomStreamParser(span, 0, more, builder);
        var status = parser.Parse(position, encoding);
        if (status == DicomParseStatus.NeedMoreData)
        {
            return null;
        }

        var pixel = builder.PixelData is { } p ? new DicomPixelDataLocation(p.Tag, p.VR, p.Offset, p.Length) : null;
        return new DicomFile(path, fileLength, meta, builder.Root, syntax, pixel, null, warnings);
    }

    private static DicomFile ReadDeflated(int position, string path, long fileLength, DicomDataset meta, TransferSyntax syntax, List<string> warnings)
    {
        // The data set after the meta group is one raw deflate stream (PS3.5 A.5); inflate it whole, bounded by the
        // largest expansion deflate allows so that a forged stream cannot exhaust memory.
        byte[] inflated;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            long metaEnd = position;
            file.Position = metaEnd;
            long compressed = fileLength - metaEnd;
            long limit = Math.Min(Array.MaxLength, (compressed + 64) * CompressionGuard.MaxDeflateRatio);
            using var deflate = new DeflateStream(file, CompressionMode.Decompress);
            using var output = new MemoryStream();
            var chunk = new byte[1 << 16];
            try
            {
                int read;
                while ((read = deflate.Read(chunk)) > 0)
                {
                    if (output.Length + read > limit)
                    {
                        throw new InvalidImageFileException("the deflated data set expands beyond what its size allows", path, hint: "the file is corrupt");
                    }

                    output.Write(chunk, 0, read);
                }
            }
            catch (InvalidDataException ex)
            {
                throw new InvalidImageFileException($"the deflated data set is corrupt ({ex.Message})", path, hint: "the file is damaged or cut short", inner: ex);
            }

            inflated = output.ToArray();
        }

        var encoding = DicomEncoding.Of(syntax);
        var builder = new DicomDatasetBuilder(inflated, encoding, path);
        var parser = new DicomStreamParser(inflated, 0, false, builder);
        parser.Parse(0, encoding);
        var pixel = builder.PixelData is { } p ? new DicomPixelDataLocation(p.Tag, p.VR, p.Offset, p.Length) : null;
        return new DicomFile(path, fileLength, meta, builder.Root, syntax, pixel, inflated, warnings);
    }

    private static string Describe(DicomEncoding encoding) =>
        $"{(encoding.ExplicitVR ? "explicit" : "implicit")} VR {(encoding.BigEndian ? "big" : "little")} endian";

    /// <summary>
    /// Guesses the encoding from the first element: the byte order whose group number is smaller, explicit VR when
    /// bytes 4-5 are a VR. Plausible means an even group from 0x0002 to 0x0010 (data sets start with groups 0002 or 0008) and a
    /// length that is sane.
    /// </summary>
    internal static bool DetectEncoding(ReadOnlySpan<byte> data, out DicomEncoding encoding)
    {
        encoding = DicomEncoding.ExplicitLittle;
        if (data.Length < 8)
        {
            return false;
        }

        ushort little = BinaryPrimitives.ReadUInt16LittleEndian(data);
        ushort big = BinaryPrimitives.ReadUInt16BigEndian(data);
        bool bigEndian = big < little;
        ushort group = bigEndian ? big : little;
        if (group is < 0x0002 or > 0x0010 || (group & 1) != 0)
        {
            return false;
        }

        bool explicitVR = DicomVRExtensions.TryParse(data[4], data[5], out _);
        if (!explicitVR)
        {
            uint length = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(data[4..]) : BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            if (length > 0x00FFFFFF && length != 0xFFFFFFFF)
            {
                return false;
            }
        }

        encoding = new DicomEncoding(explicitVR, bigEndian);
        return true;
    }

    public override string ToString() => $"{Path} ({TransferSyntax.Name})";
}
