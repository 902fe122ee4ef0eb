using System.Security.Cryptography;
using MedVox.Dicom.Series;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Dicom.Tests;

public class PhotometricTests
{
    [Theory]
    [InlineData("SC_ybr_full_422_uncompressed.dcm")]
    [InlineData("SC_rgb_dcmtk_+eb+cy+n2.dcm")]
    public void YbrIsConvertedToRgbAsPydicomDoes(string name)
    {
        // Expected: pydicom 2.3.1 convert_color_space(pixel_array, "YBR_FULL", "RGB"), sha256[:16] of its bytes,
        // and the pixel at row 50, column 50 ([125, 130, 255]); both files hold the same picture.
        using var folder = TestData.CreateTempFolder();
        File.Copy(Path.Combine(TestData.PydicomData, name), folder.File(name));
        using var volume = DicomSeriesLoader.Load(folder.Path);
        var image = volume.Image;
        Assert.True(image.IsColor);
        Assert.Equal(ElementType.UInt8, image.ElementType);
        Assert.Equal([125.0, 130, 255], [image.GetValue(50, 50, 0, 0, 0), image.GetValue(50, 50, 0, 0, 1), image.GetValue(50, 50, 0, 0, 2)]);
        Assert.Equal("ddb100d8f45a7fbf", Convert.ToHexStringLower(SHA256.HashData(image.AsBytes()))[..16]);
    }

    [Fact]
    public void Monochrome1IsInvertedWithinBitsStored()
    {
        // CR1/6154 is MONOCHROME1, 12 of 16 bits stored, unsigned: inverted value = 4095 - stored value (rescale off:
        // the file also has a non-integral RescaleSlope).
        string folder = Path.Combine(TestData.PydicomData, "dicomdirtests", "77654033", "CR1");
        using var raw = PydicomConformanceTests.Decode(Path.Combine(folder, "6154"));
        using var inverted = DicomSeriesLoader.Load(folder, new DicomLoadOptions { ApplyRescale = false });
        using var kept = DicomSeriesLoader.Load(folder, new DicomLoadOptions { InvertMonochrome1 = false, ApplyRescale = false });
        Assert.Contains(inverted.Warnings, w => w.Contains("MONOCHROME1", StringComparison.Ordinal));
        for (int y = 0; y < 16; y++)
        {
            for (int x = 0; x < 16; x++)
            {
                Assert.Equal(4095 - raw.GetValue(x, y), inverted.Image.GetValue(x, y, 0));
                Assert.Equal(raw.GetValue(x, y), kept.Image.GetValue(x, y, 0));
            }
        }
    }
}
