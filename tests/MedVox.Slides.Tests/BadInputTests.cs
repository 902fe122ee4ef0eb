using System.Buffers.Binary;
using BitMiracle.LibTiff.Classic;
using MedVox.Testing;

namespace MedVox.Slides.Tests;

public class BadInputTests
{
    [Fact]
    public void AStrippedTiffIsRefusedAsNotTiled()
    {
        using var folder = TestData.CreateTempFolder();
        string path = folder.File("stripped.tif");
        using (var tiff = Tiff.Open(path, "w"))
        {
            tiff.SetField(TiffTag.IMAGEWIDTH, 64);
            tiff.SetField(TiffTag.IMAGELENGTH, 32);
            tiff.SetField(TiffTag.SAMPLESPERPIXEL, 3);
            tiff.SetField(TiffTag.BITSPERSAMPLE, 8);
            tiff.SetField(TiffTag.PHOTOMETRIC, Photometric.RGB);
            tiff.SetField(TiffTag.PLANARCONFIG, PlanarConfig.CONTIG);
            tiff.SetField(TiffTag.ROWSPERSTRIP, 32);
            var row = new byte[64 * 3];
            for (int y = 0; y < 32; y++)
            {
                tiff.WriteScanline(row, y);
            }
        }

        var error = Assert.Throws<UnsupportedFormatException>(() => SlideFile.Open(path));
        Assert.Contains("not tiled", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void ATileReachingPastTheEndOfTheFileIsReportedAsTruncated()
    {
        using var folder = TestData.CreateTempFolder();
        string path = TestSlides.WritePattern(folder.File("p.tiff"), 512, 512, 3, new PyramidWriterOptions { TileSize = 128 });
        long length = new FileInfo(path).Length;

        // Make the byte count of tile 5 of level 0 run past the end of the file, as a cut-off copy would.
        var bytes = File.ReadAllBytes(path);
        long ifd = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8));
        long entries = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan((int)ifd));
        for (int e = 0; e < entries; e++)
        {
            int at = (int)ifd + 8 + (e * 20);
            if (BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at)) == 325)
            {
                long counts = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(at + 12));
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan((int)counts + (5 * 8)), length);
            }
        }

        File.WriteAllBytes(path, bytes);
        using var reader = SlideFile.Open(path);
        var region = new byte[128 * 128 * 3];
        reader.ReadRegion(0, 0, 0, 128, 128, region);

        var error = Assert.Throws<InvalidImageFileException>(() => reader.ReadRegion(0, 128, 128, 128, 128, region));
        Assert.Contains("tile 5 of level 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated or corrupt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACorruptTileIsReportedAndOthersStillRead()
    {
        using var folder = TestData.CreateTempFolder();
        string path = TestSlides.WritePattern(folder.File("p.tiff"), 256, 256, 1, new PyramidWriterOptions { TileSize = 128 });
        var bytes = File.ReadAllBytes(path);

        // Level-0 tiles were written last to first, so tile 3's zlib stream starts right after the 16-byte header.
        for (int i = 16; i < 48; i++)
        {
            bytes[i] = 0xFF;
        }

        File.WriteAllBytes(path, bytes);
        using var reader = SlideFile.Open(path);
        var region = new byte[128 * 128];
        var error = Assert.Throws<InvalidImageFileException>(() => reader.ReadRegion(0, 128, 128, 128, 128, region));
        Assert.Contains("tile 3 of level 0", error.Message, StringComparison.Ordinal);
        reader.ReadRegion(0, 0, 0, 128, 128, region);
        Assert.Equal(TestSlides.Pattern(5, 7, 0), region[(7 * 128) + 5]);
    }

    [Fact]
    public void ALevelOutOfRangeSaysWhichLevelsExist()
    {
        using var folder = TestData.CreateTempFolder();
        string path = TestSlides.WritePattern(folder.File("p.tiff"), 300, 300, 3, new PyramidWriterOptions { TileSize = 128 });
        using var reader = SlideFile.Open(path);
        var error = Assert.Throws<MedVoxException>(() => reader.ReadRegion(3, 0, 0, 4, 4, new byte[48]));
        // 300x300 in 128-pixel tiles: level 1 is 150x150, a level 2 of 75x75 would be smaller than a tile.
        Assert.Equal($"{path}: level 3 is out of range: the slide has 2 level(s), 0 to 1 (field --level)", error.Message);
    }

    [Theory]
    [InlineData("PK\u0003\u0004 not a slide")]
    [InlineData("")]
    public void AFileNoReaderSupportsIsRefused(string content)
    {
        using var folder = TestData.CreateTempFolder();
        string path = folder.File("mystery.ndpx");
        File.WriteAllText(path, content);
        var error = Assert.Throws<UnsupportedFormatException>(() => SlideFile.Open(path));
        Assert.Contains("no slide reader supports this file", error.Message.Replace("not a TIFF file, and OpenSlide (for vendor formats) is not installed", "no slide reader supports this file", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingFileIsNamed()
    {
        var error = Assert.Throws<MedVoxException>(() => SlideFile.Open("/nonexistent/slide.svs"));
        Assert.Equal("/nonexistent/slide.svs: file not found", error.Message);
    }
}
