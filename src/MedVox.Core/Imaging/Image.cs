using System.Runtime.InteropServices;
using MedVox.Geometry;
using MedVox.Memory;

namespace MedVox.Imaging;

/// <summary>
/// Pixels and their geometry, always together. Pixels are stored x-fastest with the channels of a pixel interleaved,
/// then rows (y), slices (z) and frames (t). Storage is native memory or a memory-mapped file (<see cref="PixelBuffer"/>);
/// a crop is a view sharing the storage, so rows are always contiguous but slices need not be.
/// </summary>
public sealed unsafe class Image : IDisposable
{
    private readonly PixelBuffer _buffer;
    private readonly long _offset;
    private bool _disposed;

    private Image(ImageGeometry geometry, ElementType elementType, int channels, PixelBuffer buffer, long offset, long rowStride, long sliceStride, long frameStride)
    {
        Geometry = geometry;
        ElementType = elementType;
        Channels = channels;
        _buffer = buffer;
        _offset = offset;
        RowStride = rowStride;
        SliceStride = sliceStride;
        FrameStride = frameStride;
    }

    public ImageGeometry Geometry { get; private set; }

    public ImageSize Size => Geometry.Size;

    public ElementType ElementType { get; }

    /// <summary>Components per pixel: 1 for scalar images, 3 for RGB.</summary>
    public int Channels { get; }

    /// <summary>True when the channels are colour components (RGB/RGBA) rather than independent values.</summary>
    public bool IsColor { get; set; }

    /// <summary>Format-specific header fields that have no place in the model (descriptions, intent codes, ...), kept for round trips.</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    public int BytesPerPixel => ElementType.Size() * Channels;

    /// <summary>Bytes between the starts of consecutive rows, slices and frames.</summary>
    public long RowStride { get; }

    public long SliceStride { get; }

    public long FrameStride { get; }

    public long ElementCount => Size.VoxelCount * Channels;

    /// <summary>Bytes the pixels would take stored contiguously.</summary>
    public long ByteLength => Size.VoxelCount * BytesPerPixel;

    public bool IsContiguous =>
        RowStride == (long)Size.X * BytesPerPixel && SliceStride == RowStride * Size.Y && FrameStride == SliceStride * Size.Z;

    /// <summary>True when the pixels live in a memory-mapped file.</summary>
    public bool IsMapped => _buffer.IsMapped;

    /// <summary>Allocates a zero-filled image.</summary>
    public static Image Create(ImageGeometry geometry, ElementType elementType, int channels = 1, AllocationOptions? allocation = null)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        long bytes = checked(geometry.Size.VoxelCount * elementType.Size() * channels);
        return Wrap(geometry, elementType, channels, PixelAllocator.Allocate(bytes, allocation));
    }

    /// <summary>Wraps contiguous pixels in <paramref name="buffer"/> from <paramref name="offset"/>; the image takes over the caller's reference.</summary>
    public static Image Wrap(ImageGeometry geometry, ElementType elementType, int channels, PixelBuffer buffer, long offset = 0)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(buffer);
        long row = (long)geometry.Size.X * elementType.Size() * channels;
        long slice = row * geometry.Size.Y;
        long frame = slice * geometry.Size.Z;
        if (offset < 0 || offset + (frame * geometry.Size.T) > buffer.Length)
        {
            throw new ArgumentException($"A {geometry.Size} {elementType.Name()} image needs {frame * geometry.Size.T} bytes from {offset}; the buffer has {buffer.Length}.", nameof(buffer));
        }

        return new Image(geometry, elementType, channels, buffer, offset, row, slice, frame);
    }

    /// <summary>Allocates an image and copies <paramref name="pixels"/> (x-fastest, channels interleaved) into it.</summary>
    public static Image FromPixels<T>(ImageGeometry geometry, ReadOnlySpan<T> pixels, int channels = 1)
        where T : unmanaged
    {
        var image = Create(geometry, ElementTypeOf<T>.Value, channels);
        if (pixels.Length != image.ElementCount)
        {
            image.Dispose();
            throw new ArgumentException($"A {geometry.Size} image with {channels} channel(s) has {image.ElementCount} elements; {pixels.Length} were given.", nameof(pixels));
        }

        pixels.CopyTo(image.AsSpan<T>());
        return image;
    }

    /// <summary>Replaces the geometry by one of the same size (e.g. after reading a separate header).</summary>
    public void SetGeometry(ImageGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        if (geometry.Size != Size)
        {
            throw new ArgumentException($"The geometry has size {geometry.Size}, the pixels {Size}.", nameof(geometry));
        }

        Geometry = geometry;
    }

    /// <summary>The bytes of row <paramref name="y"/> of slice <paramref name="z"/> of frame <paramref name="t"/>.</summary>
    public Span<byte> GetRowBytes(int y, int z = 0, int t = 0)
    {
        CheckRow(y, z, t);
        return new Span<byte>(Base + RowOffset(y, z, t), Size.X * BytesPerPixel);
    }

    /// <summary>The elements of one row: <c>X * Channels</c> values.</summary>
    public Span<T> GetRow<T>(int y, int z = 0, int t = 0)
        where T : unmanaged
    {
        CheckType<T>();
        CheckRow(y, z, t);
        return new Span<T>(Base + RowOffset(y, z, t), Size.X * Channels);
    }

    /// <summary>True when each slice is one block (rows packed without gaps, under 2 GB), so slice spans are available.</summary>
    public bool HasContiguousSlices => RowStride == (long)Size.X * BytesPerPixel && Size.VoxelsPerSlice * BytesPerPixel <= Array.MaxLength;

    /// <summary>The elements of one slice; requires <see cref="HasContiguousSlices"/> (true unless the image is an x/y crop).</summary>
    public Span<T> GetSlice<T>(int z, int t = 0)
        where T : unmanaged
    {
        CheckType<T>();
        return MemoryMarshal.Cast<byte, T>(GetSliceBytes(z, t));
    }

    /// <summary>The bytes of one slice; requires <see cref="HasContiguousSlices"/>.</summary>
    public Span<byte> GetSliceBytes(int z, int t = 0)
    {
        CheckRow(0, z, t);
        if (!HasContiguousSlices)
        {
            throw new InvalidOperationException("The slices of this view are not single blocks; read it row by row.");
        }

        return new Span<byte>(Base + RowOffset(0, z, t), (int)(Size.VoxelsPerSlice * BytesPerPixel));
    }

    /// <summary>All elements as one span; requires a contiguous image of fewer than 2^31 elements.</summary>
    public Span<T> AsSpan<T>()
        where T : unmanaged
    {
        CheckType<T>();
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!IsContiguous)
        {
            throw new InvalidOperationException("This view is not contiguous; read it row by row or clone it.");
        }

        if (ElementCount > Array.MaxLength)
        {
            throw new InvalidOperationException($"{ElementCount} elements do not fit one span; read the image slice by slice.");
        }

        return new Span<T>(Base, (int)ElementCount);
    }

    /// <summary>All bytes as one span; requires a contiguous image under 2 GB.</summary>
    public Span<byte> AsBytes()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!IsContiguous || ByteLength > Array.MaxLength)
        {
            throw new InvalidOperationException("The image is not one contiguous block under 2 GB; read it row by row.");
        }

        return new Span<byte>(Base, (int)ByteLength);
    }

    /// <summary>A value as double (slow; for tests, probes and tools, not loops).</summary>
    public double GetValue(int x, int y, int z = 0, int t = 0, int channel = 0)
    {
        var bytes = PixelBytes(x, y, z, t, channel);
        return ElementType switch
        {
            ElementType.UInt8 => bytes[0],
            ElementType.Int8 => (sbyte)bytes[0],
            ElementType.UInt16 => MemoryMarshal.Read<ushort>(bytes),
            ElementType.Int16 => MemoryMarshal.Read<short>(bytes),
            ElementType.UInt32 => MemoryMarshal.Read<uint>(bytes),
            ElementType.Int32 => MemoryMarshal.Read<int>(bytes),
            ElementType.UInt64 => MemoryMarshal.Read<ulong>(bytes),
            ElementType.Int64 => MemoryMarshal.Read<long>(bytes),
            ElementType.Float32 => MemoryMarshal.Read<float>(bytes),
            _ => MemoryMarshal.Read<double>(bytes),
        };
    }

    /// <summary>Sets a value, rounding and saturating to the element type (slow; for tests and tools).</summary>
    public void SetValue(int x, int y, int z, double value, int t = 0, int channel = 0)
    {
        var bytes = PixelBytes(x, y, z, t, channel);
        double rounded = Math.Round(value);
        switch (ElementType)
        {
            case ElementType.UInt8: bytes[0] = (byte)Math.Clamp(rounded, byte.MinValue, byte.MaxValue); break;
            case ElementType.Int8: bytes[0] = (byte)(sbyte)Math.Clamp(rounded, sbyte.MinValue, sbyte.MaxValue); break;
            case ElementType.UInt16: MemoryMarshal.Write(bytes, (ushort)Math.Clamp(rounded, ushort.MinValue, ushort.MaxValue)); break;
            case ElementType.Int16: MemoryMarshal.Write(bytes, (short)Math.Clamp(rounded, short.MinValue, short.MaxValue)); break;
            case ElementType.UInt32: MemoryMarshal.Write(bytes, (uint)Math.Clamp(rounded, uint.MinValue, uint.MaxValue)); break;
            case ElementType.Int32: MemoryMarshal.Write(bytes, (int)Math.Clamp(rounded, int.MinValue, int.MaxValue)); break;
            case ElementType.UInt64: MemoryMarshal.Write(bytes, ulong.CreateSaturating(rounded)); break;
            case ElementType.Int64: MemoryMarshal.Write(bytes, long.CreateSaturating(rounded)); break;
            case ElementType.Float32: MemoryMarshal.Write(bytes, (float)value); break;
            default: MemoryMarshal.Write(bytes, value); break;
        }
    }

    /// <summary>
    /// A view of the region starting at <paramref name="start"/> with <paramref name="size"/> (all frames unless
    /// <paramref name="frames"/> is given). It shares the pixels, so writes show in both; its origin is the physical
    /// position of <paramref name="start"/>. Dispose the view as any image; the storage lives until both are disposed.
    /// </summary>
    public Image Crop(Index3 start, ImageSize size, Range? frames = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var (tStart, tCount) = (frames ?? Range.All).GetOffsetAndLength(Size.T);
        if (start.X < 0 || start.Y < 0 || start.Z < 0
            || start.X + size.X > Size.X || start.Y + size.Y > Size.Y || start.Z + size.Z > Size.Z)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Region {start} + {size} lies outside the image of size {Size}; pad instead of cropping.");
        }

        var regionSize = new ImageSize(size.X, size.Y, size.Z, tCount, tCount > 1 ? 4 : Math.Min(size.Rank, 3));
        long offset = _offset + ((long)start.X * BytesPerPixel) + (start.Y * RowStride) + (start.Z * SliceStride) + (tStart * FrameStride);
        var view = new Image(Geometry.Region(start, regionSize), ElementType, Channels, _buffer.Retain(), offset, RowStride, SliceStride, FrameStride)
        {
            IsColor = IsColor,
        };
        foreach (var (key, value) in Metadata)
        {
            view.Metadata[key] = value;
        }

        return view;
    }

    /// <summary>A contiguous copy (in memory or mapped, as <paramref name="allocation"/> decides).</summary>
    public Image Clone(AllocationOptions? allocation = null)
    {
        var copy = Create(Geometry, ElementType, Channels, allocation);
        copy.IsColor = IsColor;
        foreach (var (key, value) in Metadata)
        {
            copy.Metadata[key] = value;
        }

        Parallel.For(0, (long)Size.Z * Size.T, slab =>
        {
            int z = (int)(slab % Size.Z), t = (int)(slab / Size.Z);
            for (int y = 0; y < Size.Y; y++)
            {
                GetRowBytes(y, z, t).CopyTo(copy.GetRowBytes(y, z, t));
            }
        });
        return copy;
    }

    /// <summary>Flushes a mapped buffer to its file.</summary>
    public void Flush() => _buffer.Flush();

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _buffer.Release();
        }
    }

    public override string ToString() =>
        $"{ElementType.Name()}{(Channels > 1 ? $"x{Channels}" : string.Empty)} {Geometry}";

    private byte* Base
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _buffer.Pointer + _offset;
        }
    }

    private long RowOffset(int y, int z, int t) => (y * RowStride) + (z * SliceStride) + (t * FrameStride);

    private Span<byte> PixelBytes(int x, int y, int z, int t, int channel)
    {
        if ((uint)x >= (uint)Size.X || (uint)channel >= (uint)Channels)
        {
            throw new ArgumentOutOfRangeException(nameof(x), $"Pixel ({x}, {y}, {z}, {t}) channel {channel} lies outside the image of size {Size}.");
        }

        return GetRowBytes(y, z, t).Slice(((x * Channels) + channel) * ElementType.Size(), ElementType.Size());
    }

    private void CheckRow(int y, int z, int t)
    {
        if ((uint)y >= (uint)Size.Y || (uint)z >= (uint)Size.Z || (uint)t >= (uint)Size.T)
        {
            throw new ArgumentOutOfRangeException(nameof(y), $"Row (y={y}, z={z}, t={t}) lies outside the image of size {Size}.");
        }
    }

    private void CheckType<T>()
        where T : unmanaged
    {
        if (ElementTypeOf<T>.Value != ElementType)
        {
            throw new InvalidOperationException($"The image holds {ElementType.Name()}, not {typeof(T).Name}.");
        }
    }
}
