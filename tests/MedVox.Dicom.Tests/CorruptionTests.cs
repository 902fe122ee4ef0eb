using MedVox.Dicom.Pixels;
using MedVox.Testing;

namespace MedVox.Dicom.Tests;

/// <summary>
/// Seeded corruption of real files (byte flips, overwritten lengths, truncation): every variant must decode or fail
/// with a one-line <see cref="MedVoxException"/>; never another exception, never a hang.
/// </summary>
public class CorruptionTests
{
    public static TheoryData<string> Files => new()
    {
        "CT_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_RLE.dcm", "SC_rgb_jpeg_dcmtk.dcm",
        "SC_rgb_jpeg_gdcm.dcm", "JPEG-lossy.dcm", "image_dfl.dcm", "test-SR.dcm", "SC_rgb_rle_16bit_2frame.dcm", "liver_1frame.dcm",
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void CorruptedVariantsFailCleanly(string name)
    {
        var original = File.ReadAllBytes(Path.Combine(TestData.PydicomData, name));
        using var folder = TestData.CreateTempFolder();
        var random = new Random(name.Length * 7919);
        for (int variant = 0; variant < 150; variant++)
        {
            var bytes = (byte[])original.Clone();
            switch (variant % 3)
            {
                case 0:
                    for (int i = 0; i < 1 + (variant % 8); i++)
                    {
                        bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                    }

                    break;
                case 1:
                    // Overwrite 4 bytes with a large or small length-like value somewhere in the header.
                    int at = random.Next(Math.Min(bytes.Length - 4, 2048));
                    BitConverter.GetBytes(random.Next(2) == 0 ? 0xFFFFFFF0u : (uint)random.Next(1 << 20)).CopyTo(bytes, at);
                    break;
                default:
                    bytes = bytes[..random.Next(bytes.Length)];
                    break;
            }

            string path = folder.File($"v{variant}.dcm");
            File.WriteAllBytes(path, bytes);
            try
            {
                var file = DicomFile.Open(path);
                if (file.PixelData is not null)
                {
                    using var image = new DicomPixelReader(file).DecodeAll();
                }
            }
            catch (MedVoxException ex)
            {
                Assert.DoesNotContain('\n', ex.Message);
            }
            catch (Exception ex)
            {
                Assert.Fail($"variant {variant} of {name}: {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
            }
        }
    }
}
