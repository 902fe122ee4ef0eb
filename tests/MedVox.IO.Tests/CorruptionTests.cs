using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.IO.Tests;

/// <summary>
/// Damaged files of every shape: a valid MetaImage or NRRD file cut at every byte, and with every header byte replaced
/// by a digit, a line break or a NUL. Each read must give an image or a MedVox error, never another exception.
/// </summary>
public class CorruptionTests
{
    public static TheoryData<string, bool> Files() => new()
    {
        { "damaged.mha", false },
        { "damaged.mha", true },
        { "damaged.nrrd", false },
        { "damaged.nrrd", true },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void EveryTruncationEndsInAnImageOrAMedVoxError(string name, bool compress)
    {
        using var folder = TestData.CreateTempFolder();
        var bytes = ValidFile(folder, name, compress);
        string path = folder.File("cut-" + name);
        for (int length = 0; length < bytes.Length; length++)
        {
            File.WriteAllBytes(path, bytes[..length]);
            ReadOrReject(path);
        }
    }

    [Theory]
    [InlineData("damaged.mha", true)]
    [InlineData("damaged.nrrd", false)]
    public void EveryDamagedHeaderByteEndsInAnImageOrAMedVoxError(string name, bool compress)
    {
        using var folder = TestData.CreateTempFolder();
        var bytes = ValidFile(folder, name, compress);
        int headerLength = name.EndsWith(".nrrd", StringComparison.Ordinal)
            ? bytes.AsSpan().IndexOf("\n\n"u8) + 2
            : bytes.AsSpan().IndexOf("LOCAL\n"u8) + 6;
        string path = folder.File("flip-" + name);
        foreach (byte replacement in "0\n"u8.ToArray().Append((byte)0))
        {
            for (int i = 0; i < headerLength; i++)
            {
                var damaged = (byte[])bytes.Clone();
                damaged[i] = replacement;
                File.WriteAllBytes(path, damaged);
                ReadOrReject(path);
            }
        }
    }

    private static byte[] ValidFile(TempFolder folder, string name, bool compress)
    {
        using var image = TestImages.Pattern(ElementType.Int16, ImageSize.Of3D(4, 3, 2), channels: 2);
        string path = folder.File(name);
        ImageFile.Write(image, path, new ImageWriteOptions { Compress = compress });
        return File.ReadAllBytes(path);
    }

    private static void ReadOrReject(string path)
    {
        try
        {
            _ = ImageFile.ReadHeader(path);
            ImageFile.Read(path).Dispose();
        }
        catch (MedVoxException error)
        {
            Assert.DoesNotContain('\n', error.Message);
        }
    }
}
