using System.Security.Cryptography;
using MedVox.Dicom.Pixels;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Dicom.Tests;

/// <summary>
/// Every file in pydicom's test_files folder (Debian python3-pydicom 2.3.1) with its expected outcome. Pixel
/// expectations ("dtype (shape) sha256[:16]" of the little-endian pixel_array bytes) were obtained once by running
/// pydicom 2.3.1 with numpy 1.24 and python3-gdcm 3.0.21 as pixel handlers:
/// <c>a = pydicom.dcmread(f).pixel_array; sha256(a.astype(a.dtype.newbyteorder('&lt;')).tobytes())</c>.
/// Files that pydicom+GDCM decode but MedVox does not (JPEG 2000, JPEG-LS) must fail with
/// <see cref="UnsupportedFormatException"/>; broken or non-DICOM files (and files pydicom also rejects: truncated pixel
/// data, NumberOfFrames "1A", pixel data without Rows/Columns, a stray byte before the data set) with
/// <see cref="InvalidImageFileException"/>; files without pixel data must open with <see cref="DicomFile.PixelData"/> null.
/// DCT JPEG (8-bit baseline with subsampled YCbCr, and 12-bit extended) must match GDCM bit for bit: MedVox's decoder
/// follows libjpeg 6b's integer IDCT and fancy upsampling, as GDCM's does.
/// </summary>
public class PydicomConformanceTests
{
    public static TheoryData<string, string> Expectations => new()
    {
        { "693_J2KI.dcm", "unsupported" },
        { "CT_small.dcm", "int16 (128, 128) 7a481f6ffff833ae" },
        { "ExplVR_BigEnd.dcm", "uint8 (60, 80, 3) 1583c4339dd36e91" },
        { "ExplVR_BigEndNoMeta.dcm", "no pixels" },
        { "ExplVR_LitEndNoMeta.dcm", "no pixels" },
        { "GDCMJ2K_TextGBR.dcm", "unsupported" },
        { "J2K_pixelrep_mismatch.dcm", "unsupported" },
        { "JPEG-lossy.dcm", "uint16 (1024, 256) d30242775a414c01" },
        { "JPEG2000-embedded-sequence-delimiter.dcm", "unsupported" },
        { "JPEG2000.dcm", "unsupported" },
        { "JPGExtended.dcm", "uint16 (1024, 256) d30242775a414c01" },
        { "MR_small.dcm", "int16 (64, 64) 88617aaa46138fb1" },
        { "MR_small_RLE.dcm", "int16 (64, 64) 88617aaa46138fb1" },
        { "MR_small_bigendian.dcm", "int16 (64, 64) 88617aaa46138fb1" },
        { "MR_small_expb.dcm", "int16 (64, 64) 88617aaa46138fb1" },
        { "MR_small_implicit.dcm", "int16 (64, 64) 88617aaa46138fb1" },
        { "MR_small_jp2klossless.dcm", "unsupported" },
        { "MR_small_jpeg_ls_lossless.dcm", "unsupported" },
        { "MR_small_padded.dcm", "int16 (64, 64) 88617aaa46138fb1" },
        { "MR_truncated.dcm", "invalid" },
        { "README.txt", "invalid" },
        { "SC_jpeg_no_color_transform.dcm", "uint8 (256, 256, 3) be7aa556b206ac44" },
        { "SC_jpeg_no_color_transform_2.dcm", "uint8 (256, 256, 3) 334275c10bc60e80" },
        { "SC_rgb_dcmtk_+eb+cr.dcm", "uint8 (100, 100, 3) e414aaca68669516" },
        { "SC_rgb_dcmtk_+eb+cy+n1.dcm", "uint8 (100, 100, 3) 74588bc79349380d" },
        { "SC_rgb_dcmtk_+eb+cy+n2.dcm", "uint8 (100, 100, 3) ddddadc3c3d361b5" },
        { "SC_rgb_dcmtk_+eb+cy+np.dcm", "uint8 (100, 100, 3) 74588bc79349380d" },
        { "SC_rgb_dcmtk_+eb+cy+s2.dcm", "uint8 (100, 100, 3) ddddadc3c3d361b5" },
        { "SC_rgb_dcmtk_+eb+cy+s4.dcm", "uint8 (100, 100, 3) ddddadc3c3d361b5" },
        { "SC_rgb_gdcm_KY.dcm", "unsupported" },
        { "SC_rgb_jpeg.dcm", "uint8 (256, 256, 3) be7aa556b206ac44" },
        { "SC_rgb_jpeg_app14_dcmd.dcm", "uint8 (256, 256, 3) 334275c10bc60e80" },
        { "SC_rgb_jpeg_dcmd.dcm", "uint8 (256, 256, 3) be7aa556b206ac44" },
        { "SC_rgb_jpeg_dcmtk.dcm", "uint8 (100, 100, 3) ddddadc3c3d361b5" },
        { "SC_rgb_jpeg_gdcm.dcm", "uint8 (100, 100, 3) 169e619557b12114" },
        { "SC_rgb_jpeg_lossy_gdcm.dcm", "uint8 (100, 100, 3) c66ae25dc7252c45" },
        { "SC_rgb_rle.dcm", "uint8 (100, 100, 3) 169e619557b12114" },
        { "SC_rgb_rle_16bit.dcm", "uint16 (100, 100, 3) 36de0258708d3af7" },
        { "SC_rgb_rle_16bit_2frame.dcm", "uint16 (2, 100, 100, 3) d7e2338dd240b58c" },
        { "SC_rgb_rle_2frame.dcm", "uint8 (2, 100, 100, 3) 026dac3bc332e46b" },
        { "SC_rgb_rle_32bit.dcm", "uint32 (100, 100, 3) 1a243c9351e3a9ae" },
        { "SC_rgb_rle_32bit_2frame.dcm", "uint32 (2, 100, 100, 3) 3caa80cc3032f745" },
        { "SC_rgb_small_odd.dcm", "uint8 (3, 3, 3) ef2df252ba3cd066" },
        { "SC_rgb_small_odd_jpeg.dcm", "uint8 (3, 3, 3) 773e6f89b7f5b520" },
        { "SC_ybr_full_422_uncompressed.dcm", "uint8 (100, 100, 3) ddddadc3c3d361b5" },
        { "UN_sequence.dcm", "no pixels" },
        { "badVR.dcm", "invalid" },
        { "dicomdirtests/77654033/CR1/6154", "uint16 (16, 16) b4f80ef9a5bb7ada" },
        { "dicomdirtests/77654033/CR2/6247", "uint16 (16, 16) c75000e585b6f793" },
        { "dicomdirtests/77654033/CR3/6278", "uint16 (16, 16) e9e644f9f19700ae" },
        { "dicomdirtests/77654033/CT2/17106", "int16 (16, 16) dc3e50f720085437" },
        { "dicomdirtests/77654033/CT2/17136", "int16 (16, 16) 8fcf0892e27e8626" },
        { "dicomdirtests/77654033/CT2/17166", "int16 (16, 16) 4c2de77e2b30e201" },
        { "dicomdirtests/77654033/CT2/17196", "int16 (16, 16) 2ce85835439ff146" },
        { "dicomdirtests/98892001/CT2N/6293", "int16 (16, 16) 13830e9dfa93d30f" },
        { "dicomdirtests/98892001/CT2N/6924", "int16 (16, 16) 490e9ce50bd5eb91" },
        { "dicomdirtests/98892001/CT5N/2062", "int16 (16, 16) 3235337d6bd43145" },
        { "dicomdirtests/98892001/CT5N/2392", "int16 (16, 16) 8793c11085b78cd2" },
        { "dicomdirtests/98892001/CT5N/2693", "int16 (16, 16) 4fd4da8f7115450f" },
        { "dicomdirtests/98892001/CT5N/3023", "int16 (16, 16) 591cb7b6d7ef5994" },
        { "dicomdirtests/98892001/CT5N/3353", "int16 (16, 16) 7aaf88522f22b56b" },
        { "dicomdirtests/98892003/MR1/15820", "int16 (16, 16) 0c1d5c2e1bf64705" },
        { "dicomdirtests/98892003/MR1/4919", "int16 (16, 16) 4ed14538799710bb" },
        { "dicomdirtests/98892003/MR1/5641", "int16 (16, 16) 0c2c1b4d10adc6c9" },
        { "dicomdirtests/98892003/MR2/15970", "int16 (16, 16) 68838316a48739f3" },
        { "dicomdirtests/98892003/MR2/4950", "int16 (16, 16) f2dc95308176cb2a" },
        { "dicomdirtests/98892003/MR2/4981", "int16 (16, 16) 25f3f7c6cf7785b0" },
        { "dicomdirtests/98892003/MR2/5011", "int16 (16, 16) b2b771655d17aaaa" },
        { "dicomdirtests/98892003/MR2/6273", "int16 (16, 16) df13acf6608f72bb" },
        { "dicomdirtests/98892003/MR2/6605", "int16 (16, 16) acc6db91e4fb9190" },
        { "dicomdirtests/98892003/MR2/6935", "int16 (16, 16) 0a2bf896bb1a4aa4" },
        { "dicomdirtests/98892003/MR700/4467", "int16 (16, 16) 94d8e8756ae36efa" },
        { "dicomdirtests/98892003/MR700/4528", "int16 (16, 16) 732ce909b2452781" },
        { "dicomdirtests/98892003/MR700/4558", "int16 (16, 16) 580a7b4ea15fb073" },
        { "dicomdirtests/98892003/MR700/4588", "int16 (16, 16) 6ecf6197bb868ca0" },
        { "dicomdirtests/98892003/MR700/4618", "int16 (16, 16) 03155c1a869a959b" },
        { "dicomdirtests/98892003/MR700/4648", "int16 (16, 16) 121481a32b953bd8" },
        { "dicomdirtests/98892003/MR700/4678", "int16 (16, 16) 188a112d64c75019" },
        { "dicomdirtests/DICOMDIR", "no pixels" },
        { "dicomdirtests/DICOMDIR-bigEnd", "no pixels" },
        { "dicomdirtests/DICOMDIR-empty.dcm", "no pixels" },
        { "dicomdirtests/DICOMDIR-implicit", "no pixels" },
        { "dicomdirtests/DICOMDIR-nooffset", "invalid" }, // its last item claims 248 bytes, 224 remain
        { "dicomdirtests/DICOMDIR-nopatient", "no pixels" },
        { "dicomdirtests/DICOMDIR-reordered", "no pixels" },
        { "dicomdirtests/README.txt", "invalid" },
        { "dicomdirtests/TINY_ALPHA/DICOMDIR", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000000", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000001", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000002", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000003", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000004", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000005", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000006", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000007", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000008", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000009", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000A", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000B", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000C", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000D", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000E", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000F", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000G", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000H", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000I", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000J", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000K", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000L", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000M", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000N", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000O", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000P", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000Q", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000R", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000S", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000T", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000U", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000V", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000W", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000X", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000Y", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000Z", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000010", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000011", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000012", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000013", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000014", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000015", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000016", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000017", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000018", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000019", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00001A", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00001B", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00001C", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00001D", "no pixels" },
        { "dicomdirtests/TINY_ALPHA/README", "invalid" },
        { "empty_charset_LEI.dcm", "no pixels" },
        { "image_dfl.dcm", "uint8 (512, 512) 1f5f1b1c1a57606a" },
        { "liver_1frame.dcm", "uint8 (512, 512) e036a07b502fdfd1" },
        { "liver_expb_1frame.dcm", "uint8 (512, 512) e036a07b502fdfd1" },
        { "meta_missing_tsyntax.dcm", "invalid" },
        { "nested_priv_SQ.dcm", "invalid" },
        { "no_meta.dcm", "invalid" },
        { "no_meta_group_length.dcm", "no pixels" },
        { "priv_SQ.dcm", "no pixels" },
        { "reportsi.dcm", "no pixels" },
        { "reportsi_with_empty_number_tags.dcm", "no pixels" },
        { "rtdose.dcm", "uint32 (15, 10, 10) e30a4288ac229022" },
        { "rtdose_1frame.dcm", "uint32 (10, 10) 67f96b3373d7acf1" },
        { "rtdose_expb.dcm", "uint32 (15, 10, 10) e30a4288ac229022" },
        { "rtdose_expb_1frame.dcm", "uint32 (10, 10) 67f96b3373d7acf1" },
        { "rtdose_rle.dcm", "uint32 (15, 10, 10) e30a4288ac229022" },
        { "rtdose_rle_1frame.dcm", "uint32 (10, 10) 67f96b3373d7acf1" },
        { "rtplan.dcm", "no pixels" },
        { "rtplan.dump", "invalid" },
        { "rtplan_truncated.dcm", "invalid" }, // pydicom stops quietly at the cut; MedVox reports it
        { "rtstruct.dcm", "no pixels" },
        { "rtstruct.dump", "invalid" },
        { "test-SR.dcm", "no pixels" },
        { "test1.json", "invalid" },
        { "test_PN.json", "invalid" },
        { "waveform_ecg.dcm", "no pixels" },
        { "zipMR.gz", "invalid" },
    };

    [Theory]
    [MemberData(nameof(Expectations))]
    public void FileDecodesAsPydicomOrFailsClearly(string relative, string expected)
    {
        string path = Path.Combine(TestData.PydicomData, relative);
        switch (expected)
        {
            case "invalid":
                var invalid = Assert.Throws<InvalidImageFileException>(() => Decode(path));
                Assert.Contains(path, invalid.Message, StringComparison.Ordinal);
                Assert.DoesNotContain('\n', invalid.Message);
                break;
            case "unsupported":
                var unsupported = Assert.Throws<UnsupportedFormatException>(() => Decode(path));
                Assert.Contains(path, unsupported.Message, StringComparison.Ordinal);
                Assert.Contains("convert", unsupported.Message, StringComparison.OrdinalIgnoreCase);
                break;
            case "no pixels":
                var file = DicomFile.Open(path);
                Assert.Null(file.PixelData);
                Assert.True(file.Dataset.Count > 0);
                break;
            default:
                using (var image = Decode(path))
                {
                    Assert.Equal(expected, Describe(image));
                }

                break;
        }
    }

    [Fact]
    public void EveryFileInTheFolderHasAnExpectation()
    {
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in Expectations)
        {
            listed.Add((string)row.Data.Item1);
        }

        var present = Directory.EnumerateFiles(TestData.PydicomData, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(TestData.PydicomData, f).Replace('\\', '/'))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Empty(present.Except(listed));
        Assert.Empty(listed.Except(present));
    }

    internal static Image Decode(string path) => new DicomPixelReader(DicomFile.Open(path)).DecodeAll();

    /// <summary>Formats an image of stored values as pydicom prints pixel_array: dtype, shape (frames, rows, columns[, samples]), hash.</summary>
    internal static string Describe(Image image)
    {
        var shape = new List<int>();
        if (image.Size.Rank == 3)
        {
            shape.Add(image.Size.Z);
        }

        shape.Add(image.Size.Y);
        shape.Add(image.Size.X);
        if (image.Channels > 1)
        {
            shape.Add(image.Channels);
        }

        string hash = Convert.ToHexStringLower(SHA256.HashData(image.AsBytes()))[..16];
        return $"{image.ElementType.Name()} ({string.Join(", ", shape)}) {hash}";
    }
}
