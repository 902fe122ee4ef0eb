using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.IO.Tests.Nrrd;

/// <summary>NRRD checked against teem's unu, the reference implementation, in both directions.</summary>
public class NrrdTeemTests
{
    /// <summary>Values -1000, -699, -398, ... (301 apart), distinct in every byte.</summary>
    private static short[] Ramp(int count) => Enumerable.Range(0, count).Select(i => (short)((i * 301) - 1000)).ToArray();

    private static byte[] Bytes(short[] values, bool bigEndian)
    {
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
        {
            if (bigEndian)
            {
                BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(i * 2), values[i]);
            }
            else
            {
                BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(i * 2), values[i]);
            }
        }

        return bytes;
    }

    private static void AssertRamp(Image image)
    {
        var expected = Ramp((int)image.ElementCount);
        var actual = new List<double>();
        for (int t = 0; t < image.Size.T; t++)
        {
            for (int z = 0; z < image.Size.Z; z++)
            {
                for (int y = 0; y < image.Size.Y; y++)
                {
                    for (int x = 0; x < image.Size.X; x++)
                    {
                        for (int c = 0; c < image.Channels; c++)
                        {
                            actual.Add(image.GetValue(x, y, z, t, c));
                        }
                    }
                }
            }
        }

        Assert.Equal(expected.Select(v => (double)v), actual);
    }

    /// <summary>A 4x3x2 int16 ramp in RAS space, made by unu from big-endian raw data.</summary>
    private static string MakeRasVolume(TempFolder folder)
    {
        File.WriteAllBytes(folder.File("ramp.raw"), Bytes(Ramp(24), bigEndian: true));
        string path = folder.File("made.nrrd");
        TeemOracle.Run("make", "-i", folder.File("ramp.raw"), "-t", "short", "-s", "4", "3", "2", "-en", "big",
            "-spc", "RAS", "-orig", "(1,2,3)", "-dirs", "(0,-0.5,0) (0.75,0,0) (0,0,2)", "-k", "domain", "domain", "domain", "-o", path);
        return path;
    }

    /// <summary>The geometry of <see cref="MakeRasVolume"/> in LPS, worked out by hand: x and y of every vector negated.</summary>
    private static ImageGeometry RasVolumeInLps() => new(
        ImageSize.Of3D(4, 3, 2),
        new Vector3D(0.5, 0.75, 2),
        new Vector3D(-1, -2, 3),
        Matrix3D.FromColumns(new Vector3D(0, 1, 0), new Vector3D(-1, 0, 0), new Vector3D(0, 0, 1)));

    [Theory]
    [InlineData("raw", "little")]
    [InlineData("raw", "big")]
    [InlineData("gzip", "little")]
    [InlineData("gzip", "big")]
    [InlineData("ascii", "little")]
    [InlineData("hex", "big")]
    public void FilesUnuMakesAreReadInEveryEncodingAndByteOrder(string encoding, string endian)
    {
        using var folder = TestData.CreateTempFolder();
        string made = MakeRasVolume(folder);
        string path = folder.File($"saved-{encoding}.nrrd");
        TeemOracle.Run("save", "-f", "nrrd", "-e", encoding, "-en", endian, "-i", made, "-o", path);

        using var image = ImageFile.Read(path);

        Assert.Equal(ElementType.Int16, image.ElementType);
        Assert.True(RasVolumeInLps().IsEquivalent(image.Geometry, 1e-12), image.Geometry.ToString());
        AssertRamp(image);
    }

    [Fact]
    public void DetachedHeaderWithLineAndByteSkipReadsWhatTeemReads()
    {
        using var folder = TestData.CreateTempFolder();
        var data = new List<byte>();
        data.AddRange(Encoding.ASCII.GetBytes("vendor line one\nvendor line two\n"));
        data.AddRange([9, 9, 9, 9, 9]);
        data.AddRange(Bytes(Ramp(24), bigEndian: true));
        File.WriteAllBytes(folder.File("skip.dat"), [.. data]);
        string path = folder.File("skip.nhdr");
        TeemOracle.Run("make", "-h", "-i", "skip.dat", "-t", "int16", "-s", "4", "3", "2", "-en", "big", "-ls", "2", "-bs", "5", "-o", path);

        using var image = ImageFile.Read(path);

        AssertRamp(image);
        Assert.Equal(TeemOracle.Decode(path, folder.Path).Data, Bytes(Ramp(24), bigEndian: false));
    }

    [Fact]
    public void ByteSkipOfCompressedDataAppliesAfterDecompressionAsInTeem()
    {
        using var folder = TestData.CreateTempFolder();
        using (var file = File.Create(folder.File("skip.gz")))
        using (var gzip = new GZipStream(file, CompressionLevel.Optimal))
        {
            gzip.Write([1, 2, 3, 4, 5, 6, 7]);
            gzip.Write(Bytes(Ramp(24), bigEndian: false));
        }

        string path = folder.File("gzskip.nhdr");
        TeemOracle.Run("make", "-h", "-i", "skip.gz", "-t", "short", "-s", "4", "3", "2", "-e", "gzip", "-en", "little", "-bs", "7", "-o", path);

        using var image = ImageFile.Read(path);

        AssertRamp(image);
        Assert.Equal(TeemOracle.Decode(path, folder.Path).Data, Bytes(Ramp(24), bigEndian: false));
    }

    [Fact]
    public void ByteSkipMinusOneTakesTheLastBytes()
    {
        using var folder = TestData.CreateTempFolder();
        File.WriteAllBytes(folder.File("tail.dat"), [.. Encoding.ASCII.GetBytes("header of unknown length"), .. Bytes(Ramp(24), bigEndian: false)]);
        string path = folder.File("tail.nhdr");
        TeemOracle.Run("make", "-h", "-i", "tail.dat", "-t", "short", "-s", "4", "3", "2", "-en", "little", "-bs", "-1", "-o", path);

        using var image = ImageFile.Read(path, new ImageReadOptions { MapInPlace = true });

        Assert.True(image.IsMapped);
        AssertRamp(image);
        Assert.Equal(TeemOracle.Decode(path, folder.Path).Data, Bytes(Ramp(24), bigEndian: false));
    }

    [Fact]
    public void ListOfDataFilesIsConcatenated()
    {
        using var folder = TestData.CreateTempFolder();
        var bytes = Bytes(Ramp(24), bigEndian: false);
        File.WriteAllBytes(folder.File("a.raw"), bytes[..16]);
        File.WriteAllBytes(folder.File("b.raw"), bytes[16..32]);
        File.WriteAllBytes(folder.File("c.raw"), bytes[32..]);
        string path = folder.File("list.nhdr");
        TeemOracle.Run("make", "-h", "-i", "a.raw", "b.raw", "c.raw", "-t", "short", "-s", "4", "2", "3", "-en", "little", "-o", path);
        Assert.Contains("data file: LIST", File.ReadAllLines(path));

        using var image = ImageFile.Read(path);

        Assert.Equal(ImageSize.Of3D(4, 2, 3), image.Size);
        AssertRamp(image);
    }

    [Fact]
    public void NumberedDataFilesFollowThePattern()
    {
        using var folder = TestData.CreateTempFolder();
        var bytes = Bytes(Ramp(24), bigEndian: false);
        File.WriteAllBytes(folder.File("sl01.raw"), bytes[..16]);
        File.WriteAllBytes(folder.File("sl03.raw"), bytes[16..32]);
        File.WriteAllBytes(folder.File("sl05.raw"), bytes[32..]);
        string path = folder.File("pattern.nhdr");
        TeemOracle.Run("make", "-h", "-i", "sl%02d.raw", "1", "5", "2", "-t", "short", "-s", "4", "2", "3", "-en", "little", "-o", path);

        using var image = ImageFile.Read(path);

        AssertRamp(image);
        Assert.Equal(TeemOracle.Decode(path, folder.Path).Data, bytes);
    }

    [Theory]
    [InlineData("signed char", ElementType.Int8)]
    [InlineData("int8", ElementType.Int8)]
    [InlineData("int8_t", ElementType.Int8)]
    [InlineData("uchar", ElementType.UInt8)]
    [InlineData("unsigned char", ElementType.UInt8)]
    [InlineData("uint8", ElementType.UInt8)]
    [InlineData("uint8_t", ElementType.UInt8)]
    [InlineData("short", ElementType.Int16)]
    [InlineData("short int", ElementType.Int16)]
    [InlineData("signed short", ElementType.Int16)]
    [InlineData("signed short int", ElementType.Int16)]
    [InlineData("int16", ElementType.Int16)]
    [InlineData("int16_t", ElementType.Int16)]
    [InlineData("ushort", ElementType.UInt16)]
    [InlineData("unsigned short", ElementType.UInt16)]
    [InlineData("unsigned short int", ElementType.UInt16)]
    [InlineData("uint16", ElementType.UInt16)]
    [InlineData("uint16_t", ElementType.UInt16)]
    [InlineData("int", ElementType.Int32)]
    [InlineData("signed int", ElementType.Int32)]
    [InlineData("int32", ElementType.Int32)]
    [InlineData("int32_t", ElementType.Int32)]
    [InlineData("uint", ElementType.UInt32)]
    [InlineData("unsigned int", ElementType.UInt32)]
    [InlineData("uint32", ElementType.UInt32)]
    [InlineData("uint32_t", ElementType.UInt32)]
    [InlineData("longlong", ElementType.Int64)]
    [InlineData("long long", ElementType.Int64)]
    [InlineData("long long int", ElementType.Int64)]
    [InlineData("signed long long", ElementType.Int64)]
    [InlineData("signed long long int", ElementType.Int64)]
    [InlineData("int64", ElementType.Int64)]
    [InlineData("int64_t", ElementType.Int64)]
    [InlineData("ulonglong", ElementType.UInt64)]
    [InlineData("unsigned long long", ElementType.UInt64)]
    [InlineData("unsigned long long int", ElementType.UInt64)]
    [InlineData("uint64", ElementType.UInt64)]
    [InlineData("uint64_t", ElementType.UInt64)]
    [InlineData("float", ElementType.Float32)]
    [InlineData("double", ElementType.Float64)]
    public void EveryTypeSpellingTeemAcceptsIsRead(string spelling, ElementType expected)
    {
        using var folder = TestData.CreateTempFolder();
        int size = expected.Size();
        var data = new byte[2 * 3 * size];
        data[size] = 42;
        if (expected.IsFloatingPoint())
        {
            data.AsSpan().Clear();
            if (size == 4)
            {
                BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(size), 42f);
            }
            else
            {
                BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(size), 42.0);
            }
        }

        string path = folder.File("spelling.nrrd");
        File.WriteAllBytes(path, [.. Encoding.ASCII.GetBytes($"NRRD0004\ntype: {spelling}\ndimension: 2\nsizes: 2 3\nendian: little\nencoding: raw\n\n"), .. data]);

        using var image = ImageFile.Read(path);

        Assert.Equal(expected, image.ElementType);
        Assert.Equal(42, image.GetValue(1, 0));
        var (teem, decoded) = TeemOracle.Decode(path, folder.Path);
        string canonical = expected switch
        {
            ElementType.Int8 => "signed char",
            ElementType.UInt8 => "unsigned char",
            ElementType.Int16 => "short",
            ElementType.UInt16 => "unsigned short",
            ElementType.Int32 => "int",
            ElementType.UInt32 => "unsigned int",
            ElementType.Int64 => "long long int",
            ElementType.UInt64 => "unsigned long long int",
            ElementType.Float32 => "float",
            _ => "double",
        };
        Assert.Equal(canonical, teem["type"]);
        Assert.Equal(decoded, image.AsBytes().ToArray());
    }

    [Theory]
    [InlineData("RGB-color", true)]
    [InlineData("RGBA-color", true)]
    [InlineData("3-color", true)]
    [InlineData("vector", false)]
    [InlineData("3-vector", false)]
    [InlineData("list", false)]
    [InlineData("covariant-vector", false)]
    public void FirstNonSpatialAxisBecomesChannels(string kind, bool colour)
    {
        using var folder = TestData.CreateTempFolder();
        int channels = kind.StartsWith("RGBA", StringComparison.Ordinal) ? 4 : 3;
        int count = channels * 4 * 3 * 2;
        File.WriteAllBytes(folder.File("rgb.raw"), Bytes(Ramp(count), bigEndian: false));
        string path = folder.File("channels.nrrd");
        TeemOracle.Run("make", "-i", folder.File("rgb.raw"), "-t", "short", "-s", $"{channels}", "4", "3", "2", "-en", "little",
            "-spc", "LPS", "-dirs", "none (0.5,0,0) (0,0.75,0) (0,0,2)", "-orig", "(7,8,9)", "-k", kind, "domain", "domain", "domain", "-o", path);

        using var image = ImageFile.Read(path);

        Assert.Equal(channels, image.Channels);
        Assert.Equal(colour, image.IsColor);
        Assert.Equal(ImageSize.Of3D(4, 3, 2), image.Size);
        Assert.Equal(new Vector3D(0.5, 0.75, 2), image.Geometry.Spacing);
        AssertRamp(image);
    }

    [Fact]
    public void ColourAxisWithoutSpaceIsFoundByItsKind()
    {
        using var folder = TestData.CreateTempFolder();
        File.WriteAllBytes(folder.File("rgb.raw"), Enumerable.Range(0, 3 * 5 * 4).Select(i => (byte)i).ToArray());
        string path = folder.File("photo.nrrd");
        TeemOracle.Run("make", "-i", folder.File("rgb.raw"), "-t", "uchar", "-s", "3", "5", "4", "-sp", "nan", "0.2", "0.3", "-k", "RGB-color", "space", "space", "-o", path);

        using var image = ImageFile.Read(path);

        Assert.Equal(ImageSize.Of2D(5, 4), image.Size);
        Assert.True(image.IsColor);
        Assert.Equal(new Vector3D(0.2, 0.3, 1), image.Geometry.Spacing);
        Assert.Equal(14, image.GetValue(4, 0, 0, 0, 2));
    }

    [Fact]
    public void LastListAxisBecomesFrames()
    {
        using var folder = TestData.CreateTempFolder();
        File.WriteAllBytes(folder.File("series.raw"), Bytes(Ramp(4 * 3 * 2 * 5), bigEndian: false));
        string path = folder.File("series.nrrd");
        TeemOracle.Run("make", "-i", folder.File("series.raw"), "-t", "short", "-s", "4", "3", "2", "5", "-en", "little",
            "-spc", "LPS", "-dirs", "(0.5,0,0) (0,0.75,0) (0,0,2) none", "-k", "domain", "domain", "domain", "list", "-o", path);

        using var image = ImageFile.Read(path);

        Assert.Equal(ImageSize.Of4D(4, 3, 2, 5), image.Size);
        Assert.Equal(1, image.Channels);
        AssertRamp(image);
    }

    [Theory]
    [InlineData("LPS", 1, 1)]
    [InlineData("RAS", -1, -1)]
    [InlineData("LAS", 1, -1)]
    [InlineData("scanner-xyz", 1, 1)]
    [InlineData("3D-right-handed", 1, 1)]
    public void SpacesAreConvertedToLps(string space, double flipX, double flipY)
    {
        // LPS: x to the left, y to the back. RAS negates x and y; LAS negates y (anterior = -posterior). Spaces with no
        // anatomical meaning are taken as they are, as ITK does.
        using var folder = TestData.CreateTempFolder();
        File.WriteAllBytes(folder.File("v.raw"), Bytes(Ramp(24), bigEndian: false));
        string path = folder.File("space.nrrd");
        TeemOracle.Run("make", "-i", folder.File("v.raw"), "-t", "short", "-s", "4", "3", "2", "-en", "little",
            "-spc", space, "-dirs", "(0.3,0.4,0) (-0.8,0.6,0) (0,0,2)", "-orig", "(10,20,30)", "-o", path);

        using var image = ImageFile.Read(path);

        var expected = new ImageGeometry(
            ImageSize.Of3D(4, 3, 2),
            new Vector3D(0.5, 1, 2),
            new Vector3D(10 * flipX, 20 * flipY, 30),
            Matrix3D.FromColumns(new Vector3D(0.6 * flipX, 0.8 * flipY, 0), new Vector3D(-0.8 * flipX, 0.6 * flipY, 0), new Vector3D(0, 0, 1)));
        Assert.True(expected.IsEquivalent(image.Geometry, 1e-12), image.Geometry.ToString());
        Assert.Equal(space is "scanner-xyz" or "3D-right-handed", image.Metadata.ContainsKey("NRRD_space"));
    }

    [Fact]
    public void MeasurementFrameIsConvertedToLpsAndKept()
    {
        // Each measurement frame vector is given in space coordinates, so RAS to LPS negates its x and y.
        using var folder = TestData.CreateTempFolder();
        File.WriteAllBytes(folder.File("v.raw"), Bytes(Ramp(24), bigEndian: false));
        string path = folder.File("dwi.nrrd");
        TeemOracle.Run("make", "-i", folder.File("v.raw"), "-t", "short", "-s", "4", "3", "2", "-en", "little", "-spc", "RAS",
            "-dirs", "(1,0,0) (0,1,0) (0,0,1)", "-mf", "(0,1,0) (1,0,0) (0,0,-1)", "-o", path);

        using var image = ImageFile.Read(path);
        Assert.Equal("(0,-1,0) (-1,0,0) (0,0,-1)", image.Metadata["NRRD_measurement frame"]);

        string written = folder.File("written.nrrd");
        ImageFile.Write(image, written);
        var (fields, _) = TeemOracle.Decode(written, folder.Path);
        Assert.Equal("(0,-1,0) (-1,0,0) (0,0,-1)", fields["measurement frame"]);
        Assert.Equal("left-posterior-superior", fields["space"]);
    }

    [Fact]
    public void TimeSpaceGivesTimeSpacingAndOrigin()
    {
        using var folder = TestData.CreateTempFolder();
        File.WriteAllBytes(folder.File("t.raw"), Bytes(Ramp(2 * 2 * 2 * 3), bigEndian: false));
        string path = folder.File("rast.nrrd");
        TeemOracle.Run("make", "-i", folder.File("t.raw"), "-t", "short", "-s", "2", "2", "2", "3", "-en", "little", "-spc", "RAST",
            "-dirs", "(1,0,0,0) (0,1,0,0) (0,0,1,0) (0,0,0,2.5)", "-orig", "(1,2,3,4)", "-o", path);

        using var image = ImageFile.Read(path);

        Assert.Equal(ImageSize.Of4D(2, 2, 2, 3), image.Size);
        Assert.Equal(2.5, image.Geometry.TimeSpacing);
        Assert.Equal(new Vector3D(-1, -2, 3), image.Geometry.Origin);
        Assert.Equal(new Vector3D(-1, 0, 0), image.Geometry.Direction.Column(0));
        Assert.Equal("4", image.Metadata["TimeOrigin"]);
        AssertRamp(image);
    }

    [Fact]
    public void WithoutSpaceSpacingsGiveTheGeometry()
    {
        using var folder = TestData.CreateTempFolder();
        File.WriteAllBytes(folder.File("v.raw"), Bytes(Ramp(24), bigEndian: false));
        string path = folder.File("plain.nrrd");
        TeemOracle.Run("make", "-i", folder.File("v.raw"), "-t", "short", "-s", "4", "3", "2", "-en", "little", "-sp", "0.5", "0.25", "3", "-o", path);

        using var image = ImageFile.Read(path);

        Assert.Equal(new Vector3D(0.5, 0.25, 3), image.Geometry.Spacing);
        Assert.Equal(Matrix3D.Identity, image.Geometry.Direction);
        Assert.Equal(Vector3D.Zero, image.Geometry.Origin);
        AssertRamp(image);
    }

    [Fact]
    public void KeyValuesContentAndCommentsAreKept()
    {
        using var folder = TestData.CreateTempFolder();
        File.WriteAllBytes(folder.File("v.raw"), Bytes(Ramp(6), bigEndian: false));
        string path = folder.File("kv.nrrd");
        TeemOracle.Run("make", "-i", folder.File("v.raw"), "-t", "short", "-s", "3", "2", "-en", "little", "-c", "head scan",
            "-kv", "modality:=MR", "DWMRI_b-value:=1000", "-o", path);

        using var image = ImageFile.Read(path);

        Assert.Equal("MR", image.Metadata["modality"]);
        Assert.Equal("1000", image.Metadata["DWMRI_b-value"]);
        Assert.Equal("head scan", image.Metadata["NRRD_content"]);
    }

    public static TheoryData<ElementType, string, bool> WrittenForTeem()
    {
        var data = new TheoryData<ElementType, string, bool>();
        foreach (var type in Enum.GetValues<ElementType>())
        {
            data.Add(type, ".nrrd", type is ElementType.Int16 or ElementType.Float64);
            data.Add(type, ".nhdr", type is ElementType.UInt8 or ElementType.Int64);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(WrittenForTeem))]
    public void TeemReadsWhatWeWrite(ElementType type, string extension, bool compress)
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(type, ImageSize.Of3D(5, 4, 3));
        string path = folder.File("ours" + extension);
        ImageFile.Write(image, path, new ImageWriteOptions { Compress = compress });

        var (fields, data) = TeemOracle.Decode(path, folder.Path);

        Assert.Equal(image.AsBytes().ToArray(), data);
        Assert.Equal(NrrdTypeName(type), fields["type"]);
        Assert.Equal("5 4 3", fields["sizes"]);
        Assert.Equal("left-posterior-superior", fields["space"]);
        AssertVectors(image, TeemOracle.Vectors(fields["space directions"]), TeemOracle.Vectors(fields["space origin"])[0]!);
    }

    [Fact]
    public void TeemReadsOurColourSeriesAndPlane()
    {
        using var folder = TestData.CreateTempFolder();
        using var colour = TestImages.Pattern(ElementType.UInt8, ImageSize.Of3D(4, 3, 2), channels: 3);
        colour.IsColor = true;
        ImageFile.Write(colour, folder.File("colour.nrrd"), new ImageWriteOptions { Compress = true });
        var (fields, data) = TeemOracle.Decode(folder.File("colour.nrrd"), folder.Path);
        Assert.Equal(colour.AsBytes().ToArray(), data);
        Assert.Equal("3 4 3 2", fields["sizes"]);
        Assert.Equal("RGB-color domain domain domain", fields["kinds"]);
        Assert.StartsWith("none (", fields["space directions"], StringComparison.Ordinal);

        using var series = TestImages.Pattern(ElementType.Float32, ImageSize.Of4D(3, 2, 2, 4));
        ImageFile.Write(series, folder.File("series.nhdr"));
        (fields, data) = TeemOracle.Decode(folder.File("series.nhdr"), folder.Path);
        Assert.Equal(series.AsBytes().ToArray(), data);
        Assert.Equal("3 2 2 4", fields["sizes"]);
        Assert.Equal("4", fields["space dimension"]);
        Assert.Equal([0, 0, 0, 2.0], TeemOracle.Vectors(fields["space directions"])[3]!);

        var planar = new ImageGeometry(ImageSize.Of2D(3, 2), new Vector3D(0.5, 0.25, 1), new Vector3D(4, 5, 0), Matrix3D.Identity);
        using var plane = TestImages.Pattern(ElementType.Int16, planar.Size, geometry: planar);
        ImageFile.Write(plane, folder.File("plane.nrrd"));
        (fields, data) = TeemOracle.Decode(folder.File("plane.nrrd"), folder.Path);
        Assert.Equal(plane.AsBytes().ToArray(), data);
        Assert.Equal("2", fields["space dimension"]);
        Assert.Equal("(0.5,0) (0,0.25)", fields["space directions"]);
    }

    private static string NrrdTypeName(ElementType type) => type switch
    {
        ElementType.Int8 => "signed char",
        ElementType.UInt8 => "unsigned char",
        ElementType.Int16 => "short",
        ElementType.UInt16 => "unsigned short",
        ElementType.Int32 => "int",
        ElementType.UInt32 => "unsigned int",
        ElementType.Int64 => "long long int",
        ElementType.UInt64 => "unsigned long long int",
        ElementType.Float32 => "float",
        _ => "double",
    };

    private static void AssertVectors(Image image, double[]?[] directions, double[] origin)
    {
        for (int axis = 0; axis < 3; axis++)
        {
            var expected = image.Geometry.Direction.Column(axis) * image.Geometry.Spacing[axis];
            for (int c = 0; c < 3; c++)
            {
                Assert.Equal(expected[c], directions[axis]![c], 1e-12);
            }
        }

        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(image.Geometry.Origin[c], origin[c], 1e-12);
        }
    }
}
