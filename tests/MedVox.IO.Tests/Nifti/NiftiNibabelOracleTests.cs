using System.Text.Json;
using MedVox.Imaging;
using MedVox.IO.Formats.Nifti;
using MedVox.Testing;

namespace MedVox.IO.Tests.Nifti;

/// <summary>
/// nibabel as a live, independent oracle: files MedVox writes must load in nibabel with the same affine (RAS) and
/// data, and files nibabel writes must load in MedVox with nibabel's affine and values.
/// </summary>
public class NiftiNibabelOracleTests
{
    /// <summary>Loads argv[1] with nibabel, writes its data (x fastest, little-endian) to argv[2], prints a JSON summary.</summary>
    private const string LoadScript = """
        import sys, json
        import numpy as np, nibabel as nib
        img = nib.load(sys.argv[1])
        d = np.asanyarray(img.dataobj)
        if d.dtype.fields is None:
            d = d.astype(d.dtype.newbyteorder('<'))
        with open(sys.argv[2], 'wb') as f:
            f.write(d.tobytes(order='F'))
        h = img.header
        print(json.dumps({
            'class': type(img).__name__,
            'shape': list(d.shape),
            'dtype': str(d.dtype),
            'affine': img.affine.tolist(),
            'qform': h.get_qform().tolist(),
            'qform_code': int(h['qform_code']),
            'sform_code': int(h['sform_code']),
            'zooms': [float(z) for z in h.get_zooms()],
            'units': list(h.get_xyzt_units()),
            'descrip': h['descrip'].item().decode(),
        }))
        """;

    public static TheoryData<ElementType, int, int, bool, string, string> MedVoxWrites => new()
    {
        { ElementType.Int16, 3, 1, false, "a.nii", "1" },
        { ElementType.Float32, 4, 1, false, "a.nii.gz", "1" },
        { ElementType.UInt8, 2, 1, false, "a.hdr", "1" },
        { ElementType.Float64, 3, 1, false, "a.nii", "2" },
        { ElementType.Int8, 4, 1, false, "a.nii.gz", "2" },
        { ElementType.UInt16, 3, 1, false, "a.hdr.gz", "1" },
        { ElementType.UInt32, 4, 1, false, "a.nii", "1" },
        { ElementType.Int32, 2, 1, false, "a.img", "2" },
        { ElementType.Int64, 3, 1, false, "a.nii", "1" },
        { ElementType.UInt64, 3, 1, false, "a.nii.gz", "1" },
        { ElementType.UInt8, 3, 3, true, "rgb.nii", "1" },
        { ElementType.UInt8, 3, 4, true, "rgba.nii.gz", "2" },
        { ElementType.Float32, 3, 3, false, "vector.nii", "1" },
    };

    [Theory]
    [MemberData(nameof(MedVoxWrites))]
    public void NibabelReadsWhatMedVoxWrites(ElementType type, int rank, int channels, bool color, string name, string version)
    {
        TestData.RequirePython("nibabel", "numpy");
        using var folder = TestData.CreateTempFolder();
        var size = rank switch
        {
            2 => ImageSize.Of2D(6, 5),
            3 => ImageSize.Of3D(6, 5, 4),
            _ => ImageSize.Of4D(6, 5, 4, 3),
        };
        using var image = TestImages.Pattern(type, size, channels);
        image.IsColor = color;
        image.Metadata[NiftiFormat.VersionKey] = version;
        image.Metadata[NiftiFormat.DescripKey] = "written by MedVox";

        ImageFile.Write(image, folder.File(name));
        var nib = Load(folder.File(name), folder.File("data.bin"));

        bool pair = name.Contains(".hdr", StringComparison.Ordinal) || name.Contains(".img", StringComparison.Ordinal);
        Assert.Equal((version, pair) switch { ("1", false) => "Nifti1Image", ("1", true) => "Nifti1Pair", (_, false) => "Nifti2Image", _ => "Nifti2Pair" }, nib.Class);
        bool planar = channels > 1 && !color;
        int[] expectedShape = planar
            ? [size.X, size.Y, size.Z, size.T, channels]
            : rank switch { 2 => [size.X, size.Y], 3 => [size.X, size.Y, size.Z], _ => [size.X, size.Y, size.Z, size.T] };
        Assert.Equal(expectedShape, nib.Shape);
        if (!color)
        {
            Assert.Equal(type.Name(), nib.DType);
        }

        double tolerance = version == "1" ? 1e-5 : 1e-9;
        AssertAffine(image.Geometry.ToRasAffine(), nib.Affine, tolerance, "sform");
        AssertAffine(image.Geometry.ToRasAffine(), nib.Qform, 1e-5, "qform");
        Assert.Equal((1, 1), (nib.QformCode, nib.SformCode));
        Assert.Equal(["mm", "sec"], nib.Units);
        Assert.Equal("written by MedVox", nib.Descrip);
        Assert.Equal(DiskOrderBytes(image, planar), File.ReadAllBytes(folder.File("data.bin")));
    }

    /// <summary>
    /// Files nibabel writes, each with the affine nibabel reports after loading it, and its data (x fastest) as the
    /// type MedVox returns (nibabel's scaled float64 rounded to float32 where MedVox gives float32).
    /// </summary>
    private const string WriteScript = """
        import sys, os, json
        import numpy as np, nibabel as nib
        out = sys.argv[1]
        rng = np.random.default_rng(7)
        def rot(ax, ay, az):
            cx, sx, cy, sy, cz, sz = np.cos(ax), np.sin(ax), np.cos(ay), np.sin(ay), np.cos(az), np.sin(az)
            rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
            ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
            rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
            return rz @ ry @ rx
        def affine(r, zooms, offset):
            a = np.eye(4)
            a[:3, :3] = r @ np.diag(zooms)
            a[:3, 3] = offset
            return a
        oblique = affine(rot(0.3, -0.2, 0.5), [0.8, 0.9, 2.5], [-90.5, 110.25, -60.0])
        left = oblique.copy(); left[:3, 2] *= -1
        other = affine(rot(-0.1, 0.4, 0.0), [0.8, 0.9, 2.5], [10.0, 20.0, 30.0])
        sheared = oblique.copy(); sheared[0, 1] += 0.3
        data16 = (np.arange(7 * 6 * 5, dtype=np.int64).reshape(7, 6, 5) * 37 % 2000 - 1000).astype(np.int16)
        cases = []
        def save(name, img):
            path = os.path.join(out, name)
            nib.save(img, path)
            back = nib.load(path)
            d = np.asanyarray(back.dataobj)
            expected = d.astype(np.float32) if sys.argv[2:] and d.dtype == np.float64 and name.startswith('scaled') else d
            expected = expected.astype(expected.dtype.newbyteorder('<'))
            with open(path + '.expected', 'wb') as f:
                f.write(expected.tobytes(order='F'))
            h = back.header
            cases.append({'name': name, 'affine': back.affine.tolist(), 'shape': list(d.shape), 'dtype': str(expected.dtype),
                          'units': list(h.get_xyzt_units()), 'zooms': [float(z) for z in h.get_zooms()]})
        img = nib.Nifti1Image(data16, None); img.set_qform(left, 1); img.set_sform(None, 0); save('qform_only.nii', img)
        img = nib.Nifti1Image(data16, None); img.set_qform(None, 0); img.set_sform(sheared, 2); save('sform_only.nii.gz', img)
        img = nib.Nifti1Image(data16, None); img.set_qform(other, 1); img.set_sform(oblique, 4); save('both_differ.nii', img)
        img = nib.Nifti1Image(data16, None); img.set_qform(None, 0); img.set_sform(None, 0); img.header.set_zooms((0.7, 1.5, 3.0)); save('neither.nii', img)
        img = nib.Nifti1Image(data16, oblique); img.header.set_slope_inter(2.5, -10.0); save('scaled_int16.nii.gz', img)
        data32 = (rng.standard_normal((5, 4, 3, 2)) * 1000).astype('>f4')
        hdr = nib.Nifti1Header(endianness='>'); hdr.set_data_dtype('>f4')
        img = nib.Nifti1Image(data32, oblique, hdr); img.header.set_xyzt_units('mm', 'msec'); img.header['pixdim'][4] = 1500; save('big_endian.nii', img)
        img = nib.Nifti1Image(data32.astype('>i4'), oblique, hdr.copy()); img.header.set_data_dtype('>i4'); save('big_endian_int.nii.gz', img)
        img = nib.Nifti2Image(data16, oblique); save('nifti2.nii', img)
        hdr2 = nib.Nifti2Header(endianness='>'); hdr2.set_data_dtype('>f8')
        img = nib.Nifti2Image(data32.astype('>f8'), left, hdr2); save('nifti2_big_endian.nii.gz', img)
        img = nib.Nifti1Pair(data16, left); save('pair.img', img)
        img = nib.Nifti1Image(data16, oblique); img.header.set_xyzt_units('meter', 'sec'); save('meters.nii', img)
        print(json.dumps(cases))
        """;

    [Fact]
    public void MedVoxReadsWhatNibabelWrites()
    {
        TestData.RequirePython("nibabel", "numpy");
        using var folder = TestData.CreateTempFolder();
        string output = ProcessRunner.Python(WriteScript, folder.Path, "float32-for-scaled");
        using var cases = JsonDocument.Parse(output);

        Assert.Equal(11, cases.RootElement.GetArrayLength());
        foreach (var c in cases.RootElement.EnumerateArray())
        {
            string name = c.GetProperty("name").GetString()!;
            using var image = ImageFile.Read(folder.File(name));

            int[] shape = [.. c.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32())];
            Assert.Equal(shape, image.Size.Rank == 4 ? [image.Size.X, image.Size.Y, image.Size.Z, image.Size.T] : new[] { image.Size.X, image.Size.Y, image.Size.Z });
            Assert.True(c.GetProperty("dtype").GetString() == image.ElementType.Name(), $"{name}: nibabel {c.GetProperty("dtype").GetString()}, MedVox {image.ElementType.Name()}");

            double[] affine = [.. c.GetProperty("affine").EnumerateArray().SelectMany(row => row.EnumerateArray()).Select(e => e.GetDouble())];
            if (name == "meters.nii")
            {
                // nibabel leaves the affine in the file's unit; MedVox converts metres to millimetres.
                for (int i = 0; i < 12; i++)
                {
                    affine[i] *= 1000;
                }
            }

            AssertAffine(affine, image.Geometry.ToRasAffine(), 1e-9, name);
            if (name == "big_endian.nii")
            {
                Assert.Equal(1.5, image.Geometry.TimeSpacing, 1e-12); // 1500 ms
            }

            Assert.True(File.ReadAllBytes(folder.File(name + ".expected")).AsSpan().SequenceEqual(DiskOrderBytes(image, planar: false)), $"{name}: pixels differ from nibabel's");
        }
    }

    [Fact]
    public void QuaternionOfAKnownRotation()
    {
        // Hand computation: a rotation by 90 degrees about z has quaternion (cos 45, 0, 0, sin 45); with pixdim
        // (2, 3, 4) and qfac 1 the affine columns are (0, 2, 0), (-3, 0, 0), (0, 0, 4).
        var h = new NiftiHeader { QformCode = 1, QuaternD = Math.Sqrt(0.5), QoffsetX = 5, QoffsetY = 6, QoffsetZ = 7 };
        h.PixDim[0] = 1;
        h.PixDim[1] = 2;
        h.PixDim[2] = 3;
        h.PixDim[3] = 4;

        var a = NiftiGeometry.QformAffine(h, "test");

        double[] expected = [0, -3, 0, 5, 2, 0, 0, 6, 0, 0, 4, 7];
        AssertAffine(expected, a, 1e-12, "qform");
    }

    private static NibabelView Load(string path, string dataPath)
    {
        string json = ProcessRunner.Python(LoadScript, path, dataPath);
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        static double[] Flat(JsonElement m) => [.. m.EnumerateArray().SelectMany(row => row.EnumerateArray()).Select(e => e.GetDouble())];
        return new NibabelView(
            r.GetProperty("class").GetString()!,
            [.. r.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32())],
            r.GetProperty("dtype").GetString()!,
            Flat(r.GetProperty("affine")),
            Flat(r.GetProperty("qform")),
            r.GetProperty("qform_code").GetInt32(),
            r.GetProperty("sform_code").GetInt32(),
            [.. r.GetProperty("units").EnumerateArray().Select(e => e.GetString()!)],
            r.GetProperty("descrip").GetString()!);
    }

    private static void AssertAffine(double[] expected, double[] actual, double tolerance, string what)
    {
        for (int i = 0; i < 12; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{what} affine[{i / 4},{i % 4}]: expected {expected[i]}, got {actual[i]}");
        }
    }

    /// <summary>The image's elements in NIfTI disk order (x fastest; with <paramref name="planar"/>, channels slowest), little-endian.</summary>
    private static byte[] DiskOrderBytes(Image image, bool planar)
    {
        using var stream = new MemoryStream();
        int size = image.ElementType.Size();
        int groups = planar ? image.Channels : 1;
        for (int c = 0; c < groups; c++)
        {
            for (int t = 0; t < image.Size.T; t++)
            {
                for (int z = 0; z < image.Size.Z; z++)
                {
                    for (int y = 0; y < image.Size.Y; y++)
                    {
                        var row = image.GetRowBytes(y, z, t);
                        if (!planar)
                        {
                            stream.Write(row);
                            continue;
                        }

                        for (int x = 0; x < image.Size.X; x++)
                        {
                            stream.Write(row.Slice(((x * image.Channels) + c) * size, size));
                        }
                    }
                }
            }
        }

        return stream.ToArray();
    }

    private sealed record NibabelView(string Class, int[] Shape, string DType, double[] Affine, double[] Qform, int QformCode, int SformCode, string[] Units, string Descrip);
}
