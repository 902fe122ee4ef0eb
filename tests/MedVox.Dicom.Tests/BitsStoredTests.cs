using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Dicom.Tests;

public class BitsStoredTests
{
    [Theory]
    [InlineData(true, new short[] { 0x0FFF, 0x1800, 0x07FF, unchecked((short)0xF123) }, new double[] { -1, -2048, 2047, 291 })]
    [InlineData(false, new short[] { 0x0FFF, 0x1800, 0x07FF, unchecked((short)0xF123) }, new double[] { 4095, 2048, 2047, 291 })]
    public void HighBitsAreMaskedAndSignExtendedFromBitsStored(bool signed, short[] stored, double[] expected)
    {
        // 12 of 16 bits stored, garbage in the top 4 bits (as overlays once used them); values by hand: the low 12
        // bits, read as two's complement when PixelRepresentation is 1.
        using var folder = TestData.CreateTempFolder();
        string path = folder.File("bits.dcm");
        Writing.DicomCtWriter.Write(path, new Writing.DicomCtSlice
        {
            Rows = 2,
            Columns = 2,
            Pixels = stored,
            Position = Geometry.Vector3D.Zero,
            StudyInstanceUid = Writing.DicomCtWriter.NewUid(),
            SeriesInstanceUid = Writing.DicomCtWriter.NewUid(),
            SopInstanceUid = Writing.DicomCtWriter.NewUid(),
            FrameOfReferenceUid = Writing.DicomCtWriter.NewUid(),
        });
        var bytes = File.ReadAllBytes(path);
        Patch(bytes, [0x28, 0x00, 0x01, 0x01, (byte)'U', (byte)'S', 2, 0], 12);
        Patch(bytes, [0x28, 0x00, 0x02, 0x01, (byte)'U', (byte)'S', 2, 0], 11);
        Patch(bytes, [0x28, 0x00, 0x03, 0x01, (byte)'U', (byte)'S', 2, 0], (ushort)(signed ? 1 : 0));
        File.WriteAllBytes(path, bytes);

        using var image = PydicomConformanceTests.Decode(path);
        Assert.Equal(signed ? ElementType.Int16 : ElementType.UInt16, image.ElementType);
        Assert.Equal(expected, new[] { image.GetValue(0, 0), image.GetValue(1, 0), image.GetValue(0, 1), image.GetValue(1, 1) });
    }

    private static void Patch(byte[] file, byte[] header, ushort value)
    {
        int at = file.AsSpan().IndexOf(header);
        Assert.True(at > 0);
        file[at + 8] = (byte)value;
        file[at + 9] = (byte)(value >> 8);
    }
}
