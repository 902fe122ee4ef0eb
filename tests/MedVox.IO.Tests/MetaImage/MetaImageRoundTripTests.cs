using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.IO.Tests.MetaImage;

public class MetaImageRoundTripTests
{
    public static TheoryData<ElementType, string, bool> TypesAndLayouts()
    {
        var data = new TheoryData<ElementType, string, bool>();
        foreach (var type in Enum.GetValues<ElementType>())
        {
            foreach (string extension in new[] { ".mha", ".mhd" })
            {
                data.Add(type, extension, false);
                data.Add(type, extension, true);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TypesAndLayouts))]
    public void VolumeOfEveryTypeRoundTripsBitExact(ElementType type, string extension, bool compress)
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(type, ImageSize.Of3D(7, 5, 4));
        string path = folder.File("volume" + extension);

        ImageFile.Write(image, path, new ImageWriteOptions { Compress = compress });
        using var read = ImageFile.Read(path);

        ImageAssert.Identical(image, read);
        Assert.False(read.IsColor);
        string dataFile = compress ? "volume.zraw" : "volume.raw";
        Assert.Equal(extension == ".mhd", File.Exists(folder.File(dataFile)));
        Assert.Equal(extension == ".mhd" ? 2 : 1, Directory.GetFiles(folder.Path).Length);
    }

    [Theory]
    [MemberData(nameof(TypesAndLayouts))]
    public void ImagesOfEveryTypeAndRankRoundTripBitExact(ElementType type, string extension, bool compress)
    {
        // 2D in its own plane (z = 0, unit normal), 3D and 4D oblique, one and two channels.
        double c = Math.Cos(0.3), s = Math.Sin(0.3);
        var plane = new ImageGeometry(ImageSize.Of2D(6, 5), new Vector3D(0.6, 0.9, 1), new Vector3D(3.5, -8.25, 0),
            Matrix3D.FromColumns(new Vector3D(c, -s, 0), new Vector3D(s, c, 0), new Vector3D(0, 0, 1)));
        var cases = new (ImageSize Size, ImageGeometry? Geometry, int Channels)[]
        {
            (plane.Size, plane, 1),
            (ImageSize.Of3D(7, 5, 4), null, 1),
            (ImageSize.Of4D(3, 4, 2, 3), null, 1),
            (ImageSize.Of3D(4, 3, 2), null, 2),
        };
        using var folder = TestData.CreateTempFolder();
        foreach (var (size, geometry, channels) in cases)
        {
            using var image = TestImages.Pattern(type, size, channels, geometry);
            string path = folder.File($"image{size.Rank}x{channels}{extension}");

            ImageFile.Write(image, path, new ImageWriteOptions { Compress = compress });
            using var read = ImageFile.Read(path);

            ImageAssert.Identical(image, read);
            Assert.Equal(size.Rank, read.Size.Rank);
            Assert.False(read.IsColor);
        }
    }

    [Theory]
    [InlineData(".mha", false)]
    [InlineData(".mha", true)]
    [InlineData(".mhd", true)]
    public void TimeSeriesRoundTripsWithTimeSpacingAndOrigin(string extension, bool compress)
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(ElementType.Float32, ImageSize.Of4D(4, 3, 2, 5));
        image.Metadata["TimeOrigin"] = "12.5";
        string path = folder.File("series" + extension);

        ImageFile.Write(image, path, new ImageWriteOptions { Compress = compress });
        using var read = ImageFile.Read(path);

        ImageAssert.Identical(image, read);
        Assert.Equal(4, read.Size.Rank);
        Assert.Equal(2.0, read.Geometry.TimeSpacing);
        Assert.Equal("12.5", read.Metadata["TimeOrigin"]);
    }

    [Theory]
    [InlineData(".mha")]
    [InlineData(".mhd")]
    public void PlanarImageRoundTripsAsTwoDimensional(string extension)
    {
        using var folder = TestData.CreateTempFolder();
        double c = Math.Cos(0.4), s = Math.Sin(0.4);
        var geometry = new ImageGeometry(
            ImageSize.Of2D(6, 5),
            new Vector3D(0.35, 0.45, 1),
            new Vector3D(-20.125, 7.75, 0),
            Matrix3D.FromColumns(new Vector3D(c, s, 0), new Vector3D(-s, c, 0), new Vector3D(0, 0, 1)));
        using var image = TestImages.Pattern(ElementType.UInt16, geometry.Size, geometry: geometry);
        string path = folder.File("plane" + extension);

        ImageFile.Write(image, path);
        using var read = ImageFile.Read(path);

        ImageAssert.Identical(image, read);
        Assert.Equal(2, read.Size.Rank);
        Assert.Contains("NDims = 2", File.ReadAllLines(path));
    }

    [Fact]
    public void SliceOfAVolumeKeepsItsPlaceAsOneSliceVolume()
    {
        // A 2D image whose geometry leaves the z = 0 plane (here: a slice of an oblique volume at z = 71.125) cannot be
        // said with NDims = 2; it is written as a 3D image of one slice so that every pixel keeps its position.
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(ElementType.Int16, ImageSize.Of2D(6, 5));
        string path = folder.File("slice.mha");

        ImageFile.Write(image, path);
        using var read = ImageFile.Read(path);

        Assert.Equal(ImageSize.Of3D(6, 5, 1), read.Size);
        Assert.True(image.Geometry.WithSize(read.Size).IsEquivalent(read.Geometry));
        for (int y = 0; y < 5; y++)
        {
            Assert.True(image.GetRowBytes(y).SequenceEqual(read.GetRowBytes(y)));
        }
    }

    [Theory]
    [InlineData(ElementType.UInt8, 3, true)]
    [InlineData(ElementType.UInt8, 4, true)]
    [InlineData(ElementType.UInt8, 2, false)]
    [InlineData(ElementType.Float32, 3, false)]
    [InlineData(ElementType.Int16, 5, false)]
    public void ChannelsRoundTripAndThreeOrFourBytesAreColour(ElementType type, int channels, bool colour)
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(type, ImageSize.Of3D(4, 3, 2), channels);
        image.IsColor = colour;
        foreach (bool compress in new[] { false, true })
        {
            string path = folder.File($"channels{compress}.mha");
            ImageFile.Write(image, path, new ImageWriteOptions { Compress = compress });
            using var read = ImageFile.Read(path);

            ImageAssert.Identical(image, read);
            Assert.Equal(colour, read.IsColor);
        }
    }

    [Theory]
    [InlineData(".mha")]
    [InlineData(".mhd")]
    public void MapInPlaceMapsRawDataWithoutCopy(string extension)
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(ElementType.Int32, ImageSize.Of3D(9, 7, 3));
        string path = folder.File("mapped" + extension);
        ImageFile.Write(image, path);

        using var read = ImageFile.Read(path, new ImageReadOptions { MapInPlace = true });

        Assert.True(read.IsMapped);
        ImageAssert.Identical(image, read);
    }

    [Fact]
    public void CompressedDataIsNotMappedButRead()
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(ElementType.Int32, ImageSize.Of3D(9, 7, 3));
        string path = folder.File("packed.mha");
        ImageFile.Write(image, path, new ImageWriteOptions { Compress = true });

        using var read = ImageFile.Read(path, new ImageReadOptions { MapInPlace = true });

        Assert.False(read.IsMapped);
        ImageAssert.Identical(image, read);
    }

    [Fact]
    public void MetadataRoundTripsAsExtraFields()
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(ElementType.Int16, ImageSize.Of3D(3, 3, 3));
        image.Metadata["Modality"] = "MET_MOD_CT";
        image.Metadata["PatientComment"] = "first scan, contrast";
        image.Metadata["bad key"] = "not writable";
        image.Metadata["NDims"] = "7";
        string path = folder.File("meta.mha");

        ImageFile.Write(image, path);
        using var read = ImageFile.Read(path);

        Assert.Equal("MET_MOD_CT", read.Metadata["Modality"]);
        Assert.Equal("first scan, contrast", read.Metadata["PatientComment"]);
        Assert.False(read.Metadata.ContainsKey("bad key"));
        Assert.Equal(3, read.Size.Rank);
    }

    [Fact]
    public void HeaderFieldsAreInTheOrderItkWritesThem()
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(ElementType.UInt8, ImageSize.Of3D(2, 2, 2), channels: 3);
        string path = folder.File("order.mhd");

        ImageFile.Write(image, path, new ImageWriteOptions { Compress = true });

        var keys = File.ReadAllLines(path).Select(l => l.Split(" = ")[0]).ToArray();
        Assert.Equal(
            [
                "ObjectType", "NDims", "BinaryData", "BinaryDataByteOrderMSB", "CompressedData", "CompressedDataSize",
                "TransformMatrix", "Offset", "CenterOfRotation", "AnatomicalOrientation", "ElementSpacing", "DimSize",
                "ElementNumberOfChannels", "ElementType", "ElementDataFile",
            ],
            keys);
        Assert.Contains("ElementDataFile = order.zraw", File.ReadAllLines(path));
        Assert.Equal(new FileInfo(folder.File("order.zraw")).Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
            File.ReadAllLines(path).Single(l => l.StartsWith("CompressedDataSize", StringComparison.Ordinal)).Split(" = ")[1]);
    }

    [Fact]
    public void ReadHeaderGivesGeometryWithoutPixels()
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(ElementType.Float64, ImageSize.Of3D(5, 4, 3), channels: 2);
        string path = folder.File("header.mhd");
        ImageFile.Write(image, path);
        File.Delete(folder.File("header.raw"));

        var header = ImageFile.ReadHeader(path);

        Assert.Equal("MetaImage", header.Format);
        Assert.True(image.Geometry.IsEquivalent(header.Geometry));
        Assert.Equal(ElementType.Float64, header.ElementType);
        Assert.Equal(2, header.Channels);
        Assert.Equal("MET_DOUBLE", header.Fields["ElementType"]);
    }

    [Fact]
    public void FailedWriteLeavesNoFiles()
    {
        using var folder = TestData.CreateTempFolder();
        var image = TestImages.Pattern(ElementType.Int16, ImageSize.Of3D(3, 3, 3));
        image.Dispose();

        Assert.ThrowsAny<ObjectDisposedException>(() => ImageFile.Write(image, folder.File("gone.mhd")));

        Assert.Empty(Directory.GetFiles(folder.Path));
    }
}
