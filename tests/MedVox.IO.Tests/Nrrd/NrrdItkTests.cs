using System.Globalization;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.IO.Tests.Nrrd;

/// <summary>NRRD checked against ITK 5.2's NrrdImageIO (through plastimatch, see <see cref="ItkOracle"/>), as 3D Slicer users meet it.</summary>
public class NrrdItkTests
{
    [Theory]
    [InlineData("field.nrrd")]
    [InlineData("field.nhdr")]
    public void VectorFieldWrittenByItkHoldsThePositionsOurGeometryGives(string name)
    {
        // ITK writes the vector axis first with space direction "none" and kind vector, gzip-compressed.
        using var folder = TestData.CreateTempFolder();
        string path = folder.File(name);
        double c = Math.Cos(Math.PI / 5), s = Math.Sin(Math.PI / 5);
        string rowMajor = string.Join(' ', new[] { 0, c, -s, 0, s, c, 1, 0, 0 }.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        ItkOracle.PhysicalPositionField(path, "5 4 3", "12 -3.5 40", "0.8 1.5 2.25", rowMajor);

        using var image = ImageFile.Read(path);

        Assert.Equal(3, image.Channels);
        Assert.Equal(ImageSize.Of3D(5, 4, 3), image.Size);
        var direction = new Matrix3D(0, c, -s, 0, s, c, 1, 0, 0);
        Assert.True(image.Geometry.IsEquivalent(new ImageGeometry(image.Size, new Vector3D(0.8, 1.5, 2.25), new Vector3D(12, -3.5, 40), direction), 1e-6),
            image.Geometry.ToString());
        for (int z = 0; z < 3; z++)
        {
            for (int y = 0; y < 4; y++)
            {
                for (int x = 0; x < 5; x++)
                {
                    var expected = image.Geometry.IndexToPhysical(x, y, z);
                    for (int axis = 0; axis < 3; axis++)
                    {
                        Assert.Equal(expected[axis], image.GetValue(x, y, z, 0, axis), 1e-3);
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData("ct.nrrd")]
    [InlineData("ct.nhdr")]
    public void ImageWrittenByItkFromNiftiHasNibabelsValuesAndGeometry(string name)
    {
        using var folder = TestData.CreateTempFolder();
        string nifti = folder.File("source.nii");
        TestData.RequirePython("nibabel", "numpy");
        ProcessRunner.Python(
            """
            import sys, numpy as np, nibabel as nib
            i, j, k = np.meshgrid(np.arange(5), np.arange(4), np.arange(3), indexing='ij')
            a = (i * 7 + j * 131 + k * 1031 - 500).astype(np.float32) * 0.5
            c, s = np.cos(np.pi / 6), np.sin(np.pi / 6)
            aff = np.array([[0.8 * c, 0, -2.5 * s, -30.5], [0.8 * s, 0, 2.5 * c, 12.0], [0, 1.25, 0, 40.25], [0, 0, 0, 1]])
            nib.save(nib.Nifti1Image(a, aff), sys.argv[1])
            """,
            nifti);
        string path = folder.File(name);
        ItkOracle.Convert(nifti, path);

        using var image = ImageFile.Read(path);

        Assert.Equal(ElementType.Float32, image.ElementType);
        for (int k = 0; k < 3; k++)
        {
            for (int j = 0; j < 4; j++)
            {
                for (int i = 0; i < 5; i++)
                {
                    Assert.Equal(((i * 7) + (j * 131) + (k * 1031) - 500) * 0.5, image.GetValue(i, j, k));
                }
            }
        }

        double c = Math.Cos(Math.PI / 6), s = Math.Sin(Math.PI / 6);
        double[] expectedLps = [-0.8 * c, 0, 2.5 * s, 30.5, -0.8 * s, 0, -2.5 * c, -12.0, 0, 1.25, 0, 40.25, 0, 0, 0, 1];
        var actual = image.Geometry.ToLpsAffine();
        for (int e = 0; e < 16; e++)
        {
            Assert.Equal(expectedLps[e], actual[e], 1e-5);
        }
    }

    [Theory]
    [InlineData(ElementType.UInt8, ".nrrd", false)]
    [InlineData(ElementType.Int16, ".nrrd", true)]
    [InlineData(ElementType.UInt16, ".nhdr", false)]
    [InlineData(ElementType.Int32, ".nhdr", true)]
    [InlineData(ElementType.Float32, ".nrrd", false)]
    [InlineData(ElementType.Float64, ".nrrd", true)]
    public void ItkReadsWhatWeWrite(ElementType type, string extension, bool compress)
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(type, ImageSize.Of3D(5, 4, 3));
        string path = folder.File("ours" + extension);
        ImageFile.Write(image, path, new ImageWriteOptions { Compress = compress });

        var itk = ItkOracle.Header(path);
        Assert.Equal([5L, 4, 3], itk.Size);
        Assert.True(Vector3D.MaxAbsDifference(image.Geometry.Spacing, itk.Spacing) < 1e-4, $"spacing {itk.Spacing}");
        Assert.True(Vector3D.MaxAbsDifference(image.Geometry.Origin, itk.Origin) < 1e-4, $"origin {itk.Origin}");
        Assert.True(Matrix3D.MaxAbsDifference(image.Geometry.Direction, itk.Direction) < 1e-4, $"direction {itk.Direction}");

        string nifti = folder.File("itk.nii");
        ItkOracle.Convert(path, nifti);
        var (values, affine, _) = ItkOracle.Nibabel(nifti);
        Assert.Equal(image.ElementCount, values.Length);
        int index = 0;
        for (int z = 0; z < 3; z++)
        {
            for (int y = 0; y < 4; y++)
            {
                for (int x = 0; x < 5; x++)
                {
                    Assert.Equal(image.GetValue(x, y, z), values[index++]);
                }
            }
        }

        var ras = image.Geometry.ToRasAffine();
        for (int e = 0; e < 16; e++)
        {
            Assert.Equal(ras[e], affine[e], 1e-4);
        }
    }

    [Fact]
    public void ItkReadsOurVectorImage()
    {
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(ElementType.Float32, ImageSize.Of3D(4, 3, 2), channels: 3);
        string path = folder.File("vectors.nrrd");
        ImageFile.Write(image, path, new ImageWriteOptions { Compress = true });

        string nifti = folder.File("vectors.nii");
        ItkOracle.ConvertVectorField(path, nifti);
        var (values, _, _) = ItkOracle.Nibabel(nifti);

        int voxels = (int)image.Size.VoxelCount, index = 0;
        Assert.Equal(image.ElementCount, values.Length);
        for (int z = 0; z < 2; z++)
        {
            for (int y = 0; y < 3; y++)
            {
                for (int x = 0; x < 4; x++, index++)
                {
                    for (int c = 0; c < 3; c++)
                    {
                        Assert.Equal(image.GetValue(x, y, z, 0, c), values[(c * voxels) + index]);
                    }
                }
            }
        }
    }
}
