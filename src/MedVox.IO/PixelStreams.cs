using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using MedVox.Imaging;

namespace MedVox.IO;

/// <summary>Moves raw pixel bytes between streams and images, slice by slice, with byte-order conversion and clear errors for short data.</summary>
public static class PixelStreams
{
    /// <summary>
    /// Fills <paramref name="image"/> from <paramref name="stream"/>, which holds the pixels contiguously in the image's
    /// layout with elements in the given byte order. Throws <see cref="InvalidImageFileException"/> naming
    /// <paramref name="path"/> when the data ends early.
    /// </summary>
    public static void ReadInto(Stream stream, Image image, bool bigEndian, string path, IProgress<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(image);
        long done = 0;
        bool swap = bigEndian == BitConverter.IsLittleEndian && image.ElementType.Size() > 1;
        bool packedSlices = image.HasContiguousSlices;
        for (int t = 0; t < image.Size.T; t++)
        {
            for (int z = 0; z < image.Size.Z; z++)
            {
                if (packedSlices)
                {
                    var slice = image.GetSliceBytes(z, t);
                    done += Fill(stream, slice, path, done, image.ByteLength);
                    if (swap)
                    {
                        SwapInPlace(slice, image.ElementType.Size());
                    }
                }
                else
                {
                    for (int y = 0; y < image.Size.Y; y++)
                    {
                        var row = image.GetRowBytes(y, z, t);
                        done += Fill(stream, row, path, done, image.ByteLength);
                        if (swap)
                        {
                            SwapInPlace(row, image.ElementType.Size());
                        }
                    }
                }

                progress?.Report(done);
            }
        }
    }

    /// <summary>Writes the pixels of <paramref name="image"/> contiguously to <paramref name="stream"/> in the given byte order.</summary>
    public static void Write(Stream stream, Image image, bool bigEndian, IProgress<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(image);
        int elementSize = image.ElementType.Size();
        bool swap = bigEndian == BitConverter.IsLittleEndian && elementSize > 1;
        int rowBytes = image.Size.X * image.BytesPerPixel;
        byte[]? scratch = swap ? ArrayPool<byte>.Shared.Rent(rowBytes) : null;
        long done = 0;
        try
        {
            for (int t = 0; t < image.Size.T; t++)
            {
                for (int z = 0; z < image.Size.Z; z++)
                {
                    if (!swap && image.HasContiguousSlices)
                    {
                        var slice = image.GetSliceBytes(z, t);
                        stream.Write(slice);
                        done += slice.Length;
                    }
                    else
                    {
                        for (int y = 0; y < image.Size.Y; y++)
                        {
                            ReadOnlySpan<byte> row = image.GetRowBytes(y, z, t);
                            if (swap)
                            {
                                var copy = scratch.AsSpan(0, rowBytes);
                                row.CopyTo(copy);
                                SwapInPlace(copy, elementSize);
                                row = copy;
                            }

                            stream.Write(row);
                            done += row.Length;
                        }
                    }

                    progress?.Report(done);
                }
            }
        }
        finally
        {
            if (scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }
    }

    /// <summary>Reverses the byte order of each element of <paramref name="elementSize"/> bytes.</summary>
    public static void SwapInPlace(Span<byte> data, int elementSize)
    {
        switch (elementSize)
        {
            case 2:
                var shorts = MemoryMarshal.Cast<byte, ushort>(data);
                BinaryPrimitives.ReverseEndianness(shorts, shorts);
                break;
            case 4:
                var ints = MemoryMarshal.Cast<byte, uint>(data);
                BinaryPrimitives.ReverseEndianness(ints, ints);
                break;
            case 8:
                var longs = MemoryMarshal.Cast<byte, ulong>(data);
                BinaryPrimitives.ReverseEndianness(longs, longs);
                break;
        }
    }

    /// <summary>Reads exactly <paramref name="destination"/>.Length bytes or throws a truncation error.</summary>
    public static int Fill(Stream stream, Span<byte> destination, string path, long alreadyRead = 0, long expectedTotal = 0)
    {
        int total = 0;
        try
        {
            while (total < destination.Length)
            {
                int read = stream.Read(destination[total..]);
                if (read == 0)
                {
                    long have = alreadyRead + total;
                    throw new InvalidImageFileException(
                        expectedTotal > 0
                            ? $"pixel data ends after {have} of {expectedTotal} bytes"
                            : $"data ends after {have} bytes, {destination.Length - total} more were expected",
                        path,
                        hint: "the file is truncated or its header is wrong");
                }

                total += read;
            }
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidImageFileException($"compressed data is corrupt ({ex.Message})", path, hint: "the file is damaged or cut short", inner: ex);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidImageFileException("compressed data ends early", path, hint: "the file is cut short", inner: ex);
        }

        return total;
    }
}
