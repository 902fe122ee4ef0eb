using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using MedVox.Dicom.Pixels;
using MedVox.Dicom.Writing;
using MedVox.Geometry;
using MedVox.Testing;

namespace MedVox.Dicom.Tests;

public class ParsingTests
{
    [Fact]
    public void DictionaryHasTheStandardTagsIncludingRepeatingGroups()
    {
        // Values from PS3.6 (table 6-1).
        var spacing = DicomDictionary.Find(DicomTag.PixelSpacing)!;
        Assert.Equal(("PixelSpacing", "Pixel Spacing", DicomVR.DS, "2"), (spacing.Keyword, spacing.Name, spacing.VR, spacing.Multiplicity));
        Assert.Equal(DicomVR.OW, DicomDictionary.ImplicitVR(DicomTag.PixelData));
        Assert.Equal("OverlayData", DicomDictionary.Find(new DicomTag(0x6002, 0x3000))!.Keyword);
        Assert.Equal(DicomVR.LO, DicomDictionary.ImplicitVR(new DicomTag(0x0029, 0x0010)));
        Assert.Equal(DicomVR.UN, DicomDictionary.ImplicitVR(new DicomTag(0x0029, 0x1010)));
        Assert.Equal(DicomTag.ImagePositionPatient, DicomDictionary.FindKeyword("ImagePositionPatient"));
        Assert.True(DicomDictionary.Count > 4000);
    }

    [Fact]
    public void AllByteOrdersAndVRFlavoursGiveTheSameHeader()
    {
        string[] variants = ["MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_expb.dcm", "MR_small_RLE.dcm"];
        var reference = DicomFile.Open(Path.Combine(TestData.PydicomData, variants[0])).Dataset;
        foreach (var name in variants)
        {
            var ds = DicomFile.Open(Path.Combine(TestData.PydicomData, name)).Dataset;
            Assert.Equal(64, ds.GetInt(DicomTag.Rows));
            Assert.Equal(reference.GetDoubles(DicomTag.ImagePositionPatient), ds.GetDoubles(DicomTag.ImagePositionPatient));
            Assert.Equal(reference.GetString(DicomTag.PatientName), ds.GetString(DicomTag.PatientName));
            Assert.Equal(reference.GetDoubles(DicomTag.PixelSpacing), ds.GetDoubles(DicomTag.PixelSpacing));
        }
    }

    [Fact]
    public void DeflatedFileAndFilesWithoutMetaAreRead()
    {
        var deflated = DicomFile.Open(Path.Combine(TestData.PydicomData, "image_dfl.dcm"));
        Assert.True(deflated.TransferSyntax.Deflated);
        Assert.Equal(512, deflated.Dataset.GetInt(DicomTag.Rows));

        var noMeta = DicomFile.Open(Path.Combine(TestData.PydicomData, "ExplVR_BigEndNoMeta.dcm"));
        Assert.Equal(TransferSyntax.ExplicitVRBigEndian, noMeta.TransferSyntax);
        Assert.Equal(0, noMeta.Meta.Count);
        Assert.Equal("RTPLAN", noMeta.Dataset.GetString(DicomTag.Modality));
        Assert.Contains(noMeta.Warnings, w => w.Contains("inferred", StringComparison.Ordinal));
    }

    [Fact]
    public void NestedSequencesPrivateTagsAndUnSequencesAreKept()
    {
        // test-SR.dcm nests content items; dcmdump shows ContentSequence (0040,A730) at several levels.
        var sr = DicomFile.Open(Path.Combine(TestData.PydicomData, "test-SR.dcm")).Dataset;
        int depth = 0;
        var level = sr.GetSequence(new DicomTag(0x0040, 0xA730));
        while (level.Count > 0)
        {
            depth++;
            level = level.SelectMany(i => i.GetSequence(new DicomTag(0x0040, 0xA730))).ToList();
        }

        Assert.True(depth >= 3, $"depth {depth}");

        var priv = DicomFile.Open(Path.Combine(TestData.PydicomData, "nested_priv_SQ.dcm")).Dataset;
        var outer = priv.GetSequence(new DicomTag(0x0001, 0x0001));
        var inner = Assert.Single(outer).GetSequence(new DicomTag(0x0001, 0x0001));
        Assert.Equal("Double Nested SQ", Encoding.ASCII.GetString(Assert.Single(inner).GetBytes(new DicomTag(0x0001, 0x0001))));

        // UN with undefined length is a sequence in implicit VR (CP-246).
        var un = DicomFile.Open(Path.Combine(TestData.PydicomData, "UN_sequence.dcm")).Dataset;
        Assert.Contains(un.Elements, e => e.IsSequence && e.Tag.IsPrivate);
    }

    [Fact]
    public void CharacterSetsDecodeUtf8AndLatin1AndFallBackClearly()
    {
        var utf8 = DicomCharacterSet.FromTerms(["ISO_IR 192"], out var w1);
        Assert.Null(w1);
        Assert.Equal("Buc^Jérôme", utf8.GetString(Encoding.UTF8.GetBytes("Buc^Jérôme")));
        var latin1 = DicomCharacterSet.FromTerms(["ISO_IR 100"], out _);
        Assert.Equal("Buc^Jérôme", latin1.GetString([.. Encoding.Latin1.GetBytes("Buc^Jérôme")]));
        var cyrillic = DicomCharacterSet.FromTerms(["ISO_IR 144"], out var w2);
        Assert.Null(w2);
        Assert.Equal("Люкceмбypг"[0], cyrillic.GetString([0xBB])[0]);
        DicomCharacterSet.FromTerms(["ISO_IR 999"], out var w3);
        Assert.Contains("Latin-1", w3, StringComparison.Ordinal);

        // A file written as UTF-8 reads back.
        using var folder = TestData.CreateTempFolder();
        WriteSlice(folder.File("a.dcm"), "Gießen^Zoë");
        Assert.Equal("Gießen^Zoë", DicomFile.Open(folder.File("a.dcm")).Dataset.GetString(DicomTag.PatientName));
    }

    [Fact]
    public void HeadersAreScannedWithoutReadingPixels()
    {
        using var folder = TestData.CreateTempFolder();
        string path = folder.File("big.dcm");
        WriteSlice(path, "A^B", rows: 512, columns: 512);
        DicomFile.Open(path);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var file = DicomFile.Open(path);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64 << 10, $"opening a 512 KB file allocated {allocated} bytes");
        Assert.Equal(512 * 512 * 2, file.PixelData!.Length);
        Assert.True(file.PixelData.Offset < 4096);
    }

    [Fact]
    public void LengthPastTheEndFailsNamingTheFileAndElement()
    {
        using var folder = TestData.CreateTempFolder();
        string path = folder.File("long.dcm");
        var data = Preamble(TransferSyntax.ExplicitVRLittleEndian.Uid);
        data.AddRange(Element(0x0008, 0x0060, "CS", "CT"u8.ToArray()));
        data.AddRange([0x10, 0x00, 0x10, 0x00, (byte)'P', (byte)'N', 0xF0, 0xFF]); // PatientName claims 65520 bytes
        data.AddRange("Doe"u8.ToArray());
        File.WriteAllBytes(path, [.. data]);
        var error = Assert.Throws<InvalidImageFileException>(() => DicomFile.Open(path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("(0010,0010) claims 65520 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeepAndEndlessNestingFailFast()
    {
        using var folder = TestData.CreateTempFolder();
        string deep = folder.File("deep.dcm");
        var data = Preamble(TransferSyntax.ExplicitVRLittleEndian.Uid);
        for (int i = 0; i < 100_000; i++)
        {
            data.AddRange([0x08, 0x00, 0x15, 0x11, (byte)'S', (byte)'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]); // SQ, undefined length
            data.AddRange([0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]); // item, undefined length
        }

        File.WriteAllBytes(deep, [.. data]);
        var watch = Stopwatch.StartNew();
        var error = Assert.Throws<InvalidImageFileException>(() => DicomFile.Open(deep));
        Assert.Contains("nested more than", error.Message, StringComparison.Ordinal);
        Assert.True(watch.ElapsedMilliseconds < 5000);

        // A sequence of undefined length that never ends: items of defined length until the file ends.
        string endless = folder.File("endless.dcm");
        data = Preamble(TransferSyntax.ExplicitVRLittleEndian.Uid);
        data.AddRange([0x08, 0x00, 0x15, 0x11, (byte)'S', (byte)'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
        for (int i = 0; i < 50_000; i++)
        {
            data.AddRange([0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0]);
        }

        File.WriteAllBytes(endless, [.. data]);
        var ends = Assert.Throws<InvalidImageFileException>(() => DicomFile.Open(endless));
        Assert.Contains(endless, ends.Message, StringComparison.Ordinal);
        Assert.Contains("ends inside", ends.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedFilesFailWithOneLine()
    {
        using var folder = TestData.CreateTempFolder();
        string source = Path.Combine(TestData.PydicomData, "CT_small.dcm");
        var bytes = File.ReadAllBytes(source);
        foreach (int cut in new[] { 10, 131, 200, 600, 1500, bytes.Length - 300 })
        {
            string path = folder.File($"cut{cut}.dcm");
            File.WriteAllBytes(path, bytes[..cut]);
            var error = Assert.ThrowsAny<MedVoxException>(() => new DicomPixelReader(DicomFile.Open(path)).DecodeAll());
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', error.Message);
        }
    }

    [Fact]
    public void WriterOutputIsValidForDciodvfyAndDcmdump()
    {
        using var folder = TestData.CreateTempFolder();
        string path = folder.File("ct.dcm");
        WriteSlice(path, "Valid^Check");
        string dcmdump = TestData.RequireTool("dcmdump", "dcmtk");
        var (dumpCode, dump, dumpError) = ProcessRunner.Run(dcmdump, ["-dc", "+E", path]);
        Assert.True(dumpCode == 0, dumpError);
        Assert.Contains("(0028,1052) DS [-1024 ]", dump, StringComparison.Ordinal);
        Assert.DoesNotContain("E:", dumpError, StringComparison.Ordinal);

        string dciodvfy = TestData.RequireTool("dciodvfy", "dicom3tools");
        var (_, output, errors) = ProcessRunner.Run(dciodvfy, [path]);
        string all = output + errors;
        Assert.Contains("CTImage", all, StringComparison.Ordinal);
        Assert.DoesNotContain("Error", all, StringComparison.Ordinal);
    }

    private static void WriteSlice(string path, string patient, int rows = 2, int columns = 2) =>
        DicomCtWriter.Write(path, new DicomCtSlice
        {
            Rows = rows,
            Columns = columns,
            Pixels = new short[rows * columns],
            Position = new Vector3D(0, 0, 0),
            PatientName = patient,
            StudyInstanceUid = DicomCtWriter.NewUid(),
            SeriesInstanceUid = DicomCtWriter.NewUid(),
            SopInstanceUid = DicomCtWriter.NewUid(),
            FrameOfReferenceUid = DicomCtWriter.NewUid(),
        });

    private static List<byte> Preamble(string syntax)
    {
        var data = new List<byte>(new byte[128]);
        data.AddRange("DICM"u8.ToArray());
        var uid = Encoding.ASCII.GetBytes(syntax.Length % 2 == 1 ? syntax + "\0" : syntax);
        data.AddRange(Element(0x0002, 0x0010, "UI", uid));
        return data;
    }

    private static byte[] Element(ushort group, ushort element, string vr, byte[] value)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteUInt16LittleEndian(header, group);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(2), element);
        header[4] = (byte)vr[0];
        header[5] = (byte)vr[1];
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), (ushort)value.Length);
        return [.. header, .. value];
    }
}
