using BitMiracle.LibJpeg.Classic;

namespace MedVox.Dicom.Pixels;

/// <summary>
/// 8-bit DCT JPEG (baseline, and 8-bit extended) through BitMiracle.LibJpeg.NET, a port of IJG libjpeg 6b: the same
/// integer IDCT and fancy upsampling as the libjpeg inside GDCM and DCMTK. The DICOM photometric interpretation is
/// trusted over JPEG markers, as GDCM does: no colour transform is applied (RGB stays RGB, YBR_FULL stays YCbCr).
/// </summary>
internal static class JpegBaselineDecoder
{
    public static void Decode(byte[] data, DicomPixelFormat format, Span<byte> destination, string path, string syntaxName)
    {
        var info = new jpeg_decompress_struct(new jpeg_error_mgr());
        try
        {
            using var stream = new MemoryStream(data, writable: false);
            info.jpeg_stdio_src(stream);
            info.jpeg_read_header(true);
            if (info.Data_precision != 8)
            {
                throw new UnsupportedFormatException(
                    $"{info.Data_precision}-bit DCT JPEG ({syntaxName}) is not supported; only 8-bit is", path, "PixelData",
                    "convert the file with gdcmconv --raw or dcmdjpeg first");
            }

            if (info.Image_width != format.Columns || info.Image_height != format.Rows || info.Num_components != format.SamplesPerPixel)
            {
                throw new InvalidImageFileException(
                    $"the JPEG frame is {info.Image_width}x{info.Image_height}x{info.Num_components}, the DICOM header says {format.Columns}x{format.Rows}x{format.SamplesPerPixel}",
                    path, "PixelData", "the file is inconsistent");
            }

            if (format.SamplesPerPixel == 3)
            {
                var space = format.Photometric == "RGB" ? J_COLOR_SPACE.JCS_RGB : J_COLOR_SPACE.JCS_YCbCr;
                info.Jpeg_color_space = space;
                info.Out_color_space = space;
            }

            info.Dct_method = J_DCT_METHOD.JDCT_ISLOW;
            info.Do_fancy_upsampling = true;
            info.jpeg_start_decompress();
            int rowBytes = format.Columns * format.SamplesPerPixel;
            var row = new byte[1][];
            row[0] = new byte[rowBytes];
            int y = 0;
            while (info.Output_scanline < info.Output_height)
            {
                int read = info.jpeg_read_scanlines(row, 1);
                if (read == 0)
                {
                    break;
                }

                row[0].AsSpan(0, rowBytes).CopyTo(destination.Slice(y * rowBytes, rowBytes));
                y++;
            }

            if (y < format.Rows)
            {
                throw new InvalidImageFileException($"the JPEG data ends after {y} of {format.Rows} rows", path, "PixelData", "the file is truncated");
            }

            info.jpeg_finish_decompress();
        }
        catch (MedVoxException)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new InvalidImageFileException($"the JPEG data cannot be decoded ({ex.Message})", path, "PixelData", "the file is damaged", ex);
        }
    }
}
