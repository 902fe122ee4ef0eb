using MedVox.Imaging;
using MedVox.IO.Formats.Nifti;
using MedVox.Testing;

namespace MedVox.IO.Tests.Nifti;

/// <summary>
/// nibabel's own NIfTI test files, read by MedVox and compared with what nibabel 5.0.0 reports for them. The expected
/// numbers were obtained once by running nibabel 5.0.0 (numpy 1.24.2) on these files:
/// <c>img = nib.load(f); d = np.asanyarray(img.dataobj); img.affine; d[i]; flat = d.ravel(order='F').astype(float64);
/// flat.sum(); (flat * (np.arange(flat.size) % 251 + 1)).sum()</c>.
/// </summary>
public class NiftiConformanceTests
{
    public static TheoryData<string> NiftiFiles =>
    [
        "anatomical.nii",
        "functional.nii",
        "example4d.nii.gz",
        "example_nifti2.nii.gz",
        "standard.nii.gz",
        "reoriented_anat_moved.nii",
    ];

    [Fact]
    public void AnatomicalBigEndianInt16WithSform()
    {
        using var image = Read("anatomical.nii");

        Assert.Equal(ImageSize.Of3D(33, 41, 25), image.Size);
        Assert.Equal(ElementType.Int16, image.ElementType);
        AssertSpacing(image, 2, 2, 2);
        AssertAffine(image, [-2.0, 0.0, 0.0, 32.0, 0.0, 2.0, 0.0, -40.0, 0.0, 0.0, 2.0, -16.0]);
        Assert.Equal(10712.0, image.GetValue(0, 0, 0));
        Assert.Equal(11881.0, image.GetValue(16, 20, 12));
        Assert.Equal(2971.0, image.GetValue(32, 40, 24));
        Assert.Equal(10168.0, image.GetValue(11, 13, 8));
        AssertSums(image, 284166082.0, 35795348304.0, 0);
        Assert.Equal("2", image.Metadata[NiftiFormat.SformCodeKey]);
        Assert.Equal("spm - 3D normalized", image.Metadata[NiftiFormat.DescripKey]);
    }

    [Fact]
    public void FunctionalScaledInt16BecomesFloat32()
    {
        // scl_slope 0.07540697, scl_inter 3100.7617 on int16. nibabel 5.0 returns float64; MedVox returns float32
        // (numpy's promotion of int16 and float32), so the expected values are nibabel's rounded to float32:
        // d.astype(np.float32) for the samples and sums below.
        using var image = Read("functional.nii");

        Assert.Equal(ImageSize.Of4D(17, 21, 3, 20), image.Size);
        Assert.Equal(ElementType.Float32, image.ElementType);
        AssertSpacing(image, 4, 4, 8);
        Assert.Equal(2.0, image.Geometry.TimeSpacing);
        AssertAffine(image, [-4.0, 0.0, 0.0, 32.0, 0.0, 4.0, 0.0, -40.0, 0.0, 0.0, 8.0, 0.0]);
        Assert.Equal(4004.13720703125, image.GetValue(0, 0, 0, 0));
        Assert.Equal(3937.251220703125, image.GetValue(8, 10, 1, 10));
        Assert.Equal(3129.341064453125, image.GetValue(16, 20, 2, 19));
        Assert.Equal(3869.912841796875, image.GetValue(5, 7, 1, 6));
        AssertSums(image, 77913290.39703369, 9787124960.427246, 1e-12);

        var header = ImageFile.ReadHeader(Path.Combine(TestData.NibabelData, "functional.nii"));
        Assert.Equal(ElementType.Int16, header.StoredType);
        Assert.Equal(ElementType.Float32, header.ElementType);
    }

    [Fact]
    public void Example4dGzipWithExtensionsAndObliqueSform()
    {
        using var image = Read("example4d.nii.gz");

        Assert.Equal(ImageSize.Of4D(128, 96, 24, 2), image.Size);
        Assert.Equal(ElementType.Int16, image.ElementType);
        AssertSpacing(image, 2, 2, 2.199999, 1e-6);
        Assert.Equal(2000.0, image.Geometry.TimeSpacing); // pixdim[4] = 2000 with xyzt_units 10 (mm, s), as stored
        AssertAffine(image, Example4dAffine);
        Assert.Equal(0.0, image.GetValue(0, 0, 0, 0));
        Assert.Equal(266.0, image.GetValue(64, 48, 12, 1));
        Assert.Equal(0.0, image.GetValue(127, 95, 23, 1));
        Assert.Equal(474.0, image.GetValue(42, 32, 8, 0));
        AssertSums(image, 101985356.0, 12870031250.0, 0);
        Assert.Equal("FSL3.3", image.Metadata[NiftiFormat.DescripKey]);
    }

    [Fact]
    public void Nifti2Gzip()
    {
        using var image = Read("example_nifti2.nii.gz");

        Assert.Equal(ImageSize.Of4D(32, 20, 12, 2), image.Size);
        Assert.Equal(ElementType.Int16, image.ElementType);
        AssertSpacing(image, 2, 2, 2.1999990940093994, 1e-6);
        AssertAffine(image, Example4dAffine);
        Assert.Equal(424.0, image.GetValue(0, 0, 0, 0));
        Assert.Equal(266.0, image.GetValue(16, 10, 6, 1));
        Assert.Equal(457.0, image.GetValue(31, 19, 11, 1));
        Assert.Equal(420.0, image.GetValue(10, 6, 4, 0));
        AssertSums(image, 6926802.0, 870409932.0, 0);
        Assert.Equal("2", image.Metadata[NiftiFormat.VersionKey]);
    }

    [Fact]
    public void StandardUint8SformOnly()
    {
        using var image = Read("standard.nii.gz");

        Assert.Equal(ImageSize.Of3D(4, 5, 7), image.Size);
        Assert.Equal(ElementType.UInt8, image.ElementType);
        AssertSpacing(image, 1, 3, 2);
        AssertAffine(image, [1.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0]);
        Assert.Equal(0.0, image.GetValue(0, 0, 0));
        Assert.Equal(0.0, image.GetValue(2, 2, 3));
        Assert.Equal(255.0, image.GetValue(3, 4, 6));
        AssertSums(image, 7650.0, 556920.0, 0);
        Assert.Equal("RAS", image.Geometry.OrientationCode);
    }

    [Fact]
    public void ReorientedBigEndianFloat32()
    {
        using var image = Read("reoriented_anat_moved.nii");

        Assert.Equal(ImageSize.Of3D(21, 26, 22), image.Size);
        Assert.Equal(ElementType.Float32, image.ElementType);
        AssertSpacing(image, 4, 4, 4);
        AssertAffine(image, [4.0, 0.0, 0.0, -35.29789733886719, 0.0, 4.0, 0.0, -47.97758483886719, 0.0, 0.0, 4.0, -27.599409103393555]);
        Assert.Equal(8117.22021484375, image.GetValue(10, 13, 11));
        Assert.Equal(10534.6240234375, image.GetValue(7, 8, 7));
        AssertSums(image, 32739769.449157715, 4102029243.7869263, 1e-12);
    }

    [Theory]
    [MemberData(nameof(NiftiFiles))]
    public void HeaderAgreesWithPixels(string name)
    {
        string path = Path.Combine(TestData.NibabelData, name);

        var header = ImageFile.ReadHeader(path);
        using var image = ImageFile.Read(path);

        Assert.Equal("NIfTI", header.Format);
        Assert.Equal(image.ElementType, header.ElementType);
        Assert.Equal(image.Channels, header.Channels);
        Assert.True(header.Geometry.IsEquivalent(image.Geometry, 0));
    }

    [Theory]
    [InlineData("test.mgz")]
    [InlineData("tiny.mnc")]
    public void NonNiftiFilesGiveAnUnsupportedFormatError(string name)
    {
        string path = Path.Combine(TestData.NibabelData, name);

        var ex = Assert.Throws<UnsupportedFormatException>(() => ImageFile.Read(path));

        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("test.mgz")]
    [InlineData("tiny.mnc")]
    [InlineData("simple.trk")]
    public void NonNiftiContentUnderANiftiNameGivesAnUnsupportedFormatError(string name)
    {
        using var folder = TestData.CreateTempFolder();
        string path = folder.File("renamed.nii");
        File.Copy(Path.Combine(TestData.NibabelData, name), path);

        var ex = Assert.Throws<UnsupportedFormatException>(() => ImageFile.Read(path));

        Assert.Contains("not a NIfTI file", ex.Message, StringComparison.Ordinal);
        Assert.Equal("sizeof_hdr", ex.Field);
    }

    [Fact]
    public void AnalyzeHeaderIsRejectedWithAConversionHint()
    {
        using var folder = TestData.CreateTempFolder();
        File.Copy(Path.Combine(TestData.NibabelData, "analyze.hdr"), folder.File("a.hdr"));
        File.WriteAllBytes(folder.File("a.img"), new byte[1 << 20]);

        var ex = Assert.Throws<UnsupportedFormatException>(() => ImageFile.Read(folder.File("a.hdr")));

        Assert.Equal("magic", ex.Field);
        Assert.Contains("Analyze", ex.Message, StringComparison.Ordinal);
    }

    // example4d.nii.gz and example_nifti2.nii.gz share this sform (nibabel's img.affine).
    private static readonly double[] Example4dAffine =
    [
        -2.0, 6.714715653593746e-19, 9.081024511081715e-18, 117.8551025390625,
        -6.714715653593746e-19, 1.9737114906311035, -0.35552823543548584, -35.72294235229492,
        8.25548088896093e-18, 0.3232076168060303, 2.171081781387329, -7.248798370361328,
    ];

    private static Image Read(string name) => ImageFile.Read(Path.Combine(TestData.NibabelData, name));

    private static void AssertSpacing(Image image, double x, double y, double z, double tolerance = 1e-12)
    {
        Assert.Equal(x, image.Geometry.Spacing.X, tolerance);
        Assert.Equal(y, image.Geometry.Spacing.Y, tolerance);
        Assert.Equal(z, image.Geometry.Spacing.Z, tolerance);
    }

    private static void AssertAffine(Image image, double[] expected)
    {
        var actual = image.Geometry.ToRasAffine();
        for (int i = 0; i < 12; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-9, $"affine[{i / 4},{i % 4}]: expected {expected[i]}, got {actual[i]}");
        }
    }

    /// <summary>The sum of all values and the sum weighted by (flat index % 251 + 1), x fastest (numpy's order='F').</summary>
    private static void AssertSums(Image image, double expectedSum, double expectedWeighted, double relativeTolerance)
    {
        double sum = 0, weighted = 0;
        long index = 0;
        for (int t = 0; t < image.Size.T; t++)
        {
            for (int z = 0; z < image.Size.Z; z++)
            {
                for (int y = 0; y < image.Size.Y; y++)
                {
                    for (int x = 0; x < image.Size.X; x++)
                    {
                        double v = image.GetValue(x, y, z, t);
                        sum += v;
                        weighted += v * ((index % 251) + 1);
                        index++;
                    }
                }
            }
        }

        Assert.Equal(expectedSum, sum, Math.Abs(expectedSum) * relativeTolerance);
        Assert.Equal(expectedWeighted, weighted, Math.Abs(expectedWeighted) * relativeTolerance);
    }
}
