using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using MedVox.Imaging;

namespace MedVox.IO.Formats.Nifti;

/// <summary>
/// How the pixels of a NIfTI file lie on disk relative to the image they become: NIfTI stores x fastest, then y, z, t
/// and, slowest, the vector components of dim[5] (planar), while MedVox interleaves components per pixel. Colour
/// (RGB24/RGBA32) is interleaved on disk already.
/// </summary>
/// <param name="StoredType">Element type on disk.</param>
/// <param name="BigEndian">Byte order on disk.</param>
/// <param name="Components">dim[5]: planar components that become interleaved channels (1 when there are none).</param>
/// <param name="Scaled">Whether scl_slope/scl_inter apply.</param>
/// <param name="Slope">scl_slope.</param>
/// <param name="Intercept">scl_inter.</param>
internal readonly record struct NiftiPixelLayout(ElementType StoredType, bool BigEndian, int Components, bool Scaled, double Slope, double Intercept);

/// <summary>Streams NIfTI pixel data into and out of images, slice by slice (rows for planar or scaled data).</summary>
internal static class NiftiPixels
{
    /// <summary>Rows are read and converted in blocks of about this many bytes.</summary>
    private const int BlockBytes = 1 << 22;

    /// <summary>
    /// Reads the pixels from <paramref name="stream"/> (positioned at the first pixel) into <paramref name="image"/>,
    /// whose element type is the stored one, or the scaled result type when <see cref="NiftiPixelLayout.Scaled"/>.
    /// </summary>
    public static void Read(Stream stream, Image image, NiftiPixelLayout layout, string path, IProgress<long>? progress)
    {
        if (!layout.Scaled && layout.Components == 1)
        {
            // The disk layout is the image layout: read straight into the slices.
            PixelStreams.ReadInto(stream, image, layout.BigEndian, path, progress);
            return;
        }

        int storedSize = layout.StoredType.Size();
        int diskChannels = image.Channels / layout.Components;
        int rowBytes = checked(image.Size.X * diskChannels * storedSize);
        int rowsPerBlock = Math.Clamp(BlockBytes / rowBytes, 1, image.Size.Y);
        bool swap = layout.BigEndian == BitConverter.IsLittleEndian && storedSize > 1;
        long total = image.ByteLength / image.ElementType.Size() * storedSize;
        byte[] block = ArrayPool<byte>.Shared.Rent(rowsPerBlock * rowBytes);
        long done = 0;
        try
        {
            for (int c = 0; c < layout.Components; c++)
            {
                for (int t = 0; t < image.Size.T; t++)
                {
                    for (int z = 0; z < image.Size.Z; z++)
                    {
                        for (int y0 = 0; y0 < image.Size.Y; y0 += rowsPerBlock)
                        {
                            int rows = Math.Min(rowsPerBlock, image.Size.Y - y0);
                            var data = block.AsSpan(0, rows * rowBytes);
                            done += PixelStreams.Fill(stream, data, path, done, total);
                            if (swap)
                            {
                                PixelStreams.SwapInPlace(data, storedSize);
                            }

                            for (int r = 0; r < rows; r++)
                            {
                                var convert = new RowConverter(
                                    data.Slice(r * rowBytes, rowBytes), image.GetRowBytes(y0 + r, z, t), image.ElementType, c, layout.Components, layout);
                                layout.StoredType.Dispatch(ref convert);
                            }
                        }

                        progress?.Report(done);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(block);
        }
    }

    /// <summary>
    /// Writes the pixels of <paramref name="image"/> little-endian in NIfTI order; with <paramref name="planar"/>,
    /// the channels are written as dim[5] components, one after the other.
    /// </summary>
    public static void Write(Stream stream, Image image, bool planar, IProgress<long>? progress)
    {
        if (!planar || image.Channels == 1)
        {
            PixelStreams.Write(stream, image, bigEndian: false, progress);
            return;
        }

        int elementSize = image.ElementType.Size();
        int components = image.Channels;
        int rowBytes = image.Size.X * elementSize;
        int rowsPerBlock = Math.Clamp(BlockBytes / rowBytes, 1, image.Size.Y);
        bool swap = !BitConverter.IsLittleEndian && elementSize > 1;
        byte[] block = ArrayPool<byte>.Shared.Rent(rowsPerBlock * rowBytes);
        long done = 0;
        try
        {
            for (int c = 0; c < components; c++)
            {
                for (int t = 0; t < image.Size.T; t++)
                {
                    for (int z = 0; z < image.Size.Z; z++)
                    {
                        for (int y0 = 0; y0 < image.Size.Y; y0 += rowsPerBlock)
                        {
                            int rows = Math.Min(rowsPerBlock, image.Size.Y - y0);
                            var data = block.AsSpan(0, rows * rowBytes);
                            for (int r = 0; r < rows; r++)
                            {
                                Gather(image.GetRowBytes(y0 + r, z, t), data.Slice(r * rowBytes, rowBytes), elementSize, c, components);
                            }

                            if (swap)
                            {
                                PixelStreams.SwapInPlace(data, elementSize);
                            }

                            stream.Write(data);
                            done += data.Length;
                        }

                        progress?.Report(done);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(block);
        }
    }

    /// <summary>The element type numpy gives for (stored type) * float32: what scaled pixels become.</summary>
    public static ElementType ScaledType(ElementType stored) => stored switch
    {
        ElementType.UInt8 or ElementType.Int8 or ElementType.UInt16 or ElementType.Int16 or ElementType.Float32 => ElementType.Float32,
        _ => ElementType.Float64,
    };

    /// <summary>Copies channel <paramref name="channel"/> of each pixel of an interleaved row into a packed row.</summary>
    private static void Gather(ReadOnlySpan<byte> interleaved, Span<byte> packed, int elementSize, int channel, int channels)
    {
        switch (elementSize)
        {
            case 1: Gather<byte>(interleaved, packed, channel, channels); break;
            case 2: Gather<ushort>(interleaved, packed, channel, channels); break;
            case 4: Gather<uint>(interleaved, packed, channel, channels); break;
            default: Gather<ulong>(interleaved, packed, channel, channels); break;
        }
    }

    private static void Gather<T>(ReadOnlySpan<byte> interleaved, Span<byte> packed, int channel, int channels)
        where T : unmanaged
    {
        var source = MemoryMarshal.Cast<byte, T>(interleaved);
        var target = MemoryMarshal.Cast<byte, T>(packed);
        for (int i = 0; i < target.Length; i++)
        {
            target[i] = source[(i * channels) + channel];
        }
    }

    /// <summary>Converts one stored row into channel <c>channel</c> of an image row, scaling if the layout says so.</summary>
    private readonly ref struct RowConverter(ReadOnlySpan<byte> source, Span<byte> target, ElementType targetType, int channel, int channels, NiftiPixelLayout layout)
        : IElementVisitor
    {
        private readonly ReadOnlySpan<byte> _source = source;
        private readonly Span<byte> _target = target;

        public void Visit<TSource>()
            where TSource : unmanaged, INumber<TSource>, IMinMaxValue<TSource>
        {
            var inner = new Typed<TSource>(_source, _target, channel, channels, layout);
            targetType.Dispatch(ref inner);
        }
    }

    private readonly ref struct Typed<TSource>(ReadOnlySpan<byte> source, Span<byte> target, int channel, int channels, NiftiPixelLayout layout)
        : IElementVisitor
        where TSource : unmanaged, INumber<TSource>
    {
        private readonly ReadOnlySpan<byte> _source = source;
        private readonly Span<byte> _target = target;

        public void Visit<TTarget>()
            where TTarget : unmanaged, INumber<TTarget>, IMinMaxValue<TTarget>
        {
            var input = MemoryMarshal.Cast<byte, TSource>(_source);
            var output = MemoryMarshal.Cast<byte, TTarget>(_target);
            if (!layout.Scaled)
            {
                // Same type: only the planar-to-interleaved move.
                for (int i = 0; i < input.Length; i++)
                {
                    output[(i * channels) + channel] = TTarget.CreateTruncating(input[i]);
                }

                return;
            }

            // As nibabel's apply_read_scaling: in float64, multiply only when slope != 1, add only when inter != 0.
            double slope = layout.Slope, intercept = layout.Intercept;
            bool multiply = slope != 1, add = intercept != 0;
            for (int i = 0; i < input.Length; i++)
            {
                double v = double.CreateTruncating(input[i]);
                if (multiply)
                {
                    v *= slope;
                }

                if (add)
                {
                    v += intercept;
                }

                output[(i * channels) + channel] = TTarget.CreateTruncating(v);
            }
        }
    }
}
