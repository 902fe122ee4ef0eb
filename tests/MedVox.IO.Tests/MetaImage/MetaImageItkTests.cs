using System.Globalization;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.IO.Tests.MetaImage;

/// <summary>MetaImage checked against ITK 5.2 (through plastimatch, see <see cref="ItkOracle"/>) in both directions.</summary>
public class MetaImageItkTests
{
    [Theory]
    [InlineData("field.mha")]
    [InlineData("field.mhd")]
    public void VectorFieldWrittenByItkHoldsThePositionsOurGeometryGives(string name)
    {
        // Each voxel of this ITK-made field holds its physical position as ITK computes it from the direction matrix,
        // so reading the TransformMatrix the wrong way round (rows for columns) moves every value away from
        // IndexToPhysical of our geometry.
        using var folder = TestData.CreateTempFolder();
        string path = folder.File(name);
        double c = Math.Cos(Math.PI / 6), s = Math.Sin(Math.PI / 6);
        // Row-major direction (plastimatch's --direction-cosines order): columns are the axis directions.
        var direction = new Matrix3D(c, 0, -s, s, 0, c, 0, -1, 0);
        string rowMajor = string.Join(' ', new[] { c, 0, -s, s, 0, c, 0, -1, 0 }.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        ItkOracle.PhysicalPositionField(path, "5 4 3", "-10 20.5 3", "0.5 0.75 2", rowMajor);

        using var image = ImageFile.Read(path);

        Assert.Equal(ImageSize.Of3D(5, 4, 3), image.Size);
        Assert.Equal(3, image.Channels);
        Assert.Equal(ElementType.Float32, image.ElementType);
        Assert.True(image.Geometry.IsEquivalent(new ImageGeometry(image.Size, new Vector3D(0.5, 0.75, 2), new Vector3D(-10, 20.5, 3), direction), 1e-6),
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
    [InlineData("ct.mha")]
    [InlineData("ct.mhd")]
    public void ImageWrittenByItkFromNiftiHasNibabelsValuesAndGeometry(string name)
    {
        using var folder = TestData.CreateTempFolder();
        string nifti = folder.File("source.nii");
        TestData.RequirePython("nibabel", "numpy");
        // An oblique RAS affine (rotation of 30 degrees about z, anisotropic voxels) and values i*7 + j*131 + k*1031 - 500.
        ProcessRunner.Python(
            """
            import sys, numpy as np, nibabel as nib
            i, j, k = np.meshgrid(np.arange(5), np.arange(4), np.arange(3), indexing='ij')
            a = (i * 7 + j * 131 + k * 1031 - 500).astype(np.int16)
            c, s = np.cos(np.pi / 6), np.sin(np.pi / 6)
            aff = np.array([[0.8 * c, -1.25 * s, 0, -30.5], [0.8 * s, 1.25 * c, 0, 12.0], [0, 0, 2.5, 40.25], [0, 0, 0, 1]])
            nib.save(nib.Nifti1Image(a, aff), sys.argv[1])
            """,
            nifti);
        string path = folder.File(name);
        ItkOracle.Convert(nifti, path);

        using var image = ImageFile.Read(path);

        Assert.Equal(ElementType.Int16, image.ElementType);
        Assert.Equal(ImageSize.Of3D(5, 4, 3), image.Size);
        for (int k = 0; k < 3; k++)
        {
            for (int j = 0; j < 4; j++)
            {
                for (int i = 0; i < 5; i++)
                {
                    Assert.Equal((i * 7) + (j * 131) + (k * 1031) - 500, image.GetValue(i, j, k));
                }
            }
        }

        // LPS = RAS with the first two rows negated.
        double c = Math.Cos(Math.PI / 6), s = Math.Sin(Math.PI / 6);
        double[] expectedLps = [-0.8 * c, 1.25 * s, 0, 30.5, -0.8 * s, -1.25 * c, 0, -12.0, 0, 0, 2.5, 40.25, 0, 0, 0, 1];
        var actual = image.Geometry.ToLpsAffine();
        for (int e = 0; e < 16; e++)
        {
            Assert.Equal(expectedLps[e], actual[e], 1e-5);
        }
    }

    public static TheoryData<ElementType, string, bool> WrittenForItk()
    {
        var data = new TheoryData<ElementType, string, bool>();
        foreach (var type in new[] { ElementType.UInt8, ElementType.Int16, ElementType.UInt16, ElementType.Int32, ElementType.Float32, ElementType.Float64 })
        {
            data.Add(type, ".mha", false);
        }

        data.Add(ElementType.Int16, ".mha", true);
        data.Add(ElementType.Int16, ".mhd", false);
        data.Add(ElementType.Float32, ".mhd", true);
        return data;
    }

    [Theory]
    [MemberData(nameof(WrittenForItk))]
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
        // plastimatch's xf-convert reads a vector field with ITK and writes it as NIfTI (x, y, z, 1, component).
        using var folder = TestData.CreateTempFolder();
        using var image = TestImages.Pattern(ElementType.Float32, ImageSize.Of3D(4, 3, 2), channels: 3);
        string path = folder.File("vectors.mha");
        ImageFile.Write(image, path, new ImageWriteOptions { Compress = true });

        var itk = ItkOracle.Header(path);
        Assert.Equal([4L, 3, 2], itk.Size);
        Assert.True(Matrix3D.MaxAbsDifference(image.Geometry.Direction, itk.Direction) < 1e-4, $"direction {itk.Direction}");
        string nifti = folder.File("vectors.nii");
        ItkOracle.ConvertVectorField(path, nifti);
        var (values, _, dtype) = ItkOracle.Nibabel(nifti);

        Assert.Equal("float32", dtype);
        Assert.Equal(image.ElementCount, values.Length);
        int voxels = (int)image.Size.VoxelCount, index = 0;
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
