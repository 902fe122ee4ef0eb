using System.Buffers.Binary;
using System.IO.Compression;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.IO.Formats.Nifti;
using MedVox.Memory;
using MedVox.Testing;

namespace MedVox.IO.Tests.Nifti;

/// <summary>
/// Images written and read back by MedVox. Pixels must come back bit-exact. Geometry must come back within 1e-5 mm
/// for NIfTI-1, whose sform and pixdim are float32: a float32 keeps 24 significant bits, so an origin of ~120 mm is
/// rounded by up to 3.8e-6 mm and unit direction cosines by up to 3e-8; NIfTI-2 stores float64, so 1e-6 there (any
/// loss would be ~1e-13).
/// </summary>
public class NiftiRoundTripTests
{
    private const double Nifti1Tolerance = 1e-5;
    private const double Nifti2Tolerance = 1e-6;

    public static TheoryData<ElementType, int, string> TypesRanksAndNames()
    {
        var data = new TheoryData<ElementType, int, string>();
        foreach (var type in Enum.GetValues<ElementType>())
        {
            foreach (int rank in new[] { 2, 3, 4 })
            {
                data.Add(type, rank, "image.nii");
            }
        }

        data.Add(ElementType.Int16, 3, "image.nii.gz");
        data.Add(ElementType.Float64, 4, "image.nii.gz");
        data.Add(ElementType.UInt16, 3, "image.hdr");
        data.Add(ElementType.Float32, 4, "image.img");
        data.Add(ElementType.Int32, 3, "image.hdr.gz");
        return data;
    }

    [Theory]
    [MemberData(nameof(TypesRanksAndNames))]
    public void EveryTypeAndRankComesBackExactly(ElementType type, int rank, string name)
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(type, SizeOfRank(rank));

        ImageFile.Write(image, folder.File(name));
        using var back = ImageFile.Read(folder.File(name));

        ImageAssert.SamePixels(image, back);
        ImageAssert.SameGeometry(image, back, Nifti1Tolerance);
        Assert.Equal("1", back.Metadata[NiftiFormat.VersionKey]);
    }

    [Theory]
    [InlineData(ElementType.Int16, 3, "image.nii")]
    [InlineData(ElementType.Float64, 4, "image.nii.gz")]
    [InlineData(ElementType.UInt8, 2, "image.hdr")]
    [InlineData(ElementType.Int64, 3, "image.nii")]
    public void Nifti2KeepsGeometryInDoublePrecision(ElementType type, int rank, string name)
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(type, SizeOfRank(rank));
        image.Metadata[NiftiFormat.VersionKey] = "2";

        ImageFile.Write(image, folder.File(name));
        using var back = ImageFile.Read(folder.File(name));

        ImageAssert.SamePixels(image, back);
        ImageAssert.SameGeometry(image, back, Nifti2Tolerance);
        Assert.Equal("2", back.Metadata[NiftiFormat.VersionKey]);
        Assert.Equal(540, BinaryPrimitives.ReadInt32LittleEndian(FirstBytes(folder.File(name.Replace(".img", ".hdr", StringComparison.Ordinal)), 4)));
    }

    [Fact]
    public void DimensionsBeyondInt16SwitchToNifti2()
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(ElementType.UInt8, ImageSize.Of2D(40000, 2));

        ImageFile.Write(image, folder.File("wide.nii"));
        using var back = ImageFile.Read(folder.File("wide.nii"));

        ImageAssert.SamePixels(image, back);
        Assert.Equal("2", back.Metadata[NiftiFormat.VersionKey]);
    }

    [Theory]
    [InlineData(3, "rgb.nii")]
    [InlineData(4, "rgba.nii.gz")]
    public void ColourComesBackAsColour(int channels, string name)
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(ElementType.UInt8, ImageSize.Of3D(5, 4, 3), channels);
        image.IsColor = true;

        ImageFile.Write(image, folder.File(name));
        using var back = ImageFile.Read(folder.File(name));

        Assert.True(back.IsColor);
        ImageAssert.SamePixels(image, back);
        Assert.Equal(channels == 3 ? NiftiDataType.Rgb24 : NiftiDataType.Rgba32, BinaryPrimitives.ReadInt16LittleEndian(FirstBytes(folder.File(name), 72).AsSpan(70)));
    }

    [Theory]
    [InlineData(ElementType.Float32, 2, 2)]
    [InlineData(ElementType.Float32, 3, 3)]
    [InlineData(ElementType.Int16, 4, 2)]
    [InlineData(ElementType.Float64, 3, 5)]
    public void VectorChannelsGoToDim5AndComeBackInterleaved(ElementType type, int rank, int channels)
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(type, SizeOfRank(rank), channels);

        ImageFile.Write(image, folder.File("vector.nii.gz"));
        using var back = ImageFile.Read(folder.File("vector.nii.gz"));

        Assert.False(back.IsColor);
        ImageAssert.SamePixels(image, back);
        ImageAssert.SameGeometry(image, back, Nifti1Tolerance);
    }

    [Fact]
    public void VectorComponentsArePlanarOnDisk()
    {
        // Hand-checked layout: a 2x1x1 image with 2 channels (a0 b0, a1 b1) is stored a0 a1 b0 b1 (dim[5] slowest).
        using var folder = TestData.CreateTempFolder();
        using var image = Image.FromPixels<short>(new ImageGeometry(ImageSize.Of3D(2, 1, 1)), [10, 20, 11, 21], channels: 2);

        ImageFile.Write(image, folder.File("v.nii"));
        byte[] bytes = File.ReadAllBytes(folder.File("v.nii"));

        Assert.Equal(352 + 8, bytes.Length);
        Assert.Equal([10, 11, 20, 21], [.. Enumerable.Range(0, 4).Select(i => BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(352 + (2 * i))))]);
        Assert.Equal(5, BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(40)));
        Assert.Equal(2, BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(50)));
    }

    [Fact]
    public void MetadataIsWrittenBack()
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(ElementType.Float32, ImageSize.Of3D(3, 3, 3));
        image.Metadata[NiftiFormat.QformCodeKey] = "3";
        image.Metadata[NiftiFormat.SformCodeKey] = "4";
        image.Metadata[NiftiFormat.DescripKey] = "a description";
        image.Metadata[NiftiFormat.IntentCodeKey] = "3";
        image.Metadata[NiftiFormat.IntentNameKey] = "tstat";
        image.Metadata[NiftiFormat.IntentP1Key] = "12.5";

        ImageFile.Write(image, folder.File("m.nii"));
        using var back = ImageFile.Read(folder.File("m.nii"));

        Assert.Equal("3", back.Metadata[NiftiFormat.QformCodeKey]);
        Assert.Equal("4", back.Metadata[NiftiFormat.SformCodeKey]);
        Assert.Equal("a description", back.Metadata[NiftiFormat.DescripKey]);
        Assert.Equal("3", back.Metadata[NiftiFormat.IntentCodeKey]);
        Assert.Equal("tstat", back.Metadata[NiftiFormat.IntentNameKey]);
        Assert.Equal("12.5", back.Metadata[NiftiFormat.IntentP1Key]);
        Assert.Equal("10", back.Metadata[NiftiFormat.XyztUnitsKey]);
    }

    [Fact]
    public void TextLongerThanItsFieldIsCut()
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(ElementType.UInt8, ImageSize.Of3D(2, 2, 2));
        image.Metadata[NiftiFormat.DescripKey] = new string('d', 100);
        image.Metadata[NiftiFormat.IntentNameKey] = "é" + new string('n', 15); // 17 UTF-8 bytes for a 16-byte field

        ImageFile.Write(image, folder.File("t.nii"));
        using var back = ImageFile.Read(folder.File("t.nii"));

        Assert.Equal(new string('d', 80), back.Metadata[NiftiFormat.DescripKey]);
        Assert.Equal("é" + new string('n', 14), back.Metadata[NiftiFormat.IntentNameKey]);
    }

    [Fact]
    public void WrittenHeaderHasTheDocumentedFixedFields()
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(ElementType.Int16, ImageSize.Of4D(3, 4, 5, 2));

        ImageFile.Write(image, folder.File("h.nii"));
        byte[] h = FirstBytes(folder.File("h.nii"), 352);

        Assert.Equal(348, BinaryPrimitives.ReadInt32LittleEndian(h));
        Assert.Equal(352f, BinaryPrimitives.ReadSingleLittleEndian(h.AsSpan(108))); // vox_offset
        Assert.Equal(1f, BinaryPrimitives.ReadSingleLittleEndian(h.AsSpan(112))); // scl_slope
        Assert.Equal(10, h[123]); // xyzt_units: mm + s
        Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(h.AsSpan(252))); // qform_code scanner
        Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(h.AsSpan(254))); // sform_code scanner
        Assert.Equal(-1f, BinaryPrimitives.ReadSingleLittleEndian(h.AsSpan(76))); // qfac: the oblique test geometry is left-handed
        Assert.Equal(2f, BinaryPrimitives.ReadSingleLittleEndian(h.AsSpan(92))); // pixdim[4]: 2 s
        Assert.Equal("n+1\0"u8.ToArray(), h[344..348]);
        Assert.Equal([0, 0, 0, 0], h[348..352]);
    }

    [Fact]
    public void MapInPlaceMapsAnUncompressedNativeFile()
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(ElementType.Int16, ImageSize.Of3D(6, 5, 4));
        ImageFile.Write(image, folder.File("m.nii"));

        using var mapped = ImageFile.Read(folder.File("m.nii"), new ImageReadOptions { MapInPlace = true });
        using var copied = ImageFile.Read(folder.File("m.nii"));

        Assert.True(mapped.IsMapped);
        Assert.False(copied.IsMapped);
        ImageAssert.Identical(copied, mapped);
    }

    [Fact]
    public void MapInPlaceFallsBackToCopyingWhereTheLayoutDiffers()
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(ElementType.Int16, ImageSize.Of3D(6, 5, 4));
        ImageFile.Write(image, folder.File("m.nii.gz"));
        var options = new ImageReadOptions { MapInPlace = true, Allocation = new AllocationOptions { Mode = AllocationMode.Memory } };

        using var compressed = ImageFile.Read(folder.File("m.nii.gz"), options);

        Assert.False(compressed.IsMapped);
        ImageAssert.SamePixels(image, compressed);
    }

    [Fact]
    public void WriteReplacesAnExistingFileAndLeavesNoTemporaries()
    {
        using var folder = TestData.CreateTempFolder();
        using var first = TestImages.Pattern(ElementType.UInt8, ImageSize.Of3D(4, 4, 4));
        using var second = TestImages.Pattern(ElementType.Float32, ImageSize.Of3D(3, 3, 3));

        ImageFile.Write(first, folder.File("x.hdr"));
        ImageFile.Write(second, folder.File("x.hdr"));
        using var back = ImageFile.Read(folder.File("x.img"));

        ImageAssert.SamePixels(second, back);
        Assert.Equal(["x.hdr", "x.img"], Directory.GetFiles(folder.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void CroppedViewsAreWrittenRowByRow()
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(ElementType.Int32, ImageSize.Of4D(8, 7, 6, 2));
        using var crop = image.Crop(new Index3(1, 2, 3), ImageSize.Of3D(5, 4, 2));

        ImageFile.Write(crop, folder.File("crop.nii.gz"));
        using var back = ImageFile.Read(folder.File("crop.nii.gz"));

        ImageAssert.Identical(crop, back, Nifti1Tolerance);
    }

    private static ImageSize SizeOfRank(int rank) => rank switch
    {
        2 => ImageSize.Of2D(7, 5),
        3 => ImageSize.Of3D(7, 5, 4),
        _ => ImageSize.Of4D(7, 5, 4, 3),
    };

    /// <summary>The first bytes of a file, decompressed when its name ends in .gz.</summary>
    private static byte[] FirstBytes(string path, int count)
    {
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        var bytes = new byte[count];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
