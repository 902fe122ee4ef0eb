using System.Buffers.Binary;

namespace MedVox.Dicom.Pixels;

/// <summary>RLE Lossless (PS3.5 G): one PackBits segment per byte plane of each sample, most significant byte first.</summary>
internal static class RleDecoder
{
    /// <summary>Decodes one frame into <paramref name="destination"/> (samples interleaved, native little endian).</summary>
    public static void Decode(ReadOnlySpan<byte> frame, DicomPixelFormat format, Span<byte> destination, string path)
    {
        if (frame.Length < 64)
        {
            throw new InvalidImageFileException($"an RLE frame of {frame.Length} bytes is shorter than its 64-byte header", path, "PixelData", "the file is corrupt");
        }

        int bytesPerSample = Math.Max(format.BitsAllocated / 8, 1);
        int samples = format.SamplesPerPixel;
        int expected = samples * bytesPerSample;
        int count = (int)BinaryPrimitives.ReadUInt32LittleEndian(frame);
        if (count != expected)
        {
            throw new InvalidImageFileException($"the RLE header lists {count} segments; {expected} are needed for {samples} sample(s) of {format.BitsAllocated} bits", path, "PixelData", "the file is corrupt");
        }

        int pixels = checked((int)format.PixelsPerFrame);
        int stride = expected;
        for (int segment = 0; segment < count; segment++)
        {
            int start = (int)BinaryPrimitives.ReadUInt32LittleEndian(frame[(4 + (4 * segment))..]);
            int end = segment + 1 < count ? (int)BinaryPrimitives.ReadUInt32LittleEndian(frame[(8 + (4 * segment))..]) : frame.Length;
            if (start < 64 || start > frame.Length || end < start || end > frame.Length)
            {
                throw new InvalidImageFileException($"RLE segment {segment + 1} lies outside its frame (offsets {start}..{end} of {frame.Length})", path, "PixelData", "the file is corrupt");
            }

            int sample = segment / bytesPerSample;
            int byteInSample = bytesPerSample - 1 - (segment % bytesPerSample);
            int written = DecodeSegment(frame[start..end], destination, (sample * bytesPerSample) + byteInSample, stride, pixels);
            if (written < pixels)
            {
                throw new InvalidImageFileException($"RLE segment {segment + 1} decodes to {written} bytes, {pixels} expected", path, "PixelData", "the file is truncated or corrupt");
            }
        }
    }

    /// <summary>PackBits: n in 0..127 copies n+1 literal bytes, -127..-1 repeats the next byte 1-n times, -128 is a no-op.</summary>
    private static int DecodeSegment(ReadOnlySpan<byte> source, Span<byte> destination, int first, int stride, int count)
    {
        int written = 0, position = 0;
        while (written < count && position < source.Length)
        {
            int n = (sbyte)source[position++];
            if (n >= 0)
            {
                int run = Math.Min(n + 1, Math.Min(count - written, source.Length - position));
                for (int i = 0; i < run; i++)
                {
                    destination[first + ((written + i) * stride)] = source[position + i];
                }

                position += n + 1;
                written += run;
            }
            else if (n != -128)
            {
                if (position >= source.Length)
                {
                    break;
                }

                byte value = source[position++];
                int run = Math.Min(1 - n, count - written);
                for (int i = 0; i < run; i++)
                {
                    destination[first + ((written + i) * stride)] = value;
                }

                written += run;
            }
        }

        return written;
    }
}
