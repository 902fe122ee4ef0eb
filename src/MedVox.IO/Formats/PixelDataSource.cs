using System.IO.Compression;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Memory;

namespace MedVox.IO.Formats;

/// <summary>How pixel bytes are stored in a data file.</summary>
internal enum PixelEncoding
{
    Raw,

    /// <summary>A zlib (ITK) or gzip (teem) stream, told apart by its first two bytes.</summary>
    Compressed,

    /// <summary>Numbers as text separated by whitespace or commas.</summary>
    Ascii,

    /// <summary>Two hexadecimal digits per byte, whitespace ignored.</summary>
    Hex,
}

/// <summary>One file's share of the pixel data: <see cref="Bytes"/> decoded bytes stored from byte <see cref="Start"/>.</summary>
internal sealed record PixelDataPart(string Path, long Start, long Bytes)
{
    /// <summary>Stored (encoded) bytes from <see cref="Start"/>; null for "to the end of the file".</summary>
    public long? StoredLength { get; init; }

    /// <summary>Decoded bytes to skip before the pixels (NRRD's byte skip on compressed or text data).</summary>
    public long DecodedSkip { get; init; }
}

/// <summary>
/// The pixel data of a header-based format (MetaImage, NRRD): one or more data files, an encoding and a byte order.
/// <see cref="Validate"/> checks the claimed size against the files before anything is allocated; <see cref="Read"/>
/// streams the data into a new image slice by slice, or maps raw native-order data in place.
/// </summary>
internal sealed class PixelDataSource(
    string headerPath,
    IReadOnlyList<PixelDataPart> parts,
    PixelEncoding encoding,
    bool bigEndian,
    ElementType type,
    string sizeField,
    string dataField)
{
    public string HeaderPath { get; } = headerPath;

    public IReadOnlyList<PixelDataPart> Parts { get; } = parts;

    public PixelEncoding Encoding { get; } = encoding;

    public bool BigEndian { get; } = bigEndian;

    public ElementType Type { get; } = type;

    /// <summary>The header field that gives the image size ("DimSize", "sizes"), named when the data is too short.</summary>
    public string SizeField { get; } = sizeField;

    /// <summary>The header field that names the data file ("ElementDataFile", "data file").</summary>
    public string DataField { get; } = dataField;

    /// <summary>True when the stored bytes are the image's bytes as they lie in memory, so the file can be mapped.</summary>
    public bool CanMap =>
        Parts.Count == 1 && Encoding == PixelEncoding.Raw && Parts[0].DecodedSkip == 0
        && (Type.Size() == 1 || BigEndian != BitConverter.IsLittleEndian);

    /// <summary>Throws unless every data file exists and can hold what the header claims.</summary>
    public void Validate()
    {
        foreach (var part in Parts)
        {
            var info = new FileInfo(part.Path);
            if (!info.Exists)
            {
                throw new InvalidImageFileException(
                    $"the data file {part.Path} does not exist", HeaderPath, DataField, "keep the data file(s) beside the header");
            }

            if (part.Start > info.Length || part.Start < 0)
            {
                throw new InvalidImageFileException(
                    $"pixel data should start at byte {part.Start} of {Describe(part)}, which has {info.Length} bytes", HeaderPath, SizeField, "the file is truncated or its header is wrong");
            }

            long available = part.StoredLength ?? (info.Length - part.Start);
            switch (Encoding)
            {
                case PixelEncoding.Raw when available < part.Bytes:
                    throw new InvalidImageFileException(
                        $"{Describe(part)} holds {available} bytes of pixel data from byte {part.Start}, the header needs {part.Bytes}",
                        HeaderPath,
                        SizeField,
                        "the file is truncated or its header is wrong");
                case PixelEncoding.Compressed:
                    CompressionGuard.CheckDeflateClaim(part.Bytes + part.DecodedSkip, available, HeaderPath, SizeField);
                    break;
                case PixelEncoding.Ascii when (part.Bytes / Type.Size()) - 1 > available / 2:
                    throw new InvalidImageFileException(
                        $"{Describe(part)} has {available} bytes of text, too few for {part.Bytes / Type.Size()} numbers", HeaderPath, SizeField, "the file is truncated or its header is wrong");
                case PixelEncoding.Hex when available / 2 < part.Bytes + part.DecodedSkip:
                    throw new InvalidImageFileException(
                        $"{Describe(part)} has {available} hex digits, too few for {part.Bytes} bytes", HeaderPath, SizeField, "the file is truncated or its header is wrong");
            }
        }
    }

    /// <summary>Reads the pixels into a new image (mapping the file in place when asked and possible).</summary>
    public Image Read(ImageGeometry geometry, int channels, ImageReadOptions options)
    {
        Validate();
        if (options.MapInPlace && CanMap)
        {
            var part = Parts[0];
            var buffer = MappedPixelBuffer.OpenFile(part.Path, part.Start, part.Bytes);
            return Image.Wrap(geometry, Type, channels, buffer);
        }

        var image = Image.Create(geometry, Type, channels, options.Allocation);
        try
        {
            using var stream = new PartsStream(this);
            bool storedBigEndian = Encoding == PixelEncoding.Ascii ? !BitConverter.IsLittleEndian : BigEndian;
            PixelStreams.ReadInto(stream, image, storedBigEndian, HeaderPath, options.Progress);
            return image;
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    internal string Describe(PixelDataPart part) =>
        string.Equals(Path.GetFullPath(part.Path), Path.GetFullPath(HeaderPath), StringComparison.Ordinal)
            ? "the file"
            : $"data file {Path.GetFileName(part.Path)}";

    /// <summary>The decoded data of all parts, one after another; each part must deliver exactly its bytes.</summary>
    private sealed class PartsStream(PixelDataSource source) : Stream
    {
        private int _index = -1;
        private Stream? _current;
        private long _remaining;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            while (true)
            {
                if (_current is null)
                {
                    if (_index + 1 >= source.Parts.Count)
                    {
                        return 0;
                    }

                    Open(++_index);
                }

                if (_remaining == 0)
                {
                    _current!.Dispose();
                    _current = null;
                    continue;
                }

                if (buffer.IsEmpty)
                {
                    return 0;
                }

                int want = (int)Math.Min(buffer.Length, _remaining);
                int read = ReadDecoded(buffer[..want]);
                if (read == 0)
                {
                    var part = source.Parts[_index];
                    throw new InvalidImageFileException(
                        $"pixel data in {source.Describe(part)} ends after {part.Bytes - _remaining} of {part.Bytes} bytes",
                        source.HeaderPath,
                        source.SizeField,
                        "the file is truncated or its header is wrong");
                }

                _remaining -= read;
                return read;
            }
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _current?.Dispose();
                _current = null;
            }

            base.Dispose(disposing);
        }

        private int ReadDecoded(Span<byte> buffer)
        {
            try
            {
                return _current!.Read(buffer);
            }
            catch (InvalidDataException ex)
            {
                throw new InvalidImageFileException(
                    $"compressed data in {source.Describe(source.Parts[_index])} is corrupt ({ex.Message.TrimEnd('.')})",
                    source.HeaderPath,
                    hint: "the file is damaged or cut short",
                    inner: ex);
            }
        }

        private void Open(int index)
        {
            var part = source.Parts[index];
            var file = new FileStream(part.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            try
            {
                file.Seek(part.Start, SeekOrigin.Begin);
                Stream stored = part.StoredLength is long length ? new BoundedStream(file, length) : file;
                _current = source.Encoding switch
                {
                    PixelEncoding.Compressed => OpenCompressed(file, stored, part),
                    PixelEncoding.Ascii => new AsciiPixelStream(stored, source.Type, source.HeaderPath, source.DataField),
                    PixelEncoding.Hex => new HexPixelStream(stored, source.HeaderPath, source.DataField),
                    _ => stored,
                };
                _remaining = part.Bytes;
                Skip(part);
            }
            catch
            {
                _current?.Dispose();
                _current = null;
                file.Dispose();
                throw;
            }
        }

        private Stream OpenCompressed(FileStream file, Stream stored, PixelDataPart part)
        {
            Span<byte> magic = stackalloc byte[2];
            int got = stored.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            file.Seek(part.Start, SeekOrigin.Begin);
            stored = part.StoredLength is long length ? new BoundedStream(file, length) : file;
            if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
            {
                return new GZipStream(stored, CompressionMode.Decompress);
            }

            if (got == 2 && (magic[0] & 0x0f) == 8 && ((magic[0] << 8) | magic[1]) % 31 == 0)
            {
                return new ZLibStream(stored, CompressionMode.Decompress);
            }

            throw new InvalidImageFileException(
                $"the compressed pixel data in {source.Describe(part)} starts with neither a zlib nor a gzip header",
                source.HeaderPath,
                source.DataField,
                "the file is damaged or its header is wrong");
        }

        private void Skip(PixelDataPart part)
        {
            if (part.DecodedSkip == 0)
            {
                return;
            }

            Span<byte> scratch = stackalloc byte[4096];
            long left = part.DecodedSkip;
            while (left > 0)
            {
                int read = ReadDecoded(scratch[..(int)Math.Min(scratch.Length, left)]);
                if (read == 0)
                {
                    throw new InvalidImageFileException(
                        $"the data in {source.Describe(part)} ends within the {part.DecodedSkip} bytes to skip",
                        source.HeaderPath,
                        "byte skip",
                        "the file is truncated or its header is wrong");
                }

                left -= read;
            }
        }
    }

    /// <summary>Reads at most a given number of bytes from a stream, then reports its end.</summary>
    private sealed class BoundedStream(Stream inner, long length) : Stream
    {
        private long _left = length;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_left <= 0)
            {
                return 0;
            }

            int read = inner.Read(buffer[..(int)Math.Min(buffer.Length, _left)]);
            _left -= read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
