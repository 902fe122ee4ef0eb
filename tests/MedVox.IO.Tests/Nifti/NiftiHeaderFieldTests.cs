using System.Buffers.Binary;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.IO.Tests.Nifti;

/// <summary>Valid but less common header fields, on hand-built files with hand-computed expectations.</summary>
public sealed class NiftiHeaderFieldTests : IDisposable
{
    private readonly TempFolder _folder = TestData.CreateTempFolder();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(1, 0.002, 2.0)] // metres -> mm
    [InlineData(2, 2.0, 2.0)] // mm
    [InlineData(3, 2000.0, 2.0)] // microns -> mm
    [InlineData(0, 2.0, 2.0)] // unknown: taken as mm
    public void SpatialUnitsBecomeMillimetres(byte units, double pixdim, double expectedMm)
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetXyztUnits(units);
        header.SetPixDim(1, pixdim);
        using var image = Read("units.nii", header.Build(new byte[48]));

        // pixdim is float32: 0.002 m is 2.0000000950 mm.
        Assert.Equal(expectedMm, image.Geometry.Spacing.X, 1e-6);
        // nibabel's fallback centres the volume: x origin = -(4 - 1) / 2 * -pixdim, in the file's unit.
        Assert.Equal(1.5 * expectedMm, image.Geometry.ToRasAffine()[3], 1e-6);
    }

    [Theory]
    [InlineData(8, 2.5, 2.5)] // seconds
    [InlineData(16, 2500, 2.5)] // milliseconds
    [InlineData(24, 2500000, 2.5)] // microseconds
    [InlineData(32, 7, 7)] // Hz: not a time, kept as it is
    [InlineData(2, 0, 1)] // zero: unknown, 1
    public void TimeStepBecomesSeconds(byte units, double pixdim4, double expected)
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetDims(4, 3, 1, 2);
        header.SetXyztUnits(units);
        header.SetPixDim(4, pixdim4);
        using var image = Read("time.nii", header.Build(new byte[48]));

        Assert.Equal(ImageSize.Of4D(4, 3, 1, 2), image.Size);
        Assert.Equal(expected, image.Geometry.TimeSpacing, 9);
    }

    [Fact]
    public void NonTimeUnitIsWrittenBack()
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetDims(4, 3, 1, 2);
        header.SetXyztUnits(2 | 32); // mm, Hz
        header.SetPixDim(4, 7);
        using var image = Read("hz.nii", header.Build(new byte[48]));

        ImageFile.Write(image, _folder.File("back.nii"));
        byte[] bytes = File.ReadAllBytes(_folder.File("back.nii"));

        Assert.Equal(2 | 32, bytes[123]);
        Assert.Equal(7f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(76 + 16)));
    }

    [Theory]
    [InlineData(4, ElementType.Float32)] // int16
    [InlineData(2, ElementType.Float32)] // uint8
    [InlineData(8, ElementType.Float64)] // int32
    [InlineData(16, ElementType.Float32)] // float32
    [InlineData(64, ElementType.Float64)] // float64
    public void ScalingGivesNumpysFloatPromotion(short datatype, ElementType expected)
    {
        int size = datatype switch { 2 => 1, 4 => 2, 8 or 16 => 4, _ => 8 };
        var header = NiftiTestFiles.Nifti1();
        header.SetDims(2, 1, 1);
        header.SetDataType(datatype, (short)(size * 8));
        header.SetScaling(0.5, 10);
        var pixels = new byte[2 * size];
        WriteValue(pixels, datatype, 0, 100);
        WriteValue(pixels, datatype, 1, 7);
        using var image = Read("scaled.nii", header.Build(pixels));

        Assert.Equal(expected, image.ElementType);
        Assert.Equal(60.0, image.GetValue(0, 0)); // 100 * 0.5 + 10
        Assert.Equal(13.5, image.GetValue(1, 0)); // 7 * 0.5 + 10
    }

    [Theory]
    [InlineData(1.0, 0.0)]
    [InlineData(0.0, 5.0)] // slope 0: no scaling (nibabel: get_slope_inter gives None)
    [InlineData(double.NaN, 5.0)]
    public void IdentityOrInvalidSlopeLeavesTheStoredType(double slope, double intercept)
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetScaling(slope, intercept);
        var pixels = new byte[48];
        BinaryPrimitives.WriteInt16LittleEndian(pixels, 1234);
        using var image = Read("unscaled.nii", header.Build(pixels));

        Assert.Equal(ElementType.Int16, image.ElementType);
        Assert.Equal(1234, image.GetValue(0, 0));
    }

    [Fact]
    public void ZeroVoxOffsetInASingleFileMeansRightAfterTheHeader()
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetVoxOffset(0);
        var pixels = new byte[48];
        BinaryPrimitives.WriteInt16LittleEndian(pixels, 4321);
        using var image = Read("zero_offset.nii", header.Build(pixels));

        Assert.Equal(4321, image.GetValue(0, 0));
    }

    [Fact]
    public void LargerVoxOffsetSkipsExtensionBytes()
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetVoxOffset(352 + 32);
        var data = new byte[32 + 48];
        data.AsSpan(0, 32).Fill(0xEE); // stands for an extension
        BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(32), 999);
        using var raw = Read("ext.nii", header.Build(data));
        using var gz = Read("ext.nii.gz", header.Build(data, gzip: true));

        Assert.Equal(999, raw.GetValue(0, 0));
        Assert.Equal(999, gz.GetValue(0, 0));
    }

    [Fact]
    public void TwoDimensionalVectorImageKeepsRankTwo()
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetDims(2, 2, 1, 1, 3);
        header.SetDataType(2, 8);
        byte[] planar = [1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24];
        using var image = Read("vec2d.nii", header.Build(planar));

        Assert.Equal(ImageSize.Of2D(2, 2), image.Size);
        Assert.Equal(3, image.Channels);
        Assert.Equal([1, 11, 21, 2, 12, 22], image.GetRow<byte>(0).ToArray());
        Assert.Equal([3, 13, 23, 4, 14, 24], image.GetRow<byte>(1).ToArray());
    }

    [Fact]
    public void ColourIsNotScaled()
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetDims(2, 1, 1);
        header.SetDataType(128, 24);
        header.SetScaling(2, 1);
        using var image = Read("rgb.nii", header.Build([10, 20, 30, 40, 50, 60]));

        Assert.Equal(ElementType.UInt8, image.ElementType);
        Assert.True(image.IsColor);
        Assert.Equal([10, 20, 30, 40, 50, 60], image.GetRow<byte>(0).ToArray());
    }

    [Fact]
    public void InvalidXformCodesAreIgnoredAsNibabelDoes()
    {
        // nibabel resets codes outside 0..5 to 0 on load, so neither transform is used: the centred fallback applies.
        var header = NiftiTestFiles.Nifti1();
        header.SetTransform(9, -2, [0, 0, 1, 50, 50, 50], [3, 0, 0, 7, 0, 3, 0, 7, 0, 0, 3, 7]);
        using var image = Read("codes.nii", header.Build(new byte[48]));

        Assert.Equal([-1.0, 0, 0, 1.5, 0, 1, 0, -1, 0, 0, 1, -0.5], image.Geometry.ToRasAffine()[..12]);
    }

    private Image Read(string name, byte[] bytes)
    {
        File.WriteAllBytes(_folder.File(name), bytes);
        return ImageFile.Read(_folder.File(name));
    }

    private static void WriteValue(byte[] pixels, short datatype, int index, int value)
    {
        switch (datatype)
        {
            case 2: pixels[index] = (byte)value; break;
            case 4: BinaryPrimitives.WriteInt16LittleEndian(pixels.AsSpan(2 * index), (short)value); break;
            case 8: BinaryPrimitives.WriteInt32LittleEndian(pixels.AsSpan(4 * index), value); break;
            case 16: BinaryPrimitives.WriteSingleLittleEndian(pixels.AsSpan(4 * index), value); break;
            default: BinaryPrimitives.WriteDoubleLittleEndian(pixels.AsSpan(8 * index), value); break;
        }
    }
}
