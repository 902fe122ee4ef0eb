using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace MedVox.Dicom.Pixels;

/// <summary>Turns stored samples into decoded ones in place or from a scratch copy: byte order, bit masking and sign extension, planes, YBR 4:2:2, 1-bit unpacking.</summary>
internal static class NativePixels
{
    /// <summary>
    /// Converts one native frame: <paramref name="stored"/> holds the frame's bytes as stored (for 1-bit data, the
    /// bytes covering its bits starting at <paramref name="bitOffset"/>); <paramref name="destination"/> gets
    /// <see cref="DicomPixelFormat.FrameBytes"/> decoded bytes.
    /// </summary>
    public static void Convert(ReadOnlySpan<byte> stored, DicomPixelFormat format, bool bigEndian, bool swapBytePairs, int bitOffset, Span<byte> destination)
    {
        int samples = format.SamplesPerPixel;
        long pixels = format.PixelsPerFrame;
        if (format.BitsAllocated == 1)
        {
            for (long i = 0; i < pixels * samples; i++)
            {
                long bit = bitOffset + i;
                destination[(int)i] = (byte)((stored[(int)(bit >> 3)] >> (int)(bit & 7)) & 1);
            }

            return;
        }

        int size = format.BitsAllocated / 8;
        if (format.IsYbr422)
        {
            // Y0 Y1 Cb Cr for each pair of pixels (8-bit only in practice) -> (Y0 Cb Cr) (Y1 Cb Cr).
            ExpandYbr422(stored, format, destination);
            return;
        }

        if (format.IsPlanar)
        {
            // R plane, G plane, B plane -> RGB triples.
            int sample = size;
            for (long p = 0; p < pixels; p++)
            {
                for (int s = 0; s < samples; s++)
                {
                    stored.Slice((int)(((s * pixels) + p) * sample), sample).CopyTo(destination.Slice((int)(((p * samples) + s) * sample), sample));
                }
            }
        }
        else if (!stored.Overlaps(destination))
        {
            stored[..destination.Length].CopyTo(destination);
        }

        if (swapBytePairs)
        {
            // 8-bit samples in OW in a big endian file: the bytes of each 16-bit word are swapped.
            var words = MemoryMarshal.Cast<byte, ushort>(destination[..(destination.Length & ~1)]);
            BinaryPrimitives.ReverseEndianness(words, words);
        }

        if (bigEndian && size > 1)
        {
            MedVox.IO.PixelStreams.SwapInPlace(destination, size);
        }

        NormalizeBits(destination, format, format.HighBit + 1 - format.BitsStored);
    }

    /// <summary>
    /// Keeps only the stored bits of each sample (shifted down by <paramref name="shift"/>) and sign-extends signed
    /// data from <see cref="DicomPixelFormat.BitsStored"/>; nothing to do when all allocated bits are stored.
    /// </summary>
    public static void NormalizeBits(Span<byte> data, DicomPixelFormat format, int shift)
    {
        int bits = format.BitsStored;
        if (format.IsFloat || (bits == format.BitsAllocated && shift == 0))
        {
            return;
        }

        switch (format.BitsAllocated)
        {
            case 8:
                Normalize(data, bits, shift, format.IsSigned);
                break;
            case 16:
                Normalize(MemoryMarshal.Cast<byte, ushort>(data), bits, shift, format.IsSigned);
                break;
            case 32:
                Normalize(MemoryMarshal.Cast<byte, uint>(data), bits, shift, format.IsSigned);
                break;
        }
    }

    private static void Normalize(Span<byte> values, int bits, int shift, bool signed)
    {
        int mask = (1 << bits) - 1, left = 32 - bits;
        for (int i = 0; i < values.Length; i++)
        {
            int v = (values[i] >> shift) & mask;
            values[i] = (byte)(signed ? (v << left) >> left : v);
        }
    }

    private static void Normalize(Span<ushort> values, int bits, int shift, bool signed)
    {
        int mask = (1 << bits) - 1, left = 32 - bits;
        for (int i = 0; i < values.Length; i++)
        {
            int v = (values[i] >> shift) & mask;
            values[i] = (ushort)(signed ? (v << left) >> left : v);
        }
    }

    private static void Normalize(Span<uint> values, int bits, int shift, bool signed)
    {
        ulong mask = (1UL << bits) - 1;
        int left = 64 - bits;
        for (int i = 0; i < values.Length; i++)
        {
            long v = (long)((values[i] >> shift) & mask);
            values[i] = (uint)(signed ? (v << left) >> left : v);
        }
    }

    private static void ExpandYbr422(ReadOnlySpan<byte> stored, DicomPixelFormat format, Span<byte> destination)
    {
        if (format.BitsAllocated != 8)
        {
            throw new UnsupportedFormatException($"YBR_FULL_422 with {format.BitsAllocated} bits allocated is not supported");
        }

        int columns = format.Columns;
        int source = 0, target = 0;
        for (int y = 0; y < format.Rows; y++)
        {
            for (int x = 0; x < columns; x += 2)
            {
                byte y0 = stored[source], y1 = stored[source + 1], cb = stored[source + 2], cr = stored[source + 3];
                source += 4;
                destination[target++] = y0;
                destination[target++] = cb;
                destination[target++] = cr;
                if (x + 1 < columns)
                {
                    destination[target++] = y1;
                    destination[target++] = cb;
                    destination[target++] = cr;
                }
            }
        }
    }
}
