using System.Buffers.Binary;
using System.Text;
using MedVox.Slides.Tiles;
using Microsoft.Win32.SafeHandles;

namespace MedVox.Slides;

/// <summary>
/// Writes a pyramidal tiled BigTIFF (8-bit grey or RGB) in bounded memory, as OpenSlide's generic-TIFF reader and
/// libtiff expect it: level 0 first, then reduced-resolution levels (NewSubfileType 1), each half the size of the one
/// below, while a level still spans a whole tile each way. Level-0 tiles are appended as they come, in any order; <see cref="Commit"/> builds each
/// further level tile by tile from the four tiles below it (read back from the file, 2x2 mean), writes the
/// directories, and renames the file into place. Until then the data lives in a partial file beside the target, so an
/// interrupted run never leaves a corrupt pyramid under the target's name; with <see cref="PyramidWriterOptions.Resumable"/>
/// a journal of finished tiles lets a later writer continue. Thread-safe: tiles may be written from several threads.
/// </summary>
public sealed class PyramidTiffWriter : IDisposable
{
    private const int HeaderSize = 16;
    private const int JournalRecord = 24;
    private static readonly byte[] JournalMagic = "MVXJRNL1"u8.ToArray();

    private readonly object _gate = new();
    private readonly SafeFileHandle _file;
    private readonly FileStream? _journal;
    private readonly long[] _offsets;
    private readonly long[] _lengths;
    private readonly bool[] _written;
    private long _end;
    private long _zeroTileOffset = -1;
    private long _zeroTileLength;
    private int _writtenCount;
    private bool _committed;
    private bool _disposed;

    private PyramidTiffWriter(string path, int width, int height, int channels, PyramidWriterOptions options)
    {
        Path = System.IO.Path.GetFullPath(path);
        Width = width;
        Height = height;
        Channels = channels;
        Options = options;
        TileSize = options.TileSize;
        Columns = (int)((width + (long)TileSize - 1) / TileSize);
        Rows = (int)((height + (long)TileSize - 1) / TileSize);
        _offsets = new long[(long)Columns * Rows];
        _lengths = new long[_offsets.Length];
        _written = new bool[_offsets.Length];
        PartialPath = PartialPathFor(Path);
        string journalPath = PartialPath + ".journal";
        string directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory);

        bool resumed = options.Resumable && TryResume(journalPath, out _journal);
        if (!resumed)
        {
            File.Delete(journalPath);
            _file = File.OpenHandle(PartialPath, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
            var header = new byte[HeaderSize];
            "II"u8.CopyTo(header);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(2), 43);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 8);
            RandomAccess.Write(_file, header, 0);
            _end = HeaderSize;
            if (options.Resumable)
            {
                _journal = new FileStream(journalPath, FileMode.Create, FileAccess.Write, FileShare.Read);
                var key = Encoding.UTF8.GetBytes(JournalKey());
                _journal.Write(JournalMagic);
                _journal.Write(BitConverter.GetBytes(key.Length));
                _journal.Write(key);
                _journal.Flush();
            }
        }
        else
        {
            _file = File.OpenHandle(PartialPath, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            RandomAccess.SetLength(_file, _end);
        }
    }

    /// <summary>The target path (written on <see cref="Commit"/>).</summary>
    public string Path { get; }

    /// <summary>Where the data lives until <see cref="Commit"/>.</summary>
    public string PartialPath { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>1 (grey) or 3 (RGB).</summary>
    public int Channels { get; }

    public int TileSize { get; }

    /// <summary>Level-0 tiles across and down.</summary>
    public int Columns { get; }

    public int Rows { get; }

    public PyramidWriterOptions Options { get; }

    /// <summary>Level-0 tiles finished (including those a resumed writer found).</summary>
    public int TilesWritten => Volatile.Read(ref _writtenCount);

    /// <summary>Bytes a tile buffer holds: TileSize² × Channels.</summary>
    public int TileBytes => TileSize * TileSize * Channels;

    /// <summary>The file a writer for <paramref name="path"/> keeps its data in until it commits.</summary>
    public static string PartialPathFor(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        return System.IO.Path.Combine(System.IO.Path.GetDirectoryName(full)!, "." + System.IO.Path.GetFileName(full) + ".partial");
    }

    /// <summary>
    /// Starts a pyramid of <paramref name="width"/> x <paramref name="height"/> pixels with <paramref name="channels"/>
    /// (1 or 3) 8-bit samples; with <see cref="PyramidWriterOptions.Resumable"/> continues a matching partial file.
    /// </summary>
    public static PyramidTiffWriter Create(string path, int width, int height, int channels, PyramidWriterOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new PyramidWriterOptions();
        options.Validate();
        if (width < 1 || height < 1)
        {
            throw new MedVoxException($"a slide of {width}x{height} pixels is empty", path);
        }

        if (channels is not (1 or 3))
        {
            throw new MedVoxException($"{channels} channels: pyramids are written as grey (1) or RGB (3)", path);
        }

        return new PyramidTiffWriter(path, width, height, channels, options);
    }

    /// <summary>Whether level-0 tile (<paramref name="column"/>, <paramref name="row"/>) is already written (by this writer or a resumed run).</summary>
    public bool HasTile(int column, int row)
    {
        CheckTile(column, row);
        lock (_gate)
        {
            return _written[((long)row * Columns) + column];
        }
    }

    /// <summary>
    /// Writes level-0 tile (<paramref name="column"/>, <paramref name="row"/>): <see cref="TileBytes"/> bytes, rows of
    /// TileSize pixels with channels interleaved. Pixels beyond the image's right and bottom edge are stored but never read.
    /// Writing a tile twice replaces it.
    /// </summary>
    public void WriteTile(int column, int row, ReadOnlySpan<byte> pixels)
    {
        CheckTile(column, row);
        if (pixels.Length != TileBytes)
        {
            throw new ArgumentException($"A tile has {TileBytes} bytes; {pixels.Length} were given.", nameof(pixels));
        }

        long index = ((long)row * Columns) + column;
        if (pixels.IndexOfAnyExcept((byte)0) < 0)
        {
            lock (_gate)
            {
                var (offset, length) = ZeroTile();
                Record(index, column, row, offset, length);
            }

            return;
        }

        byte[] data = TileCodec.Encode(pixels, TileSize, Channels, Options.Compression, Options.JpegQuality);
        lock (_gate)
        {
            long offset = Append(data);
            Record(index, column, row, offset, data.Length);
        }
    }

    /// <summary>
    /// Builds the reduced levels from level 0 (tiles never written count as zero), writes the directories and renames
    /// the file to <see cref="Path"/>. <paramref name="progress"/> goes from 0 to 1.
    /// </summary>
    public void Commit(IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed)
        {
            throw new InvalidOperationException("The pyramid is already committed.");
        }

        var levels = new List<LevelTiles>
        {
            new(Width, Height, Columns, Rows, _offsets, _lengths),
        };
        for (int i = 0; i < _offsets.Length; i++)
        {
            if (!_written[i])
            {
                var (offset, length) = ZeroTile();
                _offsets[i] = offset;
                _lengths[i] = length;
            }
        }

        long totalTiles = 0;
        for (int w = Width, h = Height; HasNextLevel(w, h);)
        {
            w = (w + 1) / 2;
            h = (h + 1) / 2;
            totalTiles += (long)((w + TileSize - 1) / TileSize) * ((h + TileSize - 1) / TileSize);
        }

        long done = 0;
        while (HasNextLevel(levels[^1].Width, levels[^1].Height))
        {
            var below = levels[^1];
            var level = Reduce(below, cancellation, () => progress?.Report(totalTiles == 0 ? 1 : (double)Interlocked.Increment(ref done) / totalTiles));
            levels.Add(level);
        }

        WriteDirectories(levels);
        _journal?.Dispose();
        _file.Dispose();
        File.Move(PartialPath, Path, overwrite: true);
        if (Options.Resumable)
        {
            File.Delete(PartialPath + ".journal");
        }

        _committed = true;
        progress?.Report(1);
    }

    /// <summary>Without <see cref="Commit"/>: deletes the partial file, or keeps it and its journal when resumable.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_committed)
        {
            return;
        }

        _journal?.Dispose();
        _file.Dispose();
        if (!Options.Resumable)
        {
            File.Delete(PartialPath);
        }
    }

    private string JournalKey() =>
        $"{Width}x{Height}x{Channels} tile {TileSize} {Options.Compression} q{Options.JpegQuality}\n{Options.ResumeKey}";

    private bool TryResume(string journalPath, out FileStream? journal)
    {
        journal = null;
        if (!File.Exists(PartialPath) || !File.Exists(journalPath))
        {
            return false;
        }

        byte[] content = File.ReadAllBytes(journalPath);
        var key = Encoding.UTF8.GetBytes(JournalKey());
        int start = JournalMagic.Length + 4 + key.Length;
        if (content.Length < start || !content.AsSpan(0, JournalMagic.Length).SequenceEqual(JournalMagic)
            || BitConverter.ToInt32(content, JournalMagic.Length) != key.Length
            || !content.AsSpan(JournalMagic.Length + 4, key.Length).SequenceEqual(key))
        {
            return false;
        }

        long fileLength = new FileInfo(PartialPath).Length;
        long end = HeaderSize;
        int valid = 0;
        for (int at = start; at + JournalRecord <= content.Length; at += JournalRecord)
        {
            int column = BitConverter.ToInt32(content, at);
            int row = BitConverter.ToInt32(content, at + 4);
            long offset = BitConverter.ToInt64(content, at + 8);
            long length = BitConverter.ToInt64(content, at + 16);
            if ((uint)column >= (uint)Columns || (uint)row >= (uint)Rows || offset < HeaderSize || length <= 0 || offset + length > fileLength)
            {
                break;
            }

            long index = ((long)row * Columns) + column;
            _offsets[index] = offset;
            _lengths[index] = length;
            if (!_written[index])
            {
                _written[index] = true;
                _writtenCount++;
            }

            end = Math.Max(end, offset + length);
            valid = at + JournalRecord;
        }

        _end = end;
        journal = new FileStream(journalPath, FileMode.Open, FileAccess.Write, FileShare.Read);
        journal.SetLength(valid == 0 ? start : valid);
        journal.Seek(0, SeekOrigin.End);
        return true;
    }

    private void Record(long index, int column, int row, long offset, long length)
    {
        _offsets[index] = offset;
        _lengths[index] = length;
        if (!_written[index])
        {
            _written[index] = true;
            _writtenCount++;
        }

        if (_journal is not null)
        {
            Span<byte> record = stackalloc byte[JournalRecord];
            BinaryPrimitives.WriteInt32LittleEndian(record, column);
            BinaryPrimitives.WriteInt32LittleEndian(record[4..], row);
            BinaryPrimitives.WriteInt64LittleEndian(record[8..], offset);
            BinaryPrimitives.WriteInt64LittleEndian(record[16..], length);
            _journal.Write(record);

            // To the operating system, not the disk: enough for a killed process, and cheap.
            _journal.Flush(flushToDisk: false);
        }
    }

    /// <summary>The one stored copy of an all-zero tile, which every such tile points to (glass, background).</summary>
    private (long Offset, long Length) ZeroTile()
    {
        if (_zeroTileOffset < 0)
        {
            var data = TileCodec.Encode(new byte[TileBytes], TileSize, Channels, Options.Compression, Options.JpegQuality);
            _zeroTileOffset = Append(data);
            _zeroTileLength = data.Length;
        }

        return (_zeroTileOffset, _zeroTileLength);
    }

    /// <summary>Appends at the end of the file (caller holds the lock); returns the offset, even as TIFF wants.</summary>
    private long Append(ReadOnlySpan<byte> data)
    {
        long offset = _end;
        RandomAccess.Write(_file, data, offset);
        _end = offset + data.Length + (data.Length & 1);
        return offset;
    }

    private LevelTiles Reduce(LevelTiles below, CancellationToken cancellation, Action tileDone)
    {
        int width = (below.Width + 1) / 2, height = (below.Height + 1) / 2;
        int columns = (width + TileSize - 1) / TileSize, rows = (height + TileSize - 1) / TileSize;
        var offsets = new long[(long)columns * rows];
        var lengths = new long[offsets.Length];
        int half = TileSize / 2;
        var options = new ParallelOptions { CancellationToken = cancellation, MaxDegreeOfParallelism = Environment.ProcessorCount };
        Parallel.For(0, offsets.Length, options, () => new ReduceBuffers(TileBytes), (index, _, buffers) =>
        {
            int column = (int)(index % columns), row = (int)(index / columns);
            Array.Clear(buffers.Parent);
            bool any = false;
            for (int dy = 0; dy < 2; dy++)
            {
                for (int dx = 0; dx < 2; dx++)
                {
                    int childColumn = (2 * column) + dx, childRow = (2 * row) + dy;
                    if (childColumn >= below.Columns || childRow >= below.Rows)
                    {
                        continue;
                    }

                    long child = ((long)childRow * below.Columns) + childColumn;
                    if (below.Offsets[child] == _zeroTileOffset)
                    {
                        continue;
                    }

                    ReadTile(below.Offsets[child], below.Lengths[child], buffers);
                    int validX = Math.Min(TileSize, below.Width - (childColumn * TileSize));
                    int validY = Math.Min(TileSize, below.Height - (childRow * TileSize));
                    Downsample(buffers.Child, validX, validY, buffers.Parent, dx * half, dy * half);
                    any = true;
                }
            }

            if (any && buffers.Parent.AsSpan().IndexOfAnyExcept((byte)0) >= 0)
            {
                byte[] data = TileCodec.Encode(buffers.Parent, TileSize, Channels, Options.Compression, Options.JpegQuality);
                lock (_gate)
                {
                    offsets[index] = Append(data);
                    lengths[index] = data.Length;
                }
            }
            else
            {
                lock (_gate)
                {
                    (offsets[index], lengths[index]) = ZeroTile();
                }
            }

            tileDone();
            return buffers;
        }, _ => { });
        return new LevelTiles(width, height, columns, rows, offsets, lengths);
    }

    private void ReadTile(long offset, long length, ReduceBuffers buffers)
    {
        if (buffers.Compressed.Length < length)
        {
            buffers.Compressed = new byte[length];
        }

        var data = buffers.Compressed.AsSpan(0, (int)length);
        RandomAccess.Read(_file, data, offset);
        TileCodec.Decode(data, buffers.Child, TileSize, Channels, Options.Compression);
    }

    /// <summary>2x2 mean of the valid part of <paramref name="child"/> into the quadrant of <paramref name="parent"/> at (<paramref name="x0"/>, <paramref name="y0"/>); an odd last row or column is averaged alone.</summary>
    private void Downsample(byte[] child, int validX, int validY, byte[] parent, int x0, int y0)
    {
        int c = Channels, stride = TileSize * c;
        int outX = (validX + 1) / 2, outY = (validY + 1) / 2;
        for (int y = 0; y < outY; y++)
        {
            int y1 = 2 * y, y2 = Math.Min((2 * y) + 1, validY - 1);
            int rowA = y1 * stride, rowB = y2 * stride;
            int target = ((y0 + y) * stride) + (x0 * c);
            for (int x = 0; x < outX; x++)
            {
                int xa = 2 * x * c, xb = Math.Min((2 * x) + 1, validX - 1) * c;
                for (int k = 0; k < c; k++)
                {
                    int sum = child[rowA + xa + k] + child[rowA + xb + k] + child[rowB + xa + k] + child[rowB + xb + k];
                    parent[target + (x * c) + k] = (byte)((sum + 2) >> 2);
                }
            }
        }
    }

    private void WriteDirectories(List<LevelTiles> levels)
    {
        long at = _end;
        var serialized = new List<byte[]>();
        for (int i = 0; i < levels.Count; i++)
        {
            var directory = Describe(levels[i], i);
            // Sizes do not depend on the offsets, so a first pass gives each directory's position.
            byte[] probe = directory.Serialize(at, 0);
            long next = i + 1 < levels.Count ? at + probe.Length + (probe.Length & 1) : 0;
            serialized.Add(directory.Serialize(at, next));
            at = next;
        }

        long position = _end;
        foreach (var bytes in serialized)
        {
            RandomAccess.Write(_file, bytes, position);
            position += bytes.Length + (bytes.Length & 1);
        }

        RandomAccess.SetLength(_file, position);
        var first = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(first, _end);
        RandomAccess.Write(_file, first, 8);
        RandomAccess.FlushToDisk(_file);
    }

    private BigTiffDirectory Describe(LevelTiles level, int index)
    {
        var d = new BigTiffDirectory();
        d.AddLong(TiffTags.NewSubfileType, index == 0 ? 0u : 1u);
        d.AddLong(TiffTags.ImageWidth, (uint)level.Width);
        d.AddLong(TiffTags.ImageLength, (uint)level.Height);
        d.AddShorts(TiffTags.BitsPerSample, Channels == 3 ? [8, 8, 8] : [8]);
        bool jpeg = Options.Compression == TileCompression.Jpeg;
        d.Add(TiffTags.Compression, (ushort)(jpeg ? 7 : 8));
        d.Add(TiffTags.Photometric, (ushort)(Channels == 1 ? 1 : jpeg ? 6 : 2));
        if (index == 0 && Options.Description is { } description)
        {
            d.AddAscii(TiffTags.ImageDescription, description);
        }

        d.Add(TiffTags.SamplesPerPixel, (ushort)Channels);
        d.Add(TiffTags.PlanarConfig, 1);
        d.AddAscii(TiffTags.Software, "MedVox");
        if (Options.MicronsPerPixel is { } mpp)
        {
            double scale = (double)Width / level.Width;
            double pixelsPerCm = 10000.0 / (mpp * scale);
            d.AddRational(TiffTags.XResolution, pixelsPerCm);
            d.AddRational(TiffTags.YResolution, pixelsPerCm);
            d.Add(TiffTags.ResolutionUnit, 3);
        }

        d.AddLong(TiffTags.TileWidth, (uint)TileSize);
        d.AddLong(TiffTags.TileLength, (uint)TileSize);
        d.AddLong8s(TiffTags.TileOffsets, level.Offsets);
        d.AddLong8s(TiffTags.TileByteCounts, level.Lengths);
        if (jpeg && Channels == 3)
        {
            d.AddShorts(TiffTags.YCbCrSubSampling, 1, 1);
        }

        d.AddShorts(TiffTags.SampleFormat, Channels == 3 ? [1, 1, 1] : [1]);
        return d;
    }

    /// <summary>
    /// Levels halve while the next one still spans at least one whole tile each way: libtiff's RGBA tile reader (which
    /// OpenSlide uses for non-JPEG tiles) misreads tiles wider than their image, so no level is made smaller than a tile.
    /// </summary>
    private bool HasNextLevel(int width, int height) => (width + 1) / 2 >= TileSize && (height + 1) / 2 >= TileSize;

    private void CheckTile(int column, int row)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if ((uint)column >= (uint)Columns || (uint)row >= (uint)Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(column), $"Tile ({column}, {row}) lies outside the {Columns}x{Rows} tile grid.");
        }
    }

    private sealed record LevelTiles(int Width, int Height, int Columns, int Rows, long[] Offsets, long[] Lengths);

    private sealed class ReduceBuffers(int tileBytes)
    {
        public byte[] Child { get; } = new byte[tileBytes];

        public byte[] Parent { get; } = new byte[tileBytes];

        public byte[] Compressed { get; set; } = new byte[tileBytes / 2];
    }
}
