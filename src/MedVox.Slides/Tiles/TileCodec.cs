using System.IO.Compression;
using System.Runtime.InteropServices;
using SkiaSharp;

namespace MedVox.Slides.Tiles;

/// <summary>
/// Encodes and decodes one tile of 8-bit pixels (1 or 3 channels, interleaved). JPEG tiles are complete JPEG streams
/// (tables in every tile, so no JPEGTables tag): colour as YCbCr 4:4:4, grey as one component, through Skia's
/// libjpeg-turbo; deflate tiles are zlib streams as TIFF compression 8 stores them. Chroma is not subsampled because
/// readers upsample it differently (libtiff's JPEG codec without "fancy" upsampling, OpenSlide's libjpeg with it):
/// at 4:4:4 they agree to within one grey level instead of tens.
/// </summary>
internal static class TileCodec
{
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int size, int channels, TileCompression compression, int jpegQuality)
    {
        return compression == TileCompression.Jpeg
            ? EncodeJpeg(pixels, size, channels, jpegQuality)
            : EncodeDeflate(pixels);
    }

    public static void Decode(ReadOnlySpan<byte> data, Span<byte> pixels, int size, int channels, TileCompression compression)
    {
        if (compression == TileCompression.Jpeg)
        {
            DecodeJpeg(data, pixels, size, channels);
        }
        else
        {
            DecodeDeflate(data, pixels);
        }
    }

    private static byte[] EncodeDeflate(ReadOnlySpan<byte> pixels)
    {
        using var buffer = new MemoryStream(pixels.Length / 4);
        using (var zlib = new ZLibStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(pixels);
        }

        return buffer.ToArray();
    }

    private static unsafe void DecodeDeflate(ReadOnlySpan<byte> data, Span<byte> pixels)
    {
        fixed (byte* source = data)
        {
            using var stream = new UnmanagedMemoryStream(source, data.Length);
            using var zlib = new ZLibStream(stream, CompressionMode.Decompress);
            zlib.ReadExactly(pixels);
        }
    }

    private static unsafe byte[] EncodeJpeg(ReadOnlySpan<byte> pixels, int size, int channels, int quality)
    {
        if (channels == 1)
        {
            fixed (byte* p = pixels)
            {
                using var grey = new SKPixmap(new SKImageInfo(size, size, SKColorType.Gray8, SKAlphaType.Opaque), (nint)p, size);
                return EncodePixmap(grey, quality);
            }
        }

        // Skia takes 4 bytes per pixel; the fourth is ignored (opaque).
        var rgbx = new byte[size * size * 4];
        ExpandRgb(pixels, rgbx);
        fixed (byte* p = rgbx)
        {
            using var colour = new SKPixmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque), (nint)p, size * 4);
            return EncodePixmap(colour, quality);
        }
    }

    private static byte[] EncodePixmap(SKPixmap pixmap, int quality)
    {
        var options = new SKJpegEncoderOptions(quality, SKJpegEncoderDownsample.Downsample444, SKJpegEncoderAlphaOption.Ignore);
        using var data = pixmap.Encode(options) ?? throw new InvalidOperationException("JPEG encoding failed.");
        return data.ToArray();
    }

    private static unsafe void DecodeJpeg(ReadOnlySpan<byte> data, Span<byte> pixels, int size, int channels)
    {
        fixed (byte* source = data)
        {
            using var skData = SKData.Create((nint)source, data.Length);
            using var codec = SKCodec.Create(skData) ?? throw new InvalidDataException("Not a JPEG stream.");
            if (codec.Info.Width != size || codec.Info.Height != size)
            {
                throw new InvalidDataException($"The JPEG tile is {codec.Info.Width}x{codec.Info.Height}, the tile size {size}.");
            }

            var info = new SKImageInfo(size, size, channels == 1 ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Opaque);
            var decoded = new byte[info.BytesSize];
            fixed (byte* d = decoded)
            {
                var result = codec.GetPixels(info, (nint)d);
                if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
                {
                    throw new InvalidDataException($"JPEG decoding failed: {result}.");
                }
            }

            if (channels == 1)
            {
                decoded.AsSpan().CopyTo(pixels);
            }
            else
            {
                PackRgb(decoded, pixels);
            }
        }
    }

    /// <summary>RGB to RGBX (X = 255).</summary>
    internal static void ExpandRgb(ReadOnlySpan<byte> rgb, Span<byte> rgbx)
    {
        int n = rgb.Length / 3;
        var packed = MemoryMarshal.Cast<byte, uint>(rgbx);
        for (int i = 0, s = 0; i < n; i++, s += 3)
        {
            packed[i] = rgb[s] | ((uint)rgb[s + 1] << 8) | ((uint)rgb[s + 2] << 16) | 0xFF000000u;
        }
    }

    /// <summary>RGBX (or RGBA) to RGB.</summary>
    internal static void PackRgb(ReadOnlySpan<byte> rgbx, Span<byte> rgb)
    {
        int n = rgbx.Length / 4;
        for (int i = 0, s = 0, d = 0; i < n; i++, s += 4, d += 3)
        {
            rgb[d] = rgbx[s];
            rgb[d + 1] = rgbx[s + 1];
            rgb[d + 2] = rgbx[s + 2];
        }
    }
}
