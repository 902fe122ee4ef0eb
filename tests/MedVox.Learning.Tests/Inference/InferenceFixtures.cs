using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Learning.Data;
using MedVox.Learning.Networks;
using MedVox.Learning.Planning;
using MedVox.Learning.Runtime;

namespace MedVox.Learning.Tests.Inference;

/// <summary>Small plans, networks with fixed random weights, and CT-like volumes with oblique, anisotropic geometry.</summary>
internal static class InferenceFixtures
{
    public static SegmentationPlan CtPlan(int[] patch, double[] targetSpacing, int classes = 3, CropMode crop = CropMode.AboveThreshold, int[]? features = null)
    {
        // Network spacing in tensor order (z, y, x) for the kernel/stride choices.
        var network = UNetConfig.ForPatch(patch, [targetSpacing[2], targetSpacing[1], targetSpacing[0]], 1, classes, baseFeatures: 4, maxFeatures: 16, maxStages: 3);
        if (features is not null)
        {
            network = network with { Features = features };
        }

        var labels = new Dictionary<string, int> { ["background"] = 0 };
        for (int c = 1; c < classes; c++)
        {
            labels["class" + c] = c;
        }

        return new SegmentationPlan
        {
            DatasetName = "test",
            Labels = labels,
            Channels = ["CT"],
            Preprocessing = new PreprocessingPlan
            {
                TargetSpacing = targetSpacing,
                Normalization = [new ChannelNormalization { Scheme = NormalizationScheme.CT, ClipLow = -1000, ClipHigh = 400, Mean = 20, StandardDeviation = 150 }],
                LabelValues = [.. labels.Values],
                Crop = crop,
                CropThreshold = -500,
            },
            PatchSize = patch,
            BatchSize = 2,
            Network = network,
        };
    }

    /// <summary>A U-Net with weights drawn from a fixed seed, in eval mode.</summary>
    public static UNet Network(SegmentationPlan plan, int seed = 7)
    {
        // Seeding and drawing are one step under the runtime's lock: the fixtures' callers run in parallel test classes.
        var net = TorchRuntime.CreateSeeded(seed, () => new UNet(plan.Network));
        net.eval();
        return net;
    }

    /// <summary>An oblique geometry (rotated about z, k flipped) with the given size and spacing.</summary>
    public static ImageGeometry Oblique(int x, int y, int z, double sx, double sy, double sz)
    {
        double c = Math.Cos(Math.PI / 7), s = Math.Sin(Math.PI / 7);
        var direction = Matrix3D.FromColumns(new Vector3D(c, s, 0), new Vector3D(-s, c, 0), new Vector3D(0, 0, -1));
        return new ImageGeometry(ImageSize.Of3D(x, y, z), new Vector3D(sx, sy, sz), new Vector3D(-80.5, 12.25, 40), direction);
    }

    /// <summary>
    /// A CT-like int16 volume: air (-1000) around an ellipsoidal body (about 40 HU, smooth texture) holding a bright
    /// and a dark blob, with noise. The body leaves an air margin so that the threshold crop removes something.
    /// </summary>
    public static Image CtVolume(ImageGeometry geometry, int seed = 1, ElementType type = ElementType.Int16)
    {
        var size = geometry.Size;
        var image = Image.Create(geometry, type);
        var random = new Random(seed);
        double cx = size.X * 0.52, cy = size.Y * 0.48, cz = size.Z * 0.5;
        for (int z = 0; z < size.Z; z++)
        {
            for (int y = 0; y < size.Y; y++)
            {
                for (int x = 0; x < size.X; x++)
                {
                    double dx = (x - cx) / (size.X * 0.38), dy = (y - cy) / (size.Y * 0.36), dz = (z - cz) / (size.Z * 0.45);
                    double r = (dx * dx) + (dy * dy) + (dz * dz);
                    double v = -1000;
                    if (r < 1)
                    {
                        v = 40 + (25 * Math.Sin(x / 3.0) * Math.Cos(y / 4.0)) + (10 * Math.Sin(z / 2.0));
                        double b1 = Math.Pow((x - (cx * 0.8)) / 3.5, 2) + Math.Pow((y - cy) / 3.0, 2) + Math.Pow((z - cz) / 2.0, 2);
                        double b2 = Math.Pow((x - (cx * 1.25)) / 4.0, 2) + Math.Pow((y - (cy * 1.2)) / 3.0, 2) + Math.Pow((z - (cz * 0.9)) / 2.5, 2);
                        v += b1 < 1 ? 250 : 0;
                        v -= b2 < 1 ? 120 : 0;
                    }

                    v += (random.NextDouble() - 0.5) * 30;
                    image.SetValue(x, y, z, v);
                }
            }
        }

        return image;
    }
}
