using System.Buffers.Binary;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Memory;

namespace MedVox.Dicom.Pixels;

/// <summary>
/// Decodes the frames of one file into stored sample values (no rescale, no colour conversion): native data read
/// straight from the file into the destination, encapsulated data (RLE, 8/12-bit DCT JPEG, JPEG lossless) decoded per
/// frame. JPEG-LS and JPEG 2000 end in <see cref="UnsupportedFormatException"/> naming the syntax and how to convert.
/// Frames may be decoded concurrently.
/// </summary>
public sealed class DicomPixelReader
{
    private readonly DicomFile _file;
    private readonly DicomPixelDataLocation _location;
    private Fragments? _fragments;

    public DicomPixelReader(DicomFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        _file = file;
        _location = file.PixelData ?? throw new InvalidImageFileException("the file has no pixel data", file.Path, "PixelData");
        Format = DicomPixelFormat.FromFile(file);
        CheckSupported();
        if (!_location.IsEncapsulated)
        {
            long needed = (Format.StoredFrameBits * Format.Frames + 7) / 8;
            if (_location.Length < needed)
            {
                throw new InvalidImageFileException(
                    $"pixel data holds {_location.Length} bytes; {Format.Frames} frame(s) of {Format.Columns}x{Format.Rows}x{Format.SamplesPerPixel} at {Format.BitsAllocated} bits need {needed}",
                    file.Path, "PixelData", "the file is truncated or its header is wrong");
            }
        }
    }

    public DicomPixelFormat Format { get; }

    public DicomFile File => _file;

    /// <summary>Decodes frame <paramref name="frame"/> into <paramref name="destination"/> (<see cref="DicomPixelFormat.FrameBytes"/> bytes).</summary>
    public void DecodeFrame(int frame, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frame);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(frame, Format.Frames);
        if (destination.Length < Format.FrameBytes)
        {
            throw new ArgumentException($"A frame needs {Format.FrameBytes} bytes.", nameof(destination));
        }

        destination = destination[..(int)Format.FrameBytes];
        if (_location.IsEncapsulated)
        {
            DecodeEncapsulated(frame, destination);
        }
        else
        {
            DecodeNative(frame, destination);
        }
    }

    /// <summary>
    /// All frames as one image of stored values: size Columns x Rows x Frames (a single frame gives a 2D image),
    /// samples interleaved, unit geometry. For conformance checks and single files; series go through the loader.
    /// </summary>
    public Image DecodeAll(AllocationOptions? allocation = null)
    {
        var size = Format.Frames == 1 ? ImageSize.Of2D(Format.Columns, Format.Rows) : ImageSize.Of3D(Format.Columns, Format.Rows, Format.Frames);
        var image = Image.Create(new ImageGeometry(size), Format.StoredType, Format.SamplesPerPixel, allocation);
        try
        {
            image.IsColor = Format.SamplesPerPixel == 3;
            for (int f = 0; f < Format.Frames; f++)
            {
                DecodeFrame(f, image.GetSliceBytes(f));
            }

            return image;
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    private void CheckSupported()
    {
        var syntax = _file.TransferSyntax;
        string name = syntax.ToString();
        switch (syntax.Pixels)
        {
            case PixelEncoding.Native:
                if (_location.IsEncapsulated)
                {
                    throw new InvalidImageFileException($"pixel data is encapsulated but the transfer syntax is {name}", _file.Path, "PixelData", "the file is inconsistent");
                }

                return;
            case PixelEncoding.Rle or PixelEncoding.JpegBaseline or PixelEncoding.JpegExtended or PixelEncoding.JpegLossless:
                if (!_location.IsEncapsulated)
                {
                    throw new InvalidImageFileException($"the transfer syntax is {name} but the pixel data is not encapsulated", _file.Path, "PixelData", "the file is inconsistent");
                }

                if (Format.IsFloat)
                {
                    throw new InvalidImageFileException("float pixel data cannot be compressed", _file.Path, "PixelData");
                }

                return;
            case PixelEncoding.JpegLS:
            case PixelEncoding.Jpeg2000:
            default:
                throw new UnsupportedFormatException(
                    $"pixel data compressed as {name} is not supported", _file.Path, "TransferSyntaxUID",
                    "convert the files to an uncompressed syntax first, e.g. gdcmconv --raw IN OUT (or dcmdjpls), then load them again");
        }
    }

    private void DecodeNative(int frame, Span<byte> destination)
    {
        bool big = _file.TransferSyntax.BigEndian || _file.Dataset.Encoding.BigEndian;
        bool swapPairs = big && _location.VR == DicomVR.OW && Format.BitsAllocated == 8;
        long frameBits = Format.StoredFrameBits;
        long startBit = frameBits * frame;
        long start = _location.Offset + (startBit >> 3);
        int bitOffset = (int)(startBit & 7);
        int storedBytes = (int)((bitOffset + frameBits + 7) / 8);
        bool direct = Format.BitsAllocated >= 8 && !Format.IsPlanar && !Format.IsYbr422 && !swapPairs && storedBytes == destination.Length;
        if (direct)
        {
            // The common case: read the stored frame straight into the destination and fix it up in place.
            _file.ReadPixelBytes(start, destination);
            NativePixels.Convert(destination, Format, big, false, 0, destination);
            return;
        }

        if (swapPairs && (start & 1) != 0)
        {
            start--;
            storedBytes++;
        }

        var stored = _file.ReadPixelBytes(start, storedBytes);
        NativePixels.Convert(stored, Format, big, swapPairs, bitOffset, destination);
    }

    private void DecodeEncapsulated(int frame, Span<byte> destination)
    {
        // Readers are shared by the frames of a multi-frame file, decoded in parallel: the fragment table is built once.
        var fragments = LazyInitializer.EnsureInitialized(ref _fragments, () => Fragments.Read(_file, _location, Format));
        var data = fragments.GetFrame(frame);
        switch (_file.TransferSyntax.Pixels)
        {
            case PixelEncoding.Rle:
                RleDecoder.Decode(data, Format, destination, _file.Path);
                break;
            case PixelEncoding.JpegLossless:
                int bytesPerSample = Format.BitsAllocated / 8;
                if (Format.BitsAllocated is not (8 or 16))
                {
                    throw new UnsupportedFormatException($"JPEG lossless with {Format.BitsAllocated} bits allocated is not supported", _file.Path, "BitsAllocated");
                }

                JpegLosslessDecoder.Decode(data.ToArray(), Format, bytesPerSample, destination, _file.Path);
                NativePixels.NormalizeBits(destination, Format, 0);
                break;
            default:
                if (Format.BitsAllocated is not (8 or 16))
                {
                    throw new UnsupportedFormatException($"DCT JPEG with {Format.BitsAllocated} bits allocated is not supported", _file.Path, "BitsAllocated", "convert the file with gdcmconv --raw first");
                }

                JpegDctDecoder.Decode(data.ToArray(), Format, destination, _file.Path);
                NativePixels.NormalizeBits(destination, Format, 0);
                break;
        }
    }

    /// <summary>The fragments of encapsulated pixel data and which belong to each frame (PS3.5 A.4).</summary>
    private sealed class Fragments
    {
        private readonly byte[] _data;
        private readonly List<(int Offset, int Length)> _fragments;
        private readonly List<(int First, int Count)> _frames;

        private Fragments(byte[] data, List<(int, int)> fragments, List<(int, int)> frames)
        {
            _data = data;
            _fragments = fragments;
            _frames = frames;
        }

        public static Fragments Read(DicomFile file, DicomPixelDataLocation location, DicomPixelFormat format)
        {
            var data = file.ReadToEnd(location.Offset);
            var items = new List<(int Offset, int Length)>();
            int position = 0;
            bool ended = false;
            while (position + 8 <= data.Length)
            {
                ushort group = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(position));
                ushort element = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(position + 2));
                uint length = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(position + 4));
                position += 8;
                if (group == 0xFFFE && element == 0xE0DD)
                {
                    ended = true;
                    break;
                }

                if (group != 0xFFFE || element != 0xE000)
                {
                    throw new InvalidImageFileException($"encapsulated pixel data holds ({group:X4},{element:X4}) where a fragment item was expected", file.Path, "PixelData", "the file is corrupt");
                }

                if (length > data.Length - position)
                {
                    throw new InvalidImageFileException($"a pixel data fragment claims {length} bytes but only {data.Length - position} remain", file.Path, "PixelData", "the file is truncated");
                }

                items.Add((position, (int)length));
                position += (int)length;
            }

            if (!ended)
            {
                throw new InvalidImageFileException("encapsulated pixel data has no sequence delimiter: the file ends inside it", file.Path, "PixelData", "the file is truncated");
            }

            if (items.Count < 2)
            {
                throw new InvalidImageFileException("encapsulated pixel data holds no fragments", file.Path, "PixelData", "the file is corrupt");
            }

            // The first item is the basic offset table; frames follow.
            var table = items[0];
            var fragments = items.GetRange(1, items.Count - 1);
            var frames = MapFrames(file, data, table, fragments, format);
            long compressed = 0;
            foreach (var (_, length) in fragments)
            {
                compressed += length;
            }

            // Even a flat image compresses far less than 1:4096; a larger claim is a corrupt header.
            if (format.FrameBytes * format.Frames > (compressed * 4096) + (16 << 20))
            {
                throw new InvalidImageFileException($"{format.Frames} frame(s) of {format.FrameBytes} bytes cannot come from {compressed} compressed bytes", file.Path, "NumberOfFrames", "the header is corrupt");
            }

            return new Fragments(data, fragments, frames);
        }

        public ReadOnlySpan<byte> GetFrame(int frame)
        {
            var (first, count) = _frames[frame];
            if (count == 1)
            {
                var (offset, length) = _fragments[first];
                return _data.AsSpan(offset, length);
            }

            int total = 0;
            for (int i = 0; i < count; i++)
            {
                total += _fragments[first + i].Length;
            }

            var joined = new byte[total];
            int at = 0;
            for (int i = 0; i < count; i++)
            {
                var (offset, length) = _fragments[first + i];
                _data.AsSpan(offset, length).CopyTo(joined.AsSpan(at));
                at += length;
            }

            return joined;
        }

        private static List<(int, int)> MapFrames(DicomFile file, byte[] data, (int Offset, int Length) table, List<(int Offset, int Length)> fragments, DicomPixelFormat format)
        {
            int frames = format.Frames;
            var result = new List<(int, int)>(frames);
            if (frames == 1)
            {
                result.Add((0, fragments.Count));
                return result;
            }

            if (fragments.Count == frames)
            {
                for (int i = 0; i < frames; i++)
                {
                    result.Add((i, 1));
                }

                return result;
            }

            if (fragments.Count < frames)
            {
                throw new InvalidImageFileException($"{frames} frames are declared but the pixel data holds only {fragments.Count} fragments", file.Path, "NumberOfFrames", "the file is truncated or its header is wrong");
            }

            // Basic offset table: byte offsets of each frame's first fragment item, from the first fragment item.
            if (table.Length >= 4 * frames)
            {
                var starts = new List<int>(frames);
                int firstItem = fragments[0].Offset - 8;
                for (int i = 0; i < frames; i++)
                {
                    long relative = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(table.Offset + (4 * i)));
                    int index = fragments.FindIndex(f => f.Offset - 8 - firstItem == relative);
                    if (index < 0)
                    {
                        throw new InvalidImageFileException($"the basic offset table points frame {i + 1} at byte {relative}, where no fragment starts", file.Path, "PixelData", "the file is corrupt");
                    }

                    starts.Add(index);
                }

                for (int i = 0; i < frames; i++)
                {
                    int end = i + 1 < frames ? starts[i + 1] : fragments.Count;
                    result.Add((starts[i], end - starts[i]));
                }

                return result;
            }

            // No offset table: a JPEG frame starts with an SOI marker (FFD8).
            for (int i = 0; i < fragments.Count; i++)
            {
                var (offset, length) = fragments[i];
                if (length >= 2 && data[offset] == 0xFF && data[offset + 1] == 0xD8)
                {
                    if (result.Count > 0)
                    {
                        var (first, _) = result[^1];
                        result[^1] = (first, i - first);
                    }

                    result.Add((i, fragments.Count - i));
                }
            }

            if (result.Count != frames)
            {
                throw new InvalidImageFileException($"cannot tell which of {fragments.Count} fragments belong to which of {frames} frames (no offset table)", file.Path, "PixelData", "re-encode the file with one fragment per frame");
            }

            return result;
        }
    }
}
