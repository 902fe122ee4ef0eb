using System.IO.Compression;
using System.Text;
using MedVox.Testing;

namespace MedVox.IO.Tests.Nrrd;

/// <summary>Every kind of broken NRRD ends in a one-line error naming the file and the field, before any large allocation.</summary>
public class NrrdBadInputTests
{
    private const string Good = """
        NRRD0004
        # a comment
        type: short
        dimension: 3
        space: left-posterior-superior
        sizes: 2 2 2
        space directions: (1,0,0) (0,1,0) (0,0,1)
        kinds: domain domain domain
        endian: little
        encoding: raw
        space origin: (0,0,0)


        """;

    private static readonly byte[] GoodData = new byte[16];

    private static string Replace(string field, string? line) =>
        string.Join('\n', Good.Split('\n').Select(l => l.StartsWith(field + ":", StringComparison.Ordinal) ? line : l).Where(l => l is not null));

    private static string Write(TempFolder folder, string header, byte[]? data = null, string name = "bad.nrrd")
    {
        string path = folder.File(name);
        File.WriteAllBytes(path, [.. Encoding.ASCII.GetBytes(header.ReplaceLineEndings("\n")), .. data ?? GoodData]);
        return path;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Optimal))
        {
            gzip.Write(data);
        }

        return memory.ToArray();
    }

    [Fact]
    public void TheGoodFileIsRead()
    {
        using var folder = TestData.CreateTempFolder();
        using var image = ImageFile.Read(Write(folder, Good));
        Assert.Equal(8, image.ElementCount);
    }

    [Theory]
    [InlineData("type")]
    [InlineData("dimension")]
    [InlineData("sizes")]
    [InlineData("encoding")]
    [InlineData("endian")]
    [InlineData("space directions")]
    public void MissingRequiredFieldIsNamed(string field)
    {
        using var folder = TestData.CreateTempFolder();
        Rejection.Read(Write(folder, Replace(field, null)), field);
    }

    [Theory]
    [InlineData("sizes", "sizes: 2 2")]
    [InlineData("sizes", "sizes: 2 two 2")]
    [InlineData("sizes", "sizes: 2 0 2")]
    [InlineData("sizes", "sizes: 2 2 3000000000")]
    [InlineData("dimension", "dimension: 0")]
    [InlineData("dimension", "dimension: three")]
    [InlineData("type", "type: complex")]
    [InlineData("type", "type: block")]
    [InlineData("type", "type: char")]
    [InlineData("encoding", "encoding: bzip2")]
    [InlineData("encoding", "encoding: zip")]
    [InlineData("endian", "endian: middle")]
    [InlineData("space", "space: left-right-up")]
    [InlineData("space directions", "space directions: (1,0,0) (0,1,0)")]
    [InlineData("space directions", "space directions: (1,0,0) (0,1) (0,0,1)")]
    [InlineData("space directions", "space directions: (1,0,0) (0,0,0) (0,0,1)")]
    [InlineData("space directions", "space directions: (1,0,0) (0,nan,0) (0,0,1)")]
    [InlineData("space directions", "space directions: (1,0,0) (0,1,0) (0,x,1)")]
    [InlineData("space directions", "space directions: (1,0,0) (2,0,0) (0,0,1)")]
    [InlineData("space directions", "space directions: [1,0,0] (0,1,0) (0,0,1)")]
    [InlineData("space origin", "space origin: (0,0)")]
    [InlineData("space origin", "space origin: (0,zero,0)")]
    [InlineData("kinds", "kinds: domain domain")]
    [InlineData("line skip", "line skip: -1")]
    [InlineData("byte skip", "byte skip: -2")]
    public void BadFieldValueIsNamed(string field, string line)
    {
        using var folder = TestData.CreateTempFolder();
        string header = Good.Contains(field + ":", StringComparison.Ordinal)
            ? Replace(field, line)
            : Good.Replace("encoding: raw", "encoding: raw\n" + line, StringComparison.Ordinal);
        Rejection.Read(Write(folder, header), field);
    }

    [Theory]
    [InlineData("spacings: 1 0 1")]
    [InlineData("spacings: 1 -inf 1")]
    [InlineData("spacings: 1 one 1")]
    public void BadSpacingWithoutSpaceIsNamed(string line)
    {
        using var folder = TestData.CreateTempFolder();
        string header = Replace("space", null).Replace("space directions: (1,0,0) (0,1,0) (0,0,1)", line, StringComparison.Ordinal).Replace("space origin: (0,0,0)\n", string.Empty, StringComparison.Ordinal);
        Rejection.Read(Write(folder, header), "spacings");
    }

    [Theory]
    [InlineData("kinds: domain RGB-color domain")]
    [InlineData("kinds: domain domain RGB-color")]
    [InlineData("kinds: vector list domain")]
    public void ChannelAxisAnywhereButFirstIsUnsupported(string line)
    {
        using var folder = TestData.CreateTempFolder();
        string header = Replace("space", null).Replace("space directions: (1,0,0) (0,1,0) (0,0,1)\n", string.Empty, StringComparison.Ordinal)
            .Replace("space origin: (0,0,0)\n", string.Empty, StringComparison.Ordinal).Replace("kinds: domain domain domain", line, StringComparison.Ordinal);
        var error = Rejection.Read(Write(folder, header), "kinds");
        Assert.IsType<UnsupportedFormatException>(error);
    }

    [Fact]
    public void SpaceAndSpaceDimensionTogetherAreRejected()
    {
        using var folder = TestData.CreateTempFolder();
        Rejection.Read(Write(folder, Good.Replace("sizes:", "space dimension: 3\nsizes:", StringComparison.Ordinal)), "space dimension");
    }

    [Fact]
    public void DuplicateFieldIsNamed()
    {
        using var folder = TestData.CreateTempFolder();
        Rejection.Read(Write(folder, Good.Replace("sizes: 2 2 2", "sizes: 2 2 2\nsizes: 2 2 2", StringComparison.Ordinal)), "sizes");
    }

    [Fact]
    public void OneDimensionalDataIsUnsupported()
    {
        using var folder = TestData.CreateTempFolder();
        var error = Rejection.Read(Write(folder, "NRRD0004\ntype: short\ndimension: 1\nsizes: 8\nendian: little\nencoding: raw\n\n"), "dimension");
        Assert.IsType<UnsupportedFormatException>(error);
    }

    [Theory]
    [InlineData("NRRD0009")]
    [InlineData("NRRD00.01")]
    public void UnknownVersionIsUnsupported(string magic)
    {
        using var folder = TestData.CreateTempFolder();
        var error = Rejection.Read(Write(folder, Good.Replace("NRRD0004", magic, StringComparison.Ordinal)), null);
        Assert.IsType<UnsupportedFormatException>(error);
    }

    [Fact]
    public void FileWithoutMagicIsNotNrrd()
    {
        using var folder = TestData.CreateTempFolder();
        Rejection.Read(Write(folder, Good.Replace("NRRD0004\n", string.Empty, StringComparison.Ordinal)), null);
    }

    [Fact]
    public void GarbageLineInTheHeaderIsReported()
    {
        using var folder = TestData.CreateTempFolder();
        Rejection.Read(Write(folder, Good.Replace("# a comment", "this is not a field", StringComparison.Ordinal)), null);
    }

    [Fact]
    public void BinaryFileIsNotNrrd()
    {
        using var folder = TestData.CreateTempFolder();
        string path = folder.File("noise.nrrd");
        File.WriteAllBytes(path, [.. "NRRD0004\n"u8.ToArray(), .. Enumerable.Range(0, 5000).Select(i => (byte)(i * 7919 % 256))]);
        Rejection.Read(path, null);
    }

    [Fact]
    public void ShortDataIsNamedBeforeReading()
    {
        using var folder = TestData.CreateTempFolder();
        Rejection.ReadPixels(Write(folder, Good, new byte[15]), "sizes");
    }

    [Fact]
    public void AbsurdSizeIsRejectedAgainstTheFileLength()
    {
        using var folder = TestData.CreateTempFolder();
        Rejection.ReadPixels(Write(folder, Replace("sizes", "sizes: 1048576 1048576 1")), "sizes");
    }

    [Fact]
    public void AbsurdCompressedSizeIsRejectedByTheDeflateBound()
    {
        using var folder = TestData.CreateTempFolder();
        string header = Replace("sizes", "sizes: 1048576 1048576 1").Replace("encoding: raw", "encoding: gzip", StringComparison.Ordinal);
        Rejection.ReadPixels(Write(folder, header, Gzip(new byte[4096])), "sizes");
    }

    [Fact]
    public void DimensionsOverflowingAnyFileAreRejected()
    {
        using var folder = TestData.CreateTempFolder();
        Rejection.Read(Write(folder, Replace("sizes", "sizes: 2147483647 2147483647 2147483647").Replace("type: short", "type: double", StringComparison.Ordinal)), "sizes", headerToo: false);
    }

    [Fact]
    public void GzipStreamCutShortIsReported()
    {
        using var folder = TestData.CreateTempFolder();
        var packed = Gzip(Enumerable.Range(0, 4000).Select(i => (byte)(i * 7919 % 251)).ToArray());
        string header = Replace("sizes", "sizes: 20 20 5").Replace("encoding: raw", "encoding: gzip", StringComparison.Ordinal);
        Rejection.ReadPixels(Write(folder, header, packed[..(packed.Length / 2)]), null);
    }

    [Fact]
    public void CorruptGzipStreamIsReported()
    {
        using var folder = TestData.CreateTempFolder();
        var packed = Gzip(new byte[16]);
        for (int i = 10; i < packed.Length; i++)
        {
            packed[i] ^= 0x5a;
        }

        Rejection.ReadPixels(Write(folder, Good.Replace("encoding: raw", "encoding: gzip", StringComparison.Ordinal), packed), null);
    }

    [Fact]
    public void MissingDataFileIsNamed()
    {
        using var folder = TestData.CreateTempFolder();
        var error = Rejection.ReadPixels(Write(folder, Good.Replace("\n\n", "\ndata file: gone.raw\n", StringComparison.Ordinal), [], "bad.nhdr"), "data file");
        Assert.Contains("gone.raw", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DetachedHeaderWithoutDataFileIsNamed()
    {
        using var folder = TestData.CreateTempFolder();
        Rejection.Read(Write(folder, Good, [], "bad.nhdr"), "data file", headerToo: false);
    }

    [Fact]
    public void ListNamingTooFewFilesIsNamed()
    {
        using var folder = TestData.CreateTempFolder();
        File.WriteAllBytes(folder.File("a.raw"), new byte[8]);
        Rejection.Read(Write(folder, Good.Replace("\n\n", "\ndata file: LIST\na.raw\n", StringComparison.Ordinal), [], "bad.nhdr"), "data file", headerToo: false);
    }

    [Fact]
    public void HeaderWithoutBlankLineHoldsNoData()
    {
        using var folder = TestData.CreateTempFolder();
        Rejection.Read(Write(folder, Good.TrimEnd('\n'), []), "data file", headerToo: false);
    }

    [Fact]
    public void HeaderThatNeverEndsIsCutOffAtOneMegabyte()
    {
        using var folder = TestData.CreateTempFolder();
        var header = new StringBuilder(Good.TrimEnd('\n'));
        while (header.Length < 3 << 20)
        {
            header.Append("\n# this header goes on and on");
        }

        Rejection.Read(Write(folder, header.ToString(), []), "dimension");
    }

    [Fact]
    public void LineSkipPastTheEndIsNamed()
    {
        using var folder = TestData.CreateTempFolder();
        Rejection.Read(Write(folder, Good.Replace("encoding: raw", "encoding: raw\nline skip: 3", StringComparison.Ordinal), "one\ntwo\n"u8.ToArray()), "line skip", headerToo: false);
    }

    [Fact]
    public void ByteSkipMinusOneNeedsRawData()
    {
        using var folder = TestData.CreateTempFolder();
        Rejection.Read(Write(folder, Good.Replace("encoding: raw", "encoding: gzip\nbyte skip: -1", StringComparison.Ordinal), Gzip(new byte[16])), "byte skip", headerToo: false);
    }

    [Fact]
    public void ByteSkipPastTheDecompressedDataIsNamed()
    {
        using var folder = TestData.CreateTempFolder();
        Rejection.ReadPixels(Write(folder, Good.Replace("encoding: raw", "encoding: gzip\nbyte skip: 100", StringComparison.Ordinal), Gzip(new byte[16])), "byte skip");
    }

    [Fact]
    public void TextDataWithWordsIsReported()
    {
        using var folder = TestData.CreateTempFolder();
        Rejection.ReadPixels(Write(folder, Good.Replace("encoding: raw", "encoding: ascii", StringComparison.Ordinal), "1 2 3 four 5 6 7 8\n"u8.ToArray()), "data file");
    }

    [Fact]
    public void HexDataWithOtherCharactersIsReported()
    {
        using var folder = TestData.CreateTempFolder();
        Rejection.ReadPixels(Write(folder, Good.Replace("encoding: raw", "encoding: hex", StringComparison.Ordinal), "00112233445566778899aabbccddeexx\n"u8.ToArray()), "data file");
    }
}
