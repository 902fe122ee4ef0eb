using MedVox.Dicom.Writing;
using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Dicom.Tests;

/// <summary>Small int16 HU volumes with known geometry, written with <see cref="DicomCtWriter"/>.</summary>
internal static class SyntheticSeries
{
    /// <summary>An oblique geometry: rotated 30 degrees about z and 10 about x, anisotropic, off-centre.</summary>
    public static ImageGeometry Oblique(int x, int y, int z, double sliceSpacing = 2.5)
    {
        double c = Math.Cos(Math.PI / 6), s = Math.Sin(Math.PI / 6);
        double c2 = Math.Cos(Math.PI / 18), s2 = Math.Sin(Math.PI / 18);
        var row = new Vector3D(c, s, 0);
        var column = new Vector3D(-s * c2, c * c2, s2);
        var normal = Vector3D.Cross(row, column);
        return new ImageGeometry(ImageSize.Of3D(x, y, z), new Vector3D(0.75, 0.8, sliceSpacing), new Vector3D(-120.5, 33.25, 71.125), Matrix3D.FromColumns(row, column, normal));
    }

    /// <summary>A volume whose value is a linear function of the index (so linear interpolation along z is exact).</summary>
    public static Image Volume(ImageGeometry geometry)
    {
        var image = Image.Create(geometry, ElementType.Int16);
        for (int z = 0; z < geometry.Size.Z; z++)
        {
            var slice = image.GetSlice<short>(z);
            for (int y = 0; y < geometry.Size.Y; y++)
            {
                for (int x = 0; x < geometry.Size.X; x++)
                {
                    slice[(y * geometry.Size.X) + x] = (short)(-1000 + (x * 3) + (y * 17) + (z * 100));
                }
            }
        }

        return image;
    }
}
