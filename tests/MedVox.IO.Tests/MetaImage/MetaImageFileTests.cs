using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.IO.Tests.MetaImage;

/// <summary>
/// Files written byte by byte from MetaIO's format (metaImage.cxx, metaObject.cxx) and ITK's reading of it
/// (itkMetaImageIO.cxx), each with a known answer worked out by hand.
/// </summary>
public class MetaImageFileTests
{
    internal static string Write(TempFolder folder, string name, string header, byte[]? data = null)
    {
        string path = folder.File(name);
        using var stream = File.Create(path);
        stream.Write(Encoding.ASCII.GetBytes(header.ReplaceLineEndings("\n")));
        if (data is not null)
        {
            stream.Write(data);
        }

        return path;
    }

    internal static byte[] Int16LittleEndian(params short[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(i * 2), values[i]);
        }

        return bytes;
    }

    internal static byte[] Zlib(byte[] data)
    {
        using var memory = new MemoryStream();
        using (var zlib = new ZLibStream(memory, CompressionLevel.Optimal))
        {
            zlib.Write(data);
        }

        return memory.ToArray();
    }

    private static short[] Ramp(int count) => Enumerable.Range(0, count).Select(i => (short)((i * 301) - 1000)).ToArray();

    private static void AssertRamp(Image image)
    {
        var expected = Ramp((int)image.ElementCount);
        int index = 0;
        for (int t = 0; t < image.Size.T; t++)
        {
            for (int z = 0; z < image.Size.Z; z++)
            {
                for (int y = 0; y < image.Size.Y; y++)
                {
                    for (int x = 0; x < image.Size.X; x++)
                    {
                        Assert.Equal(expected[index++], image.GetValue(x, y, z, t));
                    }
                }
            }
        }
    }

    [Fact]
    public void TransformMatrixListsTheDirectionOfEachIndexAxisInTurn()
    {
        // ITK: directionAxis[jj] = transformMatrix[ii * N + jj]; SetDirection(ii, directionAxis). So axis i's direction is
        // values 3i..3i+2: here i runs posterior (0,1,0), j runs right (-1,0,0), k superior.
        using var folder = TestData.CreateTempFolder();
        string path = Write(folder, "oblique.mha", """
            ObjectType = Image
            NDims = 3
            BinaryData = True
            BinaryDataByteOrderMSB = False
            CompressedData = False
            TransformMatrix = 0 1 0 -1 0 0 0 0 1
            Offset = 10 20 30
            CenterOfRotation = 0 0 0
            AnatomicalOrientation = ALI
            ElementSpacing = 0.5 2 3
            DimSize = 2 2 2
            ElementType = MET_SHORT
            ElementDataFile = LOCAL

            """, Int16LittleEndian(Ramp(8)));

        using var image = ImageFile.Read(path);

        Assert.Equal(Matrix3D.FromColumns(new Vector3D(0, 1, 0), new Vector3D(-1, 0, 0), new Vector3D(0, 0, 1)), image.Geometry.Direction);
        Assert.Equal(new Vector3D(10, 20.5, 30), image.Geometry.IndexToPhysical(1, 0, 0));
        Assert.Equal(new Vector3D(8, 20, 30), image.Geometry.IndexToPhysical(0, 1, 0));
        Assert.Equal(new Vector3D(10, 20, 33), image.Geometry.IndexToPhysical(0, 0, 1));
        Assert.Equal("PRS", image.Geometry.OrientationCode);
        AssertRamp(image);
    }

    [Fact]
    public void WrittenTransformMatrixAndOrientationFollowItk()
    {
        using var folder = TestData.CreateTempFolder();
        var geometry = new ImageGeometry(ImageSize.Of3D(2, 2, 2), new Vector3D(0.5, 2, 3), new Vector3D(10, 20, 30),
            Matrix3D.FromColumns(new Vector3D(0, 1, 0), new Vector3D(-1, 0, 0), new Vector3D(0, 0, 1)));
        using var image = Image.Create(geometry, ElementType.Int16);
        string path = folder.File("written.mha");

        ImageFile.Write(image, path);

        var lines = File.ReadAllLines(path).TakeWhile(l => !l.StartsWith("ElementDataFile", StringComparison.Ordinal)).ToArray();
        Assert.Contains("TransformMatrix = 0 1 0 -1 0 0 0 0 1", lines);
        // MetaIO names where each axis comes from: i runs from anterior, j from left, k from inferior.
        Assert.Contains("AnatomicalOrientation = ALI", lines);
        Assert.Contains("Offset = 10 20 30", lines);
        Assert.Contains("ElementSpacing = 0.5 2 3", lines);
    }

    [Fact]
    public void IdentityIsWrittenAsRaiAsItkDoes()
    {
        using var folder = TestData.CreateTempFolder();
        using var image = Image.Create(new ImageGeometry(ImageSize.Of3D(2, 2, 2)), ElementType.UInt8);
        string path = folder.File("identity.mha");

        ImageFile.Write(image, path);

        Assert.Contains("AnatomicalOrientation = RAI", File.ReadAllLines(path).Take(12));
    }

    [Theory]
    [InlineData("BinaryDataByteOrderMSB")]
    [InlineData("ElementByteOrderMSB")]
    public void BigEndianDataIsSwapped(string field)
    {
        using var folder = TestData.CreateTempFolder();
        string path = Write(folder, "big.mha", $"""
            NDims = 2
            DimSize = 3 1
            BinaryData = True
            {field} = True
            ElementType = MET_USHORT
            ElementDataFile = LOCAL

            """, [0x01, 0x02, 0xff, 0x00, 0x00, 0xff]);

        using var image = ImageFile.Read(path);

        Assert.Equal([0x0102, 0xff00, 0x00ff], image.AsSpan<ushort>().ToArray());
    }

    [Theory]
    [InlineData("MET_LONG", ElementType.Int32, 4)]
    [InlineData("MET_ULONG", ElementType.UInt32, 4)]
    [InlineData("MET_INT", ElementType.Int32, 4)]
    [InlineData("MET_LONG_LONG", ElementType.Int64, 8)]
    [InlineData("MET_ULONG_LONG", ElementType.UInt64, 8)]
    [InlineData("MET_CHAR", ElementType.Int8, 1)]
    [InlineData("MET_UCHAR_ARRAY", ElementType.UInt8, 1)]
    [InlineData("MET_DOUBLE", ElementType.Float64, 8)]
    public void ElementTypesHaveMetaIoSizes(string name, ElementType type, int size)
    {
        // MET_ValueTypeSize in MetaIO's metaTypes.h: MET_LONG and MET_ULONG are 4 bytes everywhere.
        using var folder = TestData.CreateTempFolder();
        var data = new byte[2 * 2 * size];
        if (type == ElementType.Float64)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(size), 7.0);
        }
        else
        {
            data[size] = 7;
        }
        string path = Write(folder, "types.mha", $"""
            NDims = 2
            DimSize = 2 2
            BinaryData = True
            ElementType = {name}
            ElementDataFile = LOCAL

            """, data);

        using var image = ImageFile.Read(path);

        Assert.Equal(type, image.ElementType);
        Assert.Equal(7, image.GetValue(1, 0));
        Assert.Equal(0, image.GetValue(0, 1));
    }

    [Fact]
    public void SeparateDataFileWithHeaderSizeSkipsItsHeader()
    {
        using var folder = TestData.CreateTempFolder();
        File.WriteAllBytes(folder.File("scan.raw"), [.. new byte[17], .. Int16LittleEndian(Ramp(12))]);
        string path = Write(folder, "scan.mhd", """
            NDims = 3
            DimSize = 3 2 2
            ElementSpacing = 1 1 1
            HeaderSize = 17
            BinaryData = True
            ElementType = MET_SHORT
            ElementDataFile = scan.raw

            """);

        using var image = ImageFile.Read(path);

        AssertRamp(image);
    }

    [Fact]
    public void HeaderSizeMinusOneTakesTheLastBytes()
    {
        using var folder = TestData.CreateTempFolder();
        File.WriteAllBytes(folder.File("tail.raw"), [.. Encoding.ASCII.GetBytes("vendor header of unknown length"), .. Int16LittleEndian(Ramp(12))]);
        string path = Write(folder, "tail.mhd", """
            NDims = 3
            DimSize = 3 2 2
            HeaderSize = -1
            BinaryData = True
            ElementType = MET_SHORT
            ElementDataFile = tail.raw

            """);

        using var image = ImageFile.Read(path, new ImageReadOptions { MapInPlace = true });

        Assert.True(image.IsMapped);
        AssertRamp(image);
    }

    [Fact]
    public void ZlibDataWithCompressedDataSizeIsInflated()
    {
        using var folder = TestData.CreateTempFolder();
        var packed = Zlib(Int16LittleEndian(Ramp(24)));
        string path = Write(folder, "packed.mha", $"""
            ObjectType = Image
            NDims = 3
            BinaryData = True
            BinaryDataByteOrderMSB = False
            CompressedData = True
            CompressedDataSize = {packed.Length}
            DimSize = 4 3 2
            ElementType = MET_SHORT
            ElementDataFile = LOCAL

            """, [.. packed, .. "trailing bytes after the stream"u8.ToArray()]);

        using var image = ImageFile.Read(path);

        AssertRamp(image);
    }

    [Fact]
    public void CompressedDataFileWithoutSizeIsReadToItsEnd()
    {
        using var folder = TestData.CreateTempFolder();
        File.WriteAllBytes(folder.File("packed.zraw"), Zlib(Int16LittleEndian(Ramp(24))));
        string path = Write(folder, "packed.mhd", """
            NDims = 3
            BinaryData = True
            CompressedData = True
            DimSize = 4 3 2
            ElementType = MET_SHORT
            ElementDataFile = packed.zraw

            """);

        using var image = ImageFile.Read(path);

        AssertRamp(image);
    }

    [Fact]
    public void SynonymsForSpacingOriginAndMatrixAreRead()
    {
        // MetaIO reads ElementSize as the spacing when ElementSpacing is absent, Position and Origin as Offset, and
        // Rotation and Orientation as TransformMatrix.
        using var folder = TestData.CreateTempFolder();
        string path = Write(folder, "synonyms.mha", """
            NDims = 3
            Position = 1.5 -2 3
            Orientation = 1 0 0 0 0 1 0 -1 0
            ElementSize = 0.25 0.5 4
            DimSize = 2 2 1
            BinaryData = True
            ElementType = MET_UCHAR
            ElementDataFile = LOCAL

            """, [1, 2, 3, 4]);

        using var image = ImageFile.Read(path);

        Assert.Equal(new Vector3D(0.25, 0.5, 4), image.Geometry.Spacing);
        Assert.Equal(new Vector3D(1.5, -2, 3), image.Geometry.Origin);
        Assert.Equal(new Vector3D(0, 0, 1), image.Geometry.Direction.Column(1));
        Assert.Equal(new Vector3D(0, -1, 0), image.Geometry.Direction.Column(2));
    }

    [Fact]
    public void ListOfSliceFilesIsConcatenated()
    {
        using var folder = TestData.CreateTempFolder();
        var ramp = Int16LittleEndian(Ramp(12));
        File.WriteAllBytes(folder.File("s0.raw"), ramp[..8]);
        File.WriteAllBytes(folder.File("s1.raw"), ramp[8..16]);
        File.WriteAllBytes(folder.File("s2.raw"), ramp[16..]);
        string path = Write(folder, "list.mhd", """
            NDims = 3
            DimSize = 2 2 3
            BinaryData = True
            ElementType = MET_SHORT
            ElementDataFile = LIST
            s0.raw
            s1.raw
            s2.raw

            """);

        using var image = ImageFile.Read(path);

        AssertRamp(image);
    }

    [Fact]
    public void ListWithFileDimensionTwoReadsSlabs()
    {
        using var folder = TestData.CreateTempFolder();
        var ramp = Int16LittleEndian(Ramp(16));
        File.WriteAllBytes(folder.File("t0.raw"), ramp[..16]);
        File.WriteAllBytes(folder.File("t1.raw"), ramp[16..]);
        string path = Write(folder, "slabs.mhd", """
            NDims = 4
            DimSize = 2 2 2 2
            BinaryData = True
            ElementType = MET_SHORT
            ElementDataFile = LIST 3
            t0.raw
            t1.raw
            """);

        using var image = ImageFile.Read(path);

        Assert.Equal(ImageSize.Of4D(2, 2, 2, 2), image.Size);
        AssertRamp(image);
    }

    [Fact]
    public void NumberedSliceFilesFollowThePattern()
    {
        using var folder = TestData.CreateTempFolder();
        var ramp = Int16LittleEndian(Ramp(12));
        File.WriteAllBytes(folder.File("slice003.raw"), ramp[..8]);
        File.WriteAllBytes(folder.File("slice005.raw"), ramp[8..16]);
        File.WriteAllBytes(folder.File("slice007.raw"), ramp[16..]);
        string path = Write(folder, "pattern.mhd", """
            NDims = 3
            DimSize = 2 2 3
            BinaryData = True
            ElementType = MET_SHORT
            ElementDataFile = slice%03d.raw 3 7 2

            """);

        using var image = ImageFile.Read(path);

        AssertRamp(image);
    }

    [Fact]
    public void TextDataIsReadWhenBinaryDataIsFalse()
    {
        using var folder = TestData.CreateTempFolder();
        string path = Write(folder, "text.mha", """
            NDims = 2
            DimSize = 3 2
            BinaryData = False
            ElementType = MET_FLOAT
            ElementDataFile = LOCAL
            1.5 -2 3e2
            4 5.25 -6

            """);

        using var image = ImageFile.Read(path);

        Assert.Equal([1.5f, -2f, 300f, 4f, 5.25f, -6f], image.AsSpan<float>().ToArray());
    }

    [Fact]
    public void CrLfHeadersAndPlanarMatricesAreRead()
    {
        using var folder = TestData.CreateTempFolder();
        string path = folder.File("crlf.mha");
        File.WriteAllBytes(path, [.. Encoding.ASCII.GetBytes("NDims = 2\r\nDimSize = 2 1\r\nTransformMatrix = 0 -1 1 0\r\nOffset = 5 6\r\nElementSpacing = 2 3\r\nBinaryData = True\r\nElementType = MET_UCHAR\r\nElementDataFile = LOCAL\r\n"), 9, 8]);

        using var image = ImageFile.Read(path);

        Assert.Equal(ImageSize.Of2D(2, 1), image.Size);
        Assert.Equal(new Vector3D(5, 4, 0), image.Geometry.IndexToPhysical(1, 0, 0));
        Assert.Equal(new Vector3D(8, 6, 0), image.Geometry.IndexToPhysical(0, 1, 0));
        Assert.Equal([9, 8], image.AsSpan<byte>().ToArray());
    }

    [Fact]
    public void FourDimensionalHeaderGivesTimeSpacing()
    {
        using var folder = TestData.CreateTempFolder();
        string path = Write(folder, "time.mha", """
            NDims = 4
            DimSize = 2 1 1 3
            ElementSpacing = 1 1 1 0.75
            Offset = 0 0 0 2
            TransformMatrix = 1 0 0 0 0 1 0 0 0 0 1 0 0 0 0 1
            BinaryData = True
            ElementType = MET_UCHAR
            ElementDataFile = LOCAL

            """, [1, 2, 3, 4, 5, 6]);

        using var image = ImageFile.Read(path);

        Assert.Equal(ImageSize.Of4D(2, 1, 1, 3), image.Size);
        Assert.Equal(0.75, image.Geometry.TimeSpacing);
        Assert.Equal("2", image.Metadata["TimeOrigin"]);
        Assert.Equal(5, image.GetValue(0, 0, 0, 2));
    }

    [Fact]
    public void UnknownFieldsAndModalityBecomeMetadata()
    {
        using var folder = TestData.CreateTempFolder();
        string path = Write(folder, "fields.mha", """
            ObjectType = Image
            NDims = 2
            Modality = MET_MOD_MR
            ITK_InputFilterName = MetaImageIO
            DimSize = 1 1
            BinaryData = True
            ElementType = MET_UCHAR
            ElementDataFile = LOCAL

            """, [42]);

        using var image = ImageFile.Read(path);

        Assert.Equal("MET_MOD_MR", image.Metadata["Modality"]);
        Assert.Equal("MetaImageIO", image.Metadata["ITK_InputFilterName"]);
        Assert.False(image.Metadata.ContainsKey("DimSize"));
    }
}
