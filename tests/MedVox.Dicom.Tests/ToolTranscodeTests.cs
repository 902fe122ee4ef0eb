using MedVox.Dicom.Pixels;
using MedVox.Dicom.Writing;
using MedVox.Testing;

namespace MedVox.Dicom.Tests;

/// <summary>
/// DCMTK and GDCM as independent producers: a real file is transcoded into each transfer syntax, and MedVox must
/// decode every variant to the same stored pixels as the uncompressed original (lossless syntaxes).
/// </summary>
public class ToolTranscodeTests
{
    public static TheoryData<string, string, string> Transcodes => new()
    {
        // source file, tool, arguments before "IN OUT"
        { "CT_small.dcm", "dcmconv", "+ti" },
        { "CT_small.dcm", "dcmconv", "+te" },
        { "CT_small.dcm", "dcmconv", "+tb" },
        { "CT_small.dcm", "dcmconv", "+td" },
        { "CT_small.dcm", "dcmcrle", string.Empty },
        { "CT_small.dcm", "dcmcjpeg", "+e1" },
        { "CT_small.dcm", "dcmcjpeg", "+el +sv 2" },
        { "CT_small.dcm", "dcmcjpeg", "+el +sv 3" },
        { "CT_small.dcm", "dcmcjpeg", "+el +sv 4" },
        { "CT_small.dcm", "dcmcjpeg", "+el +sv 5" },
        { "CT_small.dcm", "dcmcjpeg", "+el +sv 6" },
        { "CT_small.dcm", "dcmcjpeg", "+el +sv 7" },
        { "CT_small.dcm", "gdcmconv", "--jpeg" },
        { "CT_small.dcm", "gdcmconv", "--rle" },
        { "MR_small.dcm", "dcmcjpeg", "+e1" },
        { "MR_small.dcm", "dcmcrle", string.Empty },
        { "SC_rgb_small_odd.dcm", "dcmcjpeg", "+e1" },
        { "SC_rgb_small_odd.dcm", "dcmcrle", string.Empty },
        { "SC_rgb_rle_16bit.dcm", "dcmdrle", string.Empty },
        { "rtdose.dcm", "dcmcrle", string.Empty },
        // Not rtdose.dcm with dcmconv +tb: DCMTK swaps 32-bit OW pixel data per 16-bit word, pydicom (and MedVox)
        // per 32-bit value; pydicom ships a corrected rtdose_expb.dcm, checked in the conformance table instead.
        { "liver_1frame.dcm", "dcmconv", "+ti" },
    };

    [Theory]
    [MemberData(nameof(Transcodes))]
    public void TranscodedFileDecodesToTheOriginalPixels(string source, string tool, string arguments)
    {
        string program = TestData.RequireTool(tool, tool.StartsWith("gdcm", StringComparison.Ordinal) ? "libgdcm-tools" : "dcmtk");
        using var folder = TestData.CreateTempFolder();
        string input = Path.Combine(TestData.PydicomData, source);
        string output = folder.File("out.dcm");
        var args = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Concat([input, output]).ToList();
        var (code, stdout, stderr) = ProcessRunner.Run(program, args);
        Assert.True(code == 0, $"{tool} {string.Join(' ', args)} failed: {stdout} {stderr}");

        using var expected = PydicomConformanceTests.Decode(input);
        using var actual = PydicomConformanceTests.Decode(output);
        ImageAssert.SamePixels(expected, actual);
    }

    [Fact]
    public void SixteenBitSignedSeriesSurvivesJpegLosslessAndRle()
    {
        // A writer-made CT slice with the full int16 range (negative stored values, 16 bits stored).
        string dcmcjpeg = TestData.RequireTool("dcmcjpeg", "dcmtk");
        string dcmcrle = TestData.RequireTool("dcmcrle", "dcmtk");
        using var folder = TestData.CreateTempFolder();
        var pixels = new short[64 * 48];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (short)((i * 7919) ^ (i << 5));
        }

        string original = folder.File("ct.dcm");
        DicomCtWriter.Write(original, new DicomCtSlice
        {
            Rows = 48,
            Columns = 64,
            Pixels = pixels,
            Position = new Geometry.Vector3D(1, 2, 3),
            StudyInstanceUid = DicomCtWriter.NewUid(),
            SeriesInstanceUid = DicomCtWriter.NewUid(),
            SopInstanceUid = DicomCtWriter.NewUid(),
            FrameOfReferenceUid = DicomCtWriter.NewUid(),
        });
        using var expected = PydicomConformanceTests.Decode(original);
        Assert.Equal(pixels, expected.AsSpan<short>().ToArray());
        foreach (var (program, args) in new[] { (dcmcjpeg, "+e1"), (dcmcjpeg, "+el +sv 7"), (dcmcrle, string.Empty) })
        {
            string output = folder.File("t.dcm");
            var (code, _, error) = ProcessRunner.Run(program, [.. args.Split(' ', StringSplitOptions.RemoveEmptyEntries), original, output]);
            Assert.True(code == 0, error);
            using var actual = PydicomConformanceTests.Decode(output);
            ImageAssert.SamePixels(expected, actual);
            File.Delete(output);
        }
    }

    public static TheoryData<string, string> LossyJpeg => new()
    {
        { "SC_rgb_small_odd.dcm", "+eb +cy +s2" },
        { "SC_rgb_small_odd.dcm", "+eb +cy +s4" },
        { "SC_ybr_full_422_uncompressed.dcm", "+eb +cy +n2" },
        { "SC_ybr_full_422_uncompressed.dcm", "+eb +cr" },
        { "CT_small.dcm", "+ee" },
        { "MR_small.dcm", "+ee +q 50" },
        { "dicomdirtests/77654033/CR1/6154", "+ee" },
        { "SC_rgb_small_odd.dcm", "+eb +cy +n1" },
    };

    [Theory]
    [MemberData(nameof(LossyJpeg))]
    public void LossyJpegMatchesDcmdjpegExactly(string source, string arguments)
    {
        // DCMTK's dcmdjpeg (IJG libjpeg 6b, colour conversion off: +cn) is the oracle for 8-bit baseline (with 4:2:2
        // and 4:2:0 chroma) and 12-bit extended JPEG: same integer IDCT and upsampling, so the same values.
        string dcmcjpeg = TestData.RequireTool("dcmcjpeg", "dcmtk");
        string dcmdjpeg = TestData.RequireTool("dcmdjpeg", "dcmtk");
        using var folder = TestData.CreateTempFolder();
        string lossy = folder.File("lossy.dcm"), back = folder.File("back.dcm");
        var (c1, o1, e1) = ProcessRunner.Run(dcmcjpeg, [.. arguments.Split(' '), Path.Combine(TestData.PydicomData, source), lossy]);
        Assert.True(c1 == 0, o1 + e1);
        var (c2, o2, e2) = ProcessRunner.Run(dcmdjpeg, ["+cn", lossy, back]);
        Assert.True(c2 == 0, o2 + e2);
        using var ours = PydicomConformanceTests.Decode(lossy);
        using var theirs = PydicomConformanceTests.Decode(back);
        ImageAssert.SamePixels(theirs, ours);
    }

    [Theory]
    [InlineData("-restart 1")]
    [InlineData("-restart 3B")]
    [InlineData("-restart 2 -optimize")]
    public void JpegWithRestartMarkersMatchesDjpeg(string options)
    {
        // cjpeg (libjpeg-turbo-progs) writes restart markers every 1 or 2 rows of MCUs or every 3 MCUs (greyscale, so
        // only the IDCT and the restart handling matter); img2dcm (DCMTK) wraps
        // the JPEG in DICOM without re-encoding; djpeg decodes the same stream as the oracle.
        string cjpeg = TestData.RequireTool("cjpeg", "libjpeg-turbo-progs");
        string djpeg = TestData.RequireTool("djpeg", "libjpeg-turbo-progs");
        string img2dcm = TestData.RequireTool("img2dcm", "dcmtk");
        using var folder = TestData.CreateTempFolder();
        const int width = 37, height = 29;
        var header = System.Text.Encoding.ASCII.GetBytes($"P5\n{width} {height}\n255\n");
        var pixels = new byte[width * height];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)((i * 37) ^ (i / 7 * 13));
        }

        File.WriteAllBytes(folder.File("in.pnm"), [.. header, .. pixels]);
        string[] cjpegArgs = [.. options.Split(' '), "-grayscale", "-outfile", folder.File("in.jpg"), folder.File("in.pnm")];
        Assert.Equal(0, ProcessRunner.Run(cjpeg, cjpegArgs).ExitCode);
        var (c1, o1, e1) = ProcessRunner.Run(img2dcm, [folder.File("in.jpg"), folder.File("in.dcm")]);
        Assert.True(c1 == 0, o1 + e1);
        Assert.Equal(0, ProcessRunner.Run(djpeg, ["-dct", "int", "-pnm", "-outfile", folder.File("out.pnm"), folder.File("in.jpg")]).ExitCode);
        var expected = File.ReadAllBytes(folder.File("out.pnm"))[^(width * height)..];
        using var decoded = PydicomConformanceTests.Decode(folder.File("in.dcm"));
        Assert.Equal(expected, decoded.AsBytes().ToArray());
    }

    [Fact]
    public void Jpeg2000AndJpegLsFailNamingTheSyntaxAndTheConversion()
    {
        var error = Assert.Throws<UnsupportedFormatException>(() => new DicomPixelReader(DicomFile.Open(Path.Combine(TestData.PydicomData, "MR_small_jpeg_ls_lossless.dcm"))));
        Assert.Contains("JPEG-LS Lossless", error.Message, StringComparison.Ordinal);
        Assert.Contains("1.2.840.10008.1.2.4.80", error.Message, StringComparison.Ordinal);
        Assert.Contains("gdcmconv --raw", error.Message, StringComparison.Ordinal);
        var j2k = Assert.Throws<UnsupportedFormatException>(() => new DicomPixelReader(DicomFile.Open(Path.Combine(TestData.PydicomData, "JPEG2000.dcm"))));
        Assert.Contains("JPEG 2000", j2k.Message, StringComparison.Ordinal);
    }
}
