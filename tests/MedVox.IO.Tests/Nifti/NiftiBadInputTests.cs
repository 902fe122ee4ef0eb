using System.Buffers.Binary;
using System.IO.Compression;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.IO.Tests.Nifti;

/// <summary>
/// Broken and hostile files: each must end in one clear one-line error naming the file (and the field where there is
/// one), never a crash, a hang or an allocation of what the header claims.
/// </summary>
public sealed class NiftiBadInputTests : IDisposable
{
    private const int PixelBytes = 4 * 3 * 2 * 2; // the default hand-built header: int16, 4x3x2

    private readonly TempFolder _folder = TestData.CreateTempFolder();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void HandBuiltLittleAndBigEndianFilesRead()
    {
        // Sanity check of the hand-built files the tests below break: values 0..23 in both byte orders, and
        // nibabel's fallback affine without transform codes (x flipped, centred: -(4-1)/2 * -1 = 1.5, -(3-1)/2 = -1, -(2-1)/2 = -0.5).
        foreach (bool bigEndian in new[] { false, true })
        {
            var pixels = new byte[PixelBytes];
            for (int i = 0; i < 24; i++)
            {
                if (bigEndian)
                {
                    BinaryPrimitives.WriteInt16BigEndian(pixels.AsSpan(2 * i), (short)(i * 100));
                }
                else
                {
                    BinaryPrimitives.WriteInt16LittleEndian(pixels.AsSpan(2 * i), (short)(i * 100));
                }
            }

            string path = Write("ok.nii", NiftiTestFiles.Nifti1(bigEndian).Build(pixels));
            using var image = ImageFile.Read(path);

            Assert.Equal(ImageSize.Of3D(4, 3, 2), image.Size);
            Assert.Equal(ElementType.Int16, image.ElementType);
            Assert.Equal(100 * (1 + (4 * 2) + (12 * 1)), image.GetValue(1, 2, 1));
            Assert.Equal([-1.0, 0, 0, 1.5, 0, 1, 0, -1, 0, 0, 1, -0.5], image.Geometry.ToRasAffine()[..12]);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(200)]
    [InlineData(347)]
    public void TruncatedHeader(int length)
    {
        byte[] full = NiftiTestFiles.Nifti1().Build(new byte[PixelBytes]);
        string path = Write("short.nii", full[..length]);

        var ex = Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(path));

        AssertOneLine(ex, path, "sizeof_hdr");
    }

    [Fact]
    public void TruncatedGzipHeader()
    {
        byte[] gz = Gzip(NiftiTestFiles.Nifti1().HeaderBytes()[..100]);
        string path = Write("short.nii.gz", gz);

        var ex = Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(path));

        AssertOneLine(ex, path, "sizeof_hdr");
    }

    [Fact]
    public void TruncatedRawData()
    {
        string path = Write("cut.nii", NiftiTestFiles.Nifti1().Build(new byte[PixelBytes - 1]));

        var ex = Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(path));

        AssertOneLine(ex, path, "dim");
        Assert.Contains("400", ex.Message, StringComparison.Ordinal); // 352 + 24 voxels * 2 bytes needed
    }

    [Fact]
    public void DimensionsLargerThanTheRawData()
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetDims(40, 30, 20);
        string path = Write("big.nii", header.Build(new byte[PixelBytes]));

        var ex = Assert.Throws<InvalidImageFileException>(() => ImageFile.ReadHeader(path));

        AssertOneLine(ex, path, "dim");
    }

    [Fact]
    public void TruncatedGzipData()
    {
        // Data that compresses badly, so that the cut file still passes the deflate-ratio check and the reader must
        // notice the end itself.
        var header = NiftiTestFiles.Nifti1();
        header.SetDims(64, 64, 16);
        byte[] pixels = new byte[64 * 64 * 16 * 2];
        new Random(3).NextBytes(pixels);
        byte[] gz = header.Build(pixels, gzip: true);
        string path = Write("cut.nii.gz", gz[..(gz.Length / 2)]);

        var ex = Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(path));

        AssertOneLine(ex, path, null);
    }

    [Fact]
    public void GzipDataShorterThanTheDimensions()
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetDims(64, 64, 16);
        byte[] pixels = new byte[64 * 64 * 8 * 2]; // half of what dim says
        new Random(4).NextBytes(pixels);
        string path = Write("half.nii.gz", header.Build(pixels, gzip: true));

        var ex = Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(path));

        AssertOneLine(ex, path, null);
        Assert.Contains("ends after", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CorruptGzipData()
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetDims(64, 64, 16);
        byte[] pixels = new byte[64 * 64 * 16 * 2];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(i * 7 % 251);
        }

        byte[] gz = header.Build(pixels, gzip: true);
        for (int i = gz.Length / 3; i < gz.Length / 3 + 64; i++)
        {
            gz[i] ^= 0x5A;
        }

        string path = Write("corrupt.nii.gz", gz);

        var ex = Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(path));

        AssertOneLine(ex, path, null);
    }

    [Fact]
    public void CorruptGzipTrailerIsDetected()
    {
        byte[] gz = NiftiTestFiles.Nifti1().Build(new byte[PixelBytes], gzip: true);
        gz[^8] ^= 0xFF; // CRC32
        string path = Write("crc.nii.gz", gz);

        var ex = Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(path));

        AssertOneLine(ex, path, null);
    }

    [Theory]
    [InlineData(32767, 32767, 32767)] // 3.5e13 voxels against a few hundred bytes
    [InlineData(32767, 32767, 1024)]
    public void AbsurdDimensionsAreRejectedBeforeAllocating(long x, long y, long z)
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetDims(x, y, z);
        string raw = Write("absurd.nii", header.Build(new byte[PixelBytes]));
        string gz = Write("absurd.nii.gz", header.Build(new byte[PixelBytes], gzip: true));

        long before = GC.GetTotalAllocatedBytes(precise: true);
        var rawError = Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(raw));
        var gzError = Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(gz));
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        AssertOneLine(rawError, raw, "dim");
        AssertOneLine(gzError, gz, "dim");
        Assert.True(allocated < 16 << 20, $"{allocated} bytes allocated");
    }

    [Fact]
    public void Nifti2TwoToTheFortyVoxels()
    {
        var header = NiftiTestFiles.Nifti2();
        header.SetDims(1 << 20, 1 << 20, 1);
        string raw = Write("huge.nii", header.Build(new byte[PixelBytes]));
        string gz = Write("huge.nii.gz", header.Build(new byte[PixelBytes], gzip: true));

        AssertOneLine(Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(raw)), raw, "dim");
        AssertOneLine(Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(gz)), gz, "dim");
    }

    [Fact]
    public void Nifti2DimensionsThatOverflow()
    {
        var header = NiftiTestFiles.Nifti2();
        header.SetDims(int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue);
        string path = Write("overflow.nii", header.Build(new byte[PixelBytes]));

        AssertOneLine(Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(path)), path, "dim");
    }

    [Fact]
    public void Nifti2DimensionBeyondInt32()
    {
        var header = NiftiTestFiles.Nifti2();
        header.SetDims(1L << 33, 1, 1);
        string path = Write("long.nii", header.Build(new byte[PixelBytes]));

        AssertOneLine(Assert.Throws<UnsupportedFormatException>(() => ImageFile.Read(path)), path, "dim[1]");
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, -3)]
    [InlineData(3, 0)]
    public void ZeroOrNegativeDimension(int index, short value)
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetDim(index, value);
        string path = Write("dims.nii", header.Build(new byte[PixelBytes]));

        AssertOneLine(Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(path)), path, $"dim[{index}]");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(-1)]
    public void BadRank(short rank)
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetDim(0, rank);
        string path = Write("rank.nii", header.Build(new byte[PixelBytes]));

        AssertOneLine(Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(path)), path, "dim");
    }

    [Fact]
    public void SixDimensionalDataIsUnsupported()
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetDims(4, 3, 1, 1, 1, 2);
        string path = Write("6d.nii", header.Build(new byte[PixelBytes]));

        AssertOneLine(Assert.Throws<UnsupportedFormatException>(() => ImageFile.Read(path)), path, "dim");
    }

    [Theory]
    [InlineData(1, -1.0)]
    [InlineData(2, 0.0)]
    [InlineData(3, double.NaN)]
    [InlineData(1, double.PositiveInfinity)]
    public void BadVoxelSize(int axis, double value)
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetPixDim(axis, value);
        string path = Write("pixdim.nii", header.Build(new byte[PixelBytes]));

        AssertOneLine(Assert.Throws<InvalidImageFileException>(() => ImageFile.ReadHeader(path)), path, $"pixdim[{axis}]");
    }

    [Fact]
    public void NegativeTimeStep()
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetDims(4, 3, 1, 2);
        header.SetPixDim(4, -2);
        string path = Write("time.nii", header.Build(new byte[PixelBytes]));

        AssertOneLine(Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(path)), path, "pixdim[4]");
    }

    [Theory]
    [InlineData(3)]
    [InlineData(0)]
    [InlineData(255)]
    [InlineData(9999)]
    public void UnknownDatatype(short code)
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetDataType(code, 16);
        string path = Write("type.nii", header.Build(new byte[PixelBytes * 8]));

        AssertOneLine(Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(path)), path, "datatype");
    }

    [Theory]
    [InlineData(32, 64, "complex64")]
    [InlineData(1792, 128, "complex128")]
    [InlineData(1536, 128, "float128")]
    [InlineData(2048, 256, "complex256")]
    [InlineData(1, 1, "binary")]
    public void UnsupportedDatatypeNamesItAndSuggestsAConversion(short code, short bitpix, string name)
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetDataType(code, bitpix);
        string path = Write("type.nii", header.Build(new byte[PixelBytes * 16]));

        var ex = Assert.Throws<UnsupportedFormatException>(() => ImageFile.Read(path));

        AssertOneLine(ex, path, "datatype");
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        Assert.Contains("convert", ex.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void BitpixInconsistentWithDatatype()
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetDataType(4, 32); // int16 with 32 bits
        string path = Write("bitpix.nii", header.Build(new byte[PixelBytes * 2]));

        AssertOneLine(Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(path)), path, "bitpix");
    }

    [Theory]
    [InlineData(100.0)]
    [InlineData(-352.0)]
    [InlineData(352.5)]
    [InlineData(double.NaN)]
    public void VoxOffsetThatIsNoPixelOffset(double offset)
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetVoxOffset(offset);
        string path = Write("offset.nii", header.Build(new byte[PixelBytes]));

        AssertOneLine(Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(path)), path, "vox_offset");
    }

    [Fact]
    public void VoxOffsetBeyondTheFile()
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetVoxOffset(1e12);
        string path = Write("offset.nii", header.Build(new byte[PixelBytes]));

        AssertOneLine(Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(path)), path, "dim");
    }

    [Fact]
    public void MissingImageFileOfAPair()
    {
        string path = Write("lonely.hdr", NiftiTestFiles.Nifti1().HeaderBytes());

        var ex = Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(path));

        AssertOneLine(ex, path, null);
        Assert.Contains("lonely.img", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingHeaderFileOfAPair()
    {
        string path = Write("lonely.img", new byte[PixelBytes]);

        AssertOneLine(Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(path)), path, null);
    }

    [Fact]
    public void Nifti2BadMagic()
    {
        var header = NiftiTestFiles.Nifti2();
        header.SetMagic("xyz");
        string path = Write("magic.nii", header.Build(new byte[PixelBytes]));

        AssertOneLine(Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(path)), path, "magic");
    }

    [Fact]
    public void Nifti1WithoutMagicIsTreatedAsAnalyzeAndRejected()
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetMagic("\0\0\0");
        string path = Write("analyze.nii", header.Build(new byte[PixelBytes]));

        var ex = Assert.Throws<UnsupportedFormatException>(() => ImageFile.Read(path));

        AssertOneLine(ex, path, "magic");
        Assert.Contains("Analyze", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SformWithNaN()
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetTransform(0, 1, [], [1, 0, 0, double.NaN, 0, 1, 0, 0, 0, 0, 1, 0]);
        string path = Write("sform.nii", header.Build(new byte[PixelBytes]));

        AssertOneLine(Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(path)), path, "srow_x/srow_y/srow_z");
    }

    [Fact]
    public void SingularSform()
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetTransform(0, 1, [], [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
        string path = Write("sform.nii", header.Build(new byte[PixelBytes]));

        AssertOneLine(Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(path)), path, "srow_x/srow_y/srow_z");
    }

    [Fact]
    public void SformWithAZeroColumn()
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetTransform(0, 2, [], [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
        string path = Write("sform.nii", header.Build(new byte[PixelBytes]));

        AssertOneLine(Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(path)), path, "srow_x/srow_y/srow_z");
    }

    [Fact]
    public void QuaternionThatIsNoRotation()
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetTransform(1, 0, [0.9, 0.9, 0, 0, 0, 0], new double[12]);
        string path = Write("qform.nii", header.Build(new byte[PixelBytes]));

        AssertOneLine(Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(path)), path, "quatern_b/quatern_c/quatern_d");
    }

    [Fact]
    public void InfiniteInterceptWithAValidSlope()
    {
        var header = NiftiTestFiles.Nifti1();
        header.SetScaling(2, double.PositiveInfinity);
        string path = Write("scl.nii", header.Build(new byte[PixelBytes]));

        AssertOneLine(Assert.Throws<InvalidImageFileException>(() => ImageFile.Read(path)), path, "scl_inter");
    }

    [Fact]
    public void FailingWriteLeavesNoFileBehind()
    {
        using var image = TestImages.Pattern(ElementType.Int16, ImageSize.Of3D(8, 8, 8));
        var failing = new ImageWriteOptions { Progress = new Throwing() };

        foreach (string name in new[] { "f.nii", "f.nii.gz", "f.hdr", "f.img.gz" })
        {
            Assert.Throws<IOException>(() => ImageFile.Write(image, _folder.File(name), failing));
        }

        image.Metadata["nifti.version"] = "3";
        Assert.Throws<ArgumentException>(() => ImageFile.Write(image, _folder.File("v.nii")));

        Assert.Empty(Directory.GetFiles(_folder.Path));
    }

    private string Write(string name, byte[] bytes)
    {
        string path = _folder.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var z = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            z.Write(data);
        }

        return output.ToArray();
    }

    private static void AssertOneLine(MedVoxException ex, string path, string? field)
    {
        Assert.Contains(Path.GetFileName(path), ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Equal(field, ex.Field);
    }

    private sealed class Throwing : IProgress<long>
    {
        public void Report(long value) => throw new IOException("disk full (simulated)");
    }
}
