using System.Globalization;
using MedVox.Dicom.Series;
using MedVox.Dicom.Writing;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Dicom.Tests;

/// <summary>
/// dcm2niix (Debian package dcm2niix) as the geometry oracle: it converts the same series, nibabel reads its NIfTI,
/// and every voxel it writes must land, by its RAS affine, on a voxel of the MedVox volume with the same value.
/// File names are shuffled but instance numbers kept in order: dcm2niix 1.0.20220720 orders slices by instance
/// number and refuses a series whose numbers disagree with the positions (MedVox sorts by position, see SeriesTests).
/// </summary>
public class Dcm2niixGeometryTests
{
    private const string VoxelDump = """
        import sys, nibabel as nib, numpy as np
        img = nib.load(sys.argv[1])
        data = img.get_fdata()
        data = data.reshape(data.shape[:3])
        a = img.affine
        for k in range(data.shape[2]):
            for j in range(data.shape[1]):
                for i in range(data.shape[0]):
                    p = a @ [i, j, k, 1]
                    print(f"{p[0]!r} {p[1]!r} {p[2]!r} {data[i, j, k]!r}")
        """;

    public static TheoryData<string> Layouts => new() { "oblique-shuffled", "axial-descending", "sagittal", "enhanced-oblique" };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void EveryDcm2niixVoxelLandsOnTheSameMedVoxVoxel(string layout)
    {
        string dcm2niix = TestData.RequireTool("dcm2niix", "dcm2niix");
        string python = TestData.RequirePython("nibabel", "numpy");
        using var folder = TestData.CreateTempFolder();
        var geometry = layout switch
        {
            "oblique-shuffled" or "enhanced-oblique" => SyntheticSeries.Oblique(9, 7, 6),
            // Slices stored head to feet: the normal (row x column) points to +z, positions decrease with k.
            "axial-descending" => new ImageGeometry(ImageSize.Of3D(8, 6, 5), new Vector3D(0.5, 0.6, 3), new Vector3D(10, -20, 100),
                Matrix3D.FromColumns(new Vector3D(1, 0, 0), new Vector3D(0, 1, 0), new Vector3D(0, 0, -1))),
            _ => new ImageGeometry(ImageSize.Of3D(6, 8, 5), new Vector3D(0.9, 1.1, 2), new Vector3D(-40, 12, 30),
                Matrix3D.FromColumns(new Vector3D(0, 1, 0), new Vector3D(0, 0, -1), new Vector3D(-1, 0, 0))),
        };
        using var volume = SyntheticSeries.Volume(geometry);
        string dicom = Path.Combine(folder.Path, "dicom"), nifti = Path.Combine(folder.Path, "nifti");
        Directory.CreateDirectory(nifti);
        if (layout == "enhanced-oblique")
        {
            // One enhanced CT multi-frame file, frames stored shuffled (positions and InStackPositionNumber give the order).
            Directory.CreateDirectory(dicom);
            DicomCtWriter.WriteEnhanced(volume, Path.Combine(dicom, "enhanced.dcm"), shuffleFrames: true, seed: 9);
        }
        else
        {
            DicomCtWriter.WriteSeries(volume, dicom, new DicomCtWriter.SeriesOptions { Shuffle = layout == "oblique-shuffled", KeepInstanceNumbers = true, Seed = 5 });
        }

        var (code, output, error) = ProcessRunner.Run(dcm2niix, ["-z", "n", "-b", "n", "-f", "out", "-o", nifti, dicom]);
        Assert.True(code == 0, output + error);

        using var loaded = DicomSeriesLoader.Load(dicom);
        if (geometry.Direction.Determinant > 0)
        {
            ImageAssert.Identical(volume, loaded.Image, 1e-6);
        }
        else
        {
            // A left-handed input (slices written against the normal) comes back with k reversed: the third
            // direction column is row x column, the origin the position of the last written slice.
            Assert.Equal(new Vector3D(0, 0, 1), loaded.Image.Geometry.Direction.Column(2));
            Assert.True(Vector3D.MaxAbsDifference(geometry.IndexToPhysical(0, 0, geometry.Size.Z - 1), loaded.Image.Geometry.Origin) < 1e-6);
            Assert.Equal(volume.GetSlice<short>(geometry.Size.Z - 1).ToArray(), loaded.Image.GetSlice<short>(0).ToArray());
        }

        var lines = ProcessRunner.Python(VoxelDump, Path.Combine(nifti, "out.nii")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(loaded.Image.Size.VoxelCount, lines.Length);
        foreach (var line in lines)
        {
            var v = line.Split(' ').Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray();
            var lps = new Vector3D(-v[0], -v[1], v[2]);
            var index = loaded.Image.Geometry.PhysicalToIndex(lps);
            int i = (int)Math.Round(index.X), j = (int)Math.Round(index.Y), k = (int)Math.Round(index.Z);
            Assert.True(Vector3D.MaxAbsDifference(index, new Vector3D(i, j, k)) < 1e-3, $"dcm2niix voxel at RAS ({v[0]}, {v[1]}, {v[2]}) falls between MedVox voxels: {index}");
            Assert.Equal(v[3], loaded.Image.GetValue(i, j, k));
        }
    }
}
