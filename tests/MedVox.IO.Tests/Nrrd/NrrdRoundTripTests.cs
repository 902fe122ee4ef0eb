using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.IO.Tests.Nrrd;

public class NrrdRoundTripTests
{
    public static TheoryData<ElementType, string, bool> TypesAndLayouts()
    {
        var data = new TheoryData<ElementType, string, bool>();
        foreach (var type in Enum.GetValues<ElementType>())
        {
            foreach (string extension in new[] { ".nrrd", ".nhdr" })
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
        string dataFile = compress ? "volume.raw.gz" : "volume.raw";
        Assert.Equal(extension == ".nhdr", File.Exists(folder.File(dataFile)));
        Assert.Equal(extension == ".nhdr" ? 2 : 1, Directory.GetFiles(folder.Path).Length);
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
    [InlineData(".nrrd", false)]
    [InlineData(".nrrd", true)]
    [InlineData(".nhdr", true)]
    public void TimeSeriesRoundTripsWithTimeSpacingAndOrigin(string extension, bool compress)
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(ElementType.Int16, ImageSize.Of4D(4, 3, 2, 5));
        image.Metadata["TimeOrigin"] = "12.5";
        string path = folder.File("series" + extension);

        ImageFile.Write(image, path, new ImageWriteOptions { Compress = compress });
        using var read = ImageFile.Read(path);

        ImageAssert.Identical(image, read);
        Assert.Equal(2.0, read.Geometry.TimeSpacing);
        Assert.Equal("12.5", read.Metadata["TimeOrigin"]);
    }

    [Theory]
    [InlineData(".nrrd")]
    [InlineData(".nhdr")]
    public void PlanarImageRoundTripsInATwoDimensionalSpace(string extension)
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
        Assert.Contains("space dimension: 2", File.ReadAllLines(path));
    }

    [Fact]
    public void SliceOfAVolumeKeepsItsPlaceAsOneSliceVolume()
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(ElementType.Int16, ImageSize.Of2D(6, 5));
        string path = folder.File("slice.nrrd");

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
    [InlineData(ElementType.UInt8, 3, true, "RGB-color")]
    [InlineData(ElementType.UInt8, 4, true, "RGBA-color")]
    [InlineData(ElementType.Float32, 3, false, "vector")]
    [InlineData(ElementType.Int16, 5, false, "vector")]
    public void ChannelsRoundTripOnAFirstAxisOfTheirKind(ElementType type, int channels, bool colour, string kind)
    {
        using var folder = TestData.CreateTempFolder();
        foreach (var size in new[] { ImageSize.Of3D(4, 3, 2), ImageSize.Of4D(3, 2, 2, 3) })
        {
            using var image = TestImages.Pattern(type, size, channels);
            image.IsColor = colour;
            foreach (bool compress in new[] { false, true })
            {
                string path = folder.File($"channels{size.Rank}{compress}.nrrd");
                ImageFile.Write(image, path, new ImageWriteOptions { Compress = compress });
                using var read = ImageFile.Read(path);

                ImageAssert.Identical(image, read);
                Assert.Equal(colour, read.IsColor);
                Assert.StartsWith($"kinds: {kind} domain", File.ReadLines(path).Single(l => l.StartsWith("kinds:", StringComparison.Ordinal)), StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData(".nrrd")]
    [InlineData(".nhdr")]
    public void MapInPlaceMapsRawDataWithoutCopy(string extension)
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(ElementType.Float64, ImageSize.Of3D(9, 7, 3));
        string path = folder.File("mapped" + extension);
        ImageFile.Write(image, path);

        using var read = ImageFile.Read(path, new ImageReadOptions { MapInPlace = true });

        Assert.True(read.IsMapped);
        ImageAssert.Identical(image, read);
    }

    [Fact]
    public void KeyValuesContentAndMeasurementFrameRoundTrip()
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(ElementType.Int16, ImageSize.Of3D(3, 3, 3));
        image.Metadata["DWMRI_b-value"] = "1000";
        image.Metadata["multi line"] = "first\nsecond \\ third";
        image.Metadata["NRRD_content"] = "resampled head";
        image.Metadata["NRRD_measurement frame"] = "(1,0,0) (0,1,0) (0,0,1)";
        image.Metadata["# not a comment"] = "left out";
        image.Metadata["carriage"] = "return\r";
        string path = folder.File("meta.nrrd");

        ImageFile.Write(image, path);
        using var read = ImageFile.Read(path);

        Assert.Equal("1000", read.Metadata["DWMRI_b-value"]);
        Assert.Equal("first\nsecond \\ third", read.Metadata["multi line"]);
        Assert.Equal("resampled head", read.Metadata["NRRD_content"]);
        Assert.Equal("(1,0,0) (0,1,0) (0,0,1)", read.Metadata["NRRD_measurement frame"]);
        Assert.Contains("content: resampled head", File.ReadAllLines(path));
        Assert.False(read.Metadata.ContainsKey("# not a comment"));
        Assert.False(read.Metadata.ContainsKey("carriage"));
    }

    [Fact]
    public void HeaderIsWhatSlicerAndItkWrite()
    {
        using var folder = TestData.CreateTempFolder();
        var geometry = new ImageGeometry(ImageSize.Of3D(3, 2, 2), new Vector3D(0.5, 0.75, 2.5), new Vector3D(-1.5, 2, 30),
            Matrix3D.FromColumns(new Vector3D(0, 1, 0), new Vector3D(-1, 0, 0), new Vector3D(0, 0, 1)));
        using var image = Image.Create(geometry, ElementType.Int16);
        string path = folder.File("header.nhdr");

        ImageFile.Write(image, path, new ImageWriteOptions { Compress = true });

        Assert.Equal(
            [
                "NRRD0004",
                "# Complete NRRD file format specification at:",
                "# http://teem.sourceforge.net/nrrd/format.html",
                "type: short",
                "dimension: 3",
                "space: left-posterior-superior",
                "sizes: 3 2 2",
                "space directions: (0,0.5,0) (-0.75,0,0) (0,0,2.5)",
                "kinds: domain domain domain",
                "endian: little",
                "encoding: gzip",
                "space origin: (-1.5,2,30)",
                "data file: header.raw.gz",
                string.Empty,
            ],
            File.ReadAllLines(path));
    }

    [Fact]
    public void ReadHeaderGivesGeometryWithoutPixels()
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(ElementType.Float32, ImageSize.Of3D(5, 4, 3), channels: 2);
        string path = folder.File("header.nhdr");
        ImageFile.Write(image, path);
        File.Delete(folder.File("header.raw"));

        var header = ImageFile.ReadHeader(path);

        Assert.Equal("NRRD", header.Format);
        Assert.True(image.Geometry.IsEquivalent(header.Geometry));
        Assert.Equal(2, header.Channels);
        Assert.Equal("float", header.Fields["type"]);
    }
}
