using System.Text;
using MedVox.Testing;

namespace MedVox.IO.Tests.MetaImage;

/// <summary>Every kind of broken MetaImage ends in a one-line error naming the file and the field, before any large allocation.</summary>
public class MetaImageBadInputTests
{
    private const string Good = """
        ObjectType = Image
        NDims = 3
        BinaryData = True
        BinaryDataByteOrderMSB = False
        CompressedData = False
        ElementSpacing = 1 1 1
        DimSize = 2 2 2
        ElementType = MET_SHORT
        ElementDataFile = LOCAL

        """;

    private static readonly byte[] GoodData = new byte[16];

    private static string Replace(string field, string? line) =>
        string.Join('\n', Good.Split('\n').Select(l => l.StartsWith(field + " =", StringComparison.Ordinal) ? line : l).Where(l => l is not null));

    private static string Write(TempFolder folder, string header, byte[]? data = null, string name = "bad.mha") =>
        MetaImageFileTests.Write(folder, name, header, data ?? GoodData);

    [Fact]
    public void TheGoodFileIsRead()
    {
        using var folder = TestData.CreateTempFolder();
        using var image = ImageFile.Read(Write(folder, Good));
        Assert.Equal(8, image.ElementCount);
    }

    [Theory]
    [InlineData("NDims")]
    [InlineData("DimSize")]
    [InlineData("ElementType")]
    public void MissingRequiredFieldIsNamed(string field)
    {
        using var folder = TestData.CreateTempFolder();
        Rejection.Read(Write(folder, Replace(field, null)), field);
    }

    [Fact]
    public void HeaderWithoutElementDataFileIsIncomplete()
    {
        using var folder = TestData.CreateTempFolder();
        Rejection.Read(Write(folder, Replace("ElementDataFile", null), []), "ElementDataFile");
    }

    [Theory]
    [InlineData("DimSize", "DimSize = 2 2")]
    [InlineData("DimSize", "DimSize = 2 two 2")]
    [InlineData("DimSize", "DimSize = 2 0 2")]
    [InlineData("DimSize", "DimSize = 2 -2 2")]
    [InlineData("DimSize", "DimSize = 2 2 3000000000")]
    [InlineData("NDims", "NDims = three")]
    [InlineData("ElementSpacing", "ElementSpacing = 1 0 1")]
    [InlineData("ElementSpacing", "ElementSpacing = 1 -0.5 1")]
    [InlineData("ElementSpacing", "ElementSpacing = 1 nan 1")]
    [InlineData("ElementSpacing", "ElementSpacing = 1 inf 1")]
    [InlineData("ElementSpacing", "ElementSpacing = 1 1mm 1")]
    [InlineData("ElementType", "ElementType = MET_QUATERNION")]
    [InlineData("ElementType", "ElementType = MET_FLOAT_MATRIX")]
    [InlineData("BinaryData", "BinaryData = perhaps")]
    [InlineData("ElementNumberOfChannels", "ElementNumberOfChannels = 0")]
    [InlineData("HeaderSize", "HeaderSize = -5")]
    public void BadFieldValueIsNamed(string field, string line)
    {
        using var folder = TestData.CreateTempFolder();
        Rejection.Read(Write(folder, Replace(field, line).Replace("ElementDataFile", line + "\nElementDataFile", StringComparison.Ordinal)), field);
    }

    [Theory]
    [InlineData("1 0 0 0 1 0 0 0")]
    [InlineData("1 0 0 1 0 0 0 0 1")]
    [InlineData("1 0 0 0 1 0 0 0 x")]
    [InlineData("1 0 0 0 1 0 0 0 nan")]
    public void BadTransformMatrixIsNamed(string matrix)
    {
        using var folder = TestData.CreateTempFolder();
        Rejection.Read(Write(folder, Good.Replace("DimSize", $"TransformMatrix = {matrix}\nDimSize", StringComparison.Ordinal)), "TransformMatrix");
    }

    [Theory]
    [InlineData("NDims = 1")]
    [InlineData("NDims = 5")]
    [InlineData("NDims = 0")]
    public void UnsupportedDimensionCountIsNamed(string line)
    {
        using var folder = TestData.CreateTempFolder();
        Rejection.Read(Write(folder, Replace("NDims", line)), "NDims");
    }

    [Fact]
    public void NonImageObjectIsUnsupported()
    {
        using var folder = TestData.CreateTempFolder();
        var error = Rejection.Read(Write(folder, Replace("ObjectType", "ObjectType = Tube")), "ObjectType");
        Assert.IsType<UnsupportedFormatException>(error);
    }

    [Fact]
    public void ShortDataIsNamedBeforeReading()
    {
        using var folder = TestData.CreateTempFolder();
        var error = Rejection.ReadPixels(Write(folder, Good, new byte[15]), "DimSize");
        Assert.Contains("15", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AbsurdSizeIsRejectedAgainstTheFileLength()
    {
        // 2^40 voxels of int16 from a 16-byte file: refused before anything is allocated.
        using var folder = TestData.CreateTempFolder();
        Rejection.ReadPixels(Write(folder, Replace("DimSize", "DimSize = 1048576 1048576 1")), "DimSize");
    }

    [Fact]
    public void AbsurdCompressedSizeIsRejectedByTheDeflateBound()
    {
        using var folder = TestData.CreateTempFolder();
        var packed = MetaImageFileTests.Zlib(new byte[4096]);
        string header = Replace("DimSize", "DimSize = 1048576 1048576 1").Replace("CompressedData = False", "CompressedData = True", StringComparison.Ordinal);
        Rejection.ReadPixels(Write(folder, header, packed), "DimSize");
    }

    [Fact]
    public void DimensionsOverflowingAnyFileAreRejected()
    {
        using var folder = TestData.CreateTempFolder();
        Rejection.Read(Write(folder, Replace("DimSize", "DimSize = 2147483647 2147483647 2147483647").Replace("ElementType = MET_SHORT", "ElementType = MET_DOUBLE\nElementNumberOfChannels = 65535", StringComparison.Ordinal)), "DimSize", headerToo: false);
    }

    [Fact]
    public void CompressedStreamCutShortIsReported()
    {
        using var folder = TestData.CreateTempFolder();
        var packed = MetaImageFileTests.Zlib(Enumerable.Range(0, 4000).Select(i => (byte)(i * 7919 % 251)).ToArray());
        string header = Replace("DimSize", "DimSize = 20 20 5").Replace("CompressedData = False", "CompressedData = True", StringComparison.Ordinal);
        Rejection.ReadPixels(Write(folder, header, packed[..(packed.Length / 2)]), null);
    }

    [Fact]
    public void CorruptCompressedStreamIsReported()
    {
        using var folder = TestData.CreateTempFolder();
        var packed = MetaImageFileTests.Zlib(new byte[16]);
        for (int i = 2; i < packed.Length; i++)
        {
            packed[i] ^= 0x5a;
        }

        string header = Good.Replace("CompressedData = False", "CompressedData = True", StringComparison.Ordinal);
        Rejection.ReadPixels(Write(folder, header, packed), null);
    }

    [Fact]
    public void CompressedDataThatIsNotZlibIsNamed()
    {
        using var folder = TestData.CreateTempFolder();
        string header = Good.Replace("CompressedData = False", "CompressedData = True", StringComparison.Ordinal);
        Rejection.ReadPixels(Write(folder, header, Encoding.ASCII.GetBytes("plain bytes, not a zlib stream")), "ElementDataFile");
    }

    [Fact]
    public void CompressedDataSizeBeyondTheFileIsNamed()
    {
        using var folder = TestData.CreateTempFolder();
        var packed = MetaImageFileTests.Zlib(new byte[16]);
        string header = Good.Replace("CompressedData = False", $"CompressedData = True\nCompressedDataSize = {packed.Length + 100}", StringComparison.Ordinal);
        Rejection.Read(Write(folder, header, packed), "CompressedDataSize", headerToo: false);
    }

    [Fact]
    public void MissingDataFileIsNamed()
    {
        using var folder = TestData.CreateTempFolder();
        var error = Rejection.ReadPixels(Write(folder, Replace("ElementDataFile", "ElementDataFile = missing.raw"), [], "bad.mhd"), "ElementDataFile");
        Assert.Contains("missing.raw", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ListNamingTooFewFilesIsNamed()
    {
        using var folder = TestData.CreateTempFolder();
        File.WriteAllBytes(folder.File("a.raw"), new byte[8]);
        Rejection.Read(Write(folder, Replace("ElementDataFile", "ElementDataFile = LIST\na.raw\n"), [], "bad.mhd"), "ElementDataFile", headerToo: false);
    }

    [Fact]
    public void PatternNamingAbsurdlyManyFilesIsRefusedBeforeListingThem()
    {
        using var folder = TestData.CreateTempFolder();
        string header = Replace("DimSize", "DimSize = 2 2 2000000000").Replace("ElementDataFile = LOCAL", "ElementDataFile = s%d.raw", StringComparison.Ordinal);
        Rejection.Read(Write(folder, header, [], "bad.mhd"), "ElementDataFile", headerToo: false);
    }

    [Fact]
    public void HeaderSizeMinusOneWithTooLittleDataIsNamed()
    {
        using var folder = TestData.CreateTempFolder();
        File.WriteAllBytes(folder.File("d.raw"), new byte[10]);
        Rejection.ReadPixels(Write(folder, Replace("ElementDataFile", "HeaderSize = -1\nElementDataFile = d.raw"), [], "bad.mhd"), "DimSize");
    }

    [Fact]
    public void HeaderThatNeverEndsIsCutOffAtOneMegabyte()
    {
        using var folder = TestData.CreateTempFolder();
        var header = new StringBuilder("ObjectType = Image\nNDims = 3\n");
        while (header.Length < 3 << 20)
        {
            header.Append("Comment = this header goes on and on\n");
        }

        Rejection.Read(Write(folder, header.ToString(), []), "ElementDataFile");
    }

    [Fact]
    public void LineThatNeverEndsIsCutOffAtOneMegabyte()
    {
        using var folder = TestData.CreateTempFolder();
        Rejection.Read(Write(folder, "NDims = 3\nComment = " + new string('x', 2 << 20), []), "ElementDataFile");
    }

    [Fact]
    public void BinaryFileIsNotAHeader()
    {
        using var folder = TestData.CreateTempFolder();
        string path = folder.File("noise.mha");
        File.WriteAllBytes(path, Enumerable.Range(0, 5000).Select(i => (byte)(i * 7919 % 256)).ToArray());
        Rejection.Read(path, null);
    }

    [Fact]
    public void EmptyFileIsNotAHeader()
    {
        using var folder = TestData.CreateTempFolder();
        string path = folder.File("empty.mha");
        File.WriteAllBytes(path, []);
        Rejection.Read(path, "ElementDataFile");
    }

    [Fact]
    public void TextDataWithWordsIsReported()
    {
        using var folder = TestData.CreateTempFolder();
        string header = Good.Replace("BinaryData = True", "BinaryData = False", StringComparison.Ordinal);
        Rejection.ReadPixels(Write(folder, header, Encoding.ASCII.GetBytes("1 2 3 four 5 6 7 8\n")), "ElementDataFile");
    }

    [Fact]
    public void TextValueOutOfRangeIsReported()
    {
        using var folder = TestData.CreateTempFolder();
        string header = Good.Replace("BinaryData = True", "BinaryData = False", StringComparison.Ordinal);
        Rejection.ReadPixels(Write(folder, header, Encoding.ASCII.GetBytes("1 2 3 40000 5 6 7 8\n")), "ElementDataFile");
    }
}
