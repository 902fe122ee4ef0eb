using MedVox.Dicom.Series;
using MedVox.Dicom.Writing;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Dicom.Tests;

public class MultiFrameTests
{
    public static TheoryData<string, string> Encodings => new()
    {
        { "dcmcjpeg", "+e1" },               // one fragment per frame, basic offset table
        { "dcmcjpeg", "+e1 -ot" },           // one fragment per frame, empty offset table
        { "dcmcjpeg", "+e1 +fs 1" },         // several 1 KB fragments per frame, offset table
        { "dcmcjpeg", "+e1 +fs 1 -ot" },     // several fragments per frame, no offset table: frames found by their SOI
        { "dcmcrle", "+fs 1" },
        { "gdcmconv", "--jpeg" },
        { "gdcmconv", "--rle" },
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void CompressedEnhancedMultiFrameLoadsLikeTheOriginal(string tool, string arguments)
    {
        string program = TestData.RequireTool(tool, tool.StartsWith("gdcm", StringComparison.Ordinal) ? "libgdcm-tools" : "dcmtk");
        using var folder = TestData.CreateTempFolder();
        using var volume = SyntheticSeries.Volume(SyntheticSeries.Oblique(40, 30, 6));
        string original = folder.File("enhanced.dcm");
        DicomCtWriter.WriteEnhanced(volume, original, shuffleFrames: true, seed: 4);
        Directory.CreateDirectory(folder.File("c"));
        string compressed = Path.Combine(folder.File("c"), "enhanced.dcm");
        var (code, output, error) = ProcessRunner.Run(program, [.. arguments.Split(' '), original, compressed]);
        Assert.True(code == 0, output + error);

        using var expected = PydicomConformanceTests.Decode(original);
        using var actual = PydicomConformanceTests.Decode(compressed);
        ImageAssert.SamePixels(expected, actual);

        using var loaded = DicomSeriesLoader.Load(folder.File("c"));
        ImageAssert.Identical(volume, loaded.Image, 1e-6);
    }

    [Fact]
    public void ThousandHeadersAreScannedWithoutTheirPixels()
    {
        // Every file is cut right after the pixel data element header: the scan, which must not read pixels, sees a
        // complete series of 1000 slices; only loading finds the pixels missing, and names the file.
        using var folder = TestData.CreateTempFolder();
        string series = folder.File("series");
        var geometry = new Geometry.ImageGeometry(ImageSize.Of3D(64, 64, 1000), new Geometry.Vector3D(0.5, 0.5, 0.8), Geometry.Vector3D.Zero, Geometry.Matrix3D.Identity);
        using (var volume = Image.Create(geometry, ElementType.Int16))
        {
            DicomCtWriter.WriteSeries(volume, series, new DicomCtWriter.SeriesOptions { Shuffle = true });
        }

        foreach (var path in Directory.GetFiles(series))
        {
            long offset = DicomFile.Open(path).PixelData!.Offset;
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
            stream.SetLength(offset);
        }

        var scan = DicomSeriesScanner.Scan(series);
        var info = Assert.Single(scan.Series);
        Assert.Equal(1000, info.SliceCount);
        Assert.Empty(scan.Skipped);
        Assert.Empty(info.SpacingIrregularities);

        var error = Assert.Throws<InvalidImageFileException>(() => DicomSeriesLoader.Load(info));
        Assert.Contains(series, error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }
}
