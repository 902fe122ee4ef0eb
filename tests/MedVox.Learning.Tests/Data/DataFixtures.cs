using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.IO.Datasets;
using MedVox.Synthetic;
using MedVox.Synthetic.Abdomen;
using MedVox.Testing;

namespace MedVox.Learning.Tests.Data;

/// <summary>Small datasets for the data pipeline tests.</summary>
internal static class DataFixtures
{
    /// <summary>Abdomen CT phantoms in NIfTI (.nii): 32 x 32 in-plane at 1.2 mm, 12 slices of 4 mm (anisotropic, so "separate z" applies).</summary>
    public static DecathlonDataset Abdomen(TempFolder folder, int cases = 3)
    {
        string directory = Path.Combine(folder.Path, "dataset");
        var options = new PhantomOptions
        {
            Cases = cases,
            Seed = 5,
            FileEnding = ".nii",
            Abdomen = new AbdomenOptions { Size = 32, Slices = 12, Spacing = 1.2, SliceSpacing = 4, NoiseSd = 10 },
        };
        PhantomDatasets.Generate(PhantomKind.Abdomen, directory, options, cancellation: TestContext.Current.CancellationToken);
        return DecathlonDataset.Read(directory);
    }

    /// <summary>An empty nnU-Net dataset with one MR channel and labels 0, 1, 2.</summary>
    public static DecathlonDataset Empty(TempFolder folder, string name = "custom")
    {
        var description = new DatasetDescription
        {
            Name = name,
            ChannelNames = ["T2"],
            Labels = [new DatasetLabel("background", 0), new DatasetLabel("a", 1), new DatasetLabel("b", 2)],
            FileEnding = ".nii",
        };
        return DecathlonDataset.Create(Path.Combine(folder.Path, name), description);
    }

    /// <summary>
    /// A float32 image that is 0 outside a box (for nonzero cropping) and a ramp inside, with a label of 1 and 2 inside
    /// the box.
    /// </summary>
    public static (Image Image, Image Label) BoxCase(ImageGeometry geometry, Index3 boxStart, ImageSize boxSize, int seed)
    {
        var image = Image.Create(geometry, ElementType.Float32);
        var label = Image.Create(geometry, ElementType.UInt8);
        var random = new Random(seed);
        for (int z = boxStart.Z; z < boxStart.Z + boxSize.Z; z++)
        {
            for (int y = boxStart.Y; y < boxStart.Y + boxSize.Y; y++)
            {
                var row = image.GetRow<float>(y, z);
                var labels = label.GetRow<byte>(y, z);
                for (int x = boxStart.X; x < boxStart.X + boxSize.X; x++)
                {
                    row[x] = 100 + x + (3 * y) - (2 * z) + (float)random.NextDouble();
                    labels[x] = (byte)((x + y + z) % 5 == 0 ? 2 : (x % 3 == 0 ? 1 : 0));
                }
            }
        }

        return (image, label);
    }

    public static ImageGeometry Geometry(int x, int y, int z, double sx = 1, double sy = 1, double sz = 1) =>
        new(ImageSize.Of3D(x, y, z), new Vector3D(sx, sy, sz), new Vector3D(-10, 20, 5), Matrix3D.Identity);
}
