using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Learning.Data;
using MedVox.Learning.Inference;
using MedVox.Learning.Losses;
using MedVox.Learning.Networks;
using MedVox.Learning.Planning;
using MedVox.Learning.Runtime;
using MedVox.Learning.Training;
using static TorchSharp.torch;

namespace MedVox.Learning.Tests.Inference;

/// <summary>
/// What Gaussian-blended sliding windows fix: naive tiling leaves a step in the probability map at every tile border
/// (each tile normalises and zero-pads on its own), blending does not, and blending agrees with predicting the whole
/// image at once.
/// </summary>
public class SeamTests
{
    /// <summary>Half-width of the band around a border, in voxels: the network's total stride.</summary>
    private const int Band = 4;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void NaiveTilingShowsSeamsAndGaussianBlendingDoesNot()
    {
        // No resampling and no crop, so the preprocessed grid is the input grid and tile borders are known voxels.
        var plan = InferenceFixtures.CtPlan([16, 32, 32], [1.0, 1.0, 1.0], crop: CropMode.None);
        using var net = InferenceFixtures.Network(plan, seed: 11);
        using var image = SmoothVolume(64, 64, 32);

        using var naive = Probability(plan, net, image, new PredictionOptions { Overlap = 0, Weighting = WindowWeighting.Constant });
        using var blended = Probability(plan, net, image, new PredictionOptions { Overlap = 0.5 });

        // Naive tiles: 2 x 2 x 2 tiles, borders between voxels 15|16 (z) and 31|32 (y, x).
        int[][] tileBorders = [[16], [32], [32]];
        // Blended windows start at 0, 8, 16 (z) and 0, 16, 32 (y, x): their edges lie at 8, 16, 24 and 16, 32, 48.
        int[][] windowEdges = [[8, 16, 24], [16, 32, 48], [16, 32, 48]];
        double naiveRatio = BorderRatio(naive, tileBorders);
        double blendedAtTiles = BorderRatio(blended, tileBorders);
        double blendedAtWindows = BorderRatio(blended, windowEdges);

        TestContext.Current.TestOutputHelper?.WriteLine($"gradient near borders / inside: naive {naiveRatio:F3}, blended at tile borders {blendedAtTiles:F3}, at window edges {blendedAtWindows:F3}");
        // Measured: naive 1.51; Gaussian blending 0.93 and 0.95; plain averaging of the same overlapping windows 1.02 and
        // 1.15 (edges still show), so the bound of 1.1 tells Gaussian blending from averaging.
        Assert.True(naiveRatio > 1.3, $"naive tiling: gradient near tile borders / inside = {naiveRatio:F3}");
        Assert.True(blendedAtTiles < 1.1, $"blended, near the naive tile borders: {blendedAtTiles:F3}");
        Assert.True(blendedAtWindows < 1.1, $"blended, near its own window edges: {blendedAtWindows:F3}");
    }

    [Fact]
    public void BlendedWindowsAgreeWithTheWholeImagePrediction()
    {
        // A small 2D network trained for 20 seconds on 32 x 32 patches of disks and squares, then a 128 x 96 image with many
        // of them, predicted in six overlapping 64 x 64 windows and in one piece. Every window holds several shapes: the
        // network normalises each input (instance norm), so an empty window would be a different problem, not a seam.
        manual_seed(21);
        var config = new UNetConfig
        {
            Dimensions = 2,
            Classes = 3,
            Features = [8, 16, 32],
            Kernels = [[3, 3], [3, 3], [3, 3]],
            Strides = [[1, 1], [2, 2], [2, 2]],
            EncoderBlocks = [2, 2, 2],
        };
        using var net = new UNet(config);
        using (var trainer = new Trainer(net, Loss, new TrainingOptions { Iterations = 400, Optimizer = OptimizerKind.AdamW, LearningRate = 0.003 }, CPU))
        {
            trainer.Run(new CroppedShapesSource(seed: 31), checkpointFolder: null, cancellation: Ct);
        }

        net.eval();
        var plan = new SegmentationPlan
        {
            Labels = new Dictionary<string, int> { ["background"] = 0, ["disk"] = 1, ["square"] = 2 },
            Channels = ["noNorm"],
            Preprocessing = new PreprocessingPlan
            {
                TargetSpacing = [1, 1, 1],
                Normalization = [new ChannelNormalization { Scheme = NormalizationScheme.None }],
                LabelValues = [0, 1, 2],
                Crop = CropMode.None,
            },
            PatchSize = [64, 64],
            Network = config,
        };
        using var image = ShapesImage(128, 96, seed: 5);

        using var predictor = new Predictor(plan, net, new PredictionOptions { Device = ComputeDevice.Cpu });
        using var result = predictor.Predict([image], cancellation: Ct);
        using var whole = WholeImage(net, image);

        for (int c = 1; c <= 2; c++)
        {
            double dice = Dice(result.Labels, whole, c);
            TestContext.Current.TestOutputHelper?.WriteLine($"class {c}: Dice(windows, whole image) = {dice:F4}");
            Assert.True(dice >= 0.99, $"class {c}: Dice {dice:F4} between blended windows and the whole-image prediction");
        }

        using var truth = Truth(128, 96, seed: 5);
        Assert.True(Dice(whole, truth, 1) > 0.9 && Dice(whole, truth, 2) > 0.9, "the network did not learn the shapes; the comparison would mean little");
        Assert.Equal(6, result.Memory.Windows);
    }

    private static Tensor Loss(nn.Module network, TrainingBatch batch)
    {
        using var dice = new DiceCrossEntropyLoss();
        return dice.forward(((UNet)network).forward(batch.Images), batch.Labels);
    }

    private static Image Probability(SegmentationPlan plan, UNet net, Image image, PredictionOptions options)
    {
        using var predictor = new Predictor(plan, net, options with { Device = ComputeDevice.Cpu, Probabilities = true, Precision = AccumulatorPrecision.Float32 });
        using var result = predictor.Predict([image], cancellation: Ct);
        return result.Probabilities!.Clone();
    }

    /// <summary>
    /// Mean |p(v + 1) - p(v)| of the class-1 probability over neighbour pairs near one of the given borders (per axis z,
    /// y, x: within <see cref="Band"/> voxels of the first voxel after the border, where a tile's zero padding and its
    /// own normalisation show), divided by the same mean over the pairs inside tiles. Pairs as near the volume's own
    /// boundary, which every method pads, count for neither.
    /// </summary>
    private static double BorderRatio(Image probabilities, int[][] borders)
    {
        var size = probabilities.Size;
        int[] extent = [size.Z, size.Y, size.X];
        double near = 0, inside = 0;
        long nearCount = 0, insideCount = 0;
        for (int z = 0; z < size.Z; z++)
        {
            for (int y = 0; y < size.Y; y++)
            {
                for (int x = 0; x < size.X; x++)
                {
                    double p = probabilities.GetValue(x, y, z, channel: 1);
                    (int dx, int dy, int dz, int position, int axis)[] neighbours = [(1, 0, 0, x + 1, 2), (0, 1, 0, y + 1, 1), (0, 0, 1, z + 1, 0)];
                    foreach (var (dx, dy, dz, position, axis) in neighbours)
                    {
                        if (position >= extent[axis] || position <= Band || position >= extent[axis] - Band)
                        {
                            continue;
                        }

                        double step = Math.Abs(probabilities.GetValue(x + dx, y + dy, z + dz, channel: 1) - p);
                        bool isNear = false;
                        foreach (int border in borders[axis])
                        {
                            isNear |= Math.Abs(position - border) <= Band;
                        }

                        if (isNear)
                        {
                            near += step;
                            nearCount++;
                        }
                        else
                        {
                            inside += step;
                            insideCount++;
                        }
                    }
                }
            }
        }

        return near / nearCount / (inside / insideCount);
    }

    /// <summary>A ramp without noise or edges (each window normalises it to its own range), so that what tiling adds stands out from the gradients inside tiles.</summary>
    private static Image SmoothVolume(int nx, int ny, int nz)
    {
        var image = Image.Create(new ImageGeometry(ImageSize.Of3D(nx, ny, nz)), ElementType.Float32);
        for (int z = 0; z < nz; z++)
        {
            for (int y = 0; y < ny; y++)
            {
                var row = image.GetRow<float>(y, z);
                for (int x = 0; x < nx; x++)
                {
                    row[x] = (float)(-300 + (3 * x) + (3 * y) + (5 * z));
                }
            }
        }

        return image;
    }

    /// <summary>Noise with disks (+2, label 1) and 6 x 6 squares (+1, label 2), as the training tests draw them.</summary>
    private static Image ShapesImage(int width, int height, int seed)
    {
        var (values, _) = Shapes(width, height, seed);
        return Image.FromPixels<float>(new ImageGeometry(ImageSize.Of2D(width, height)), values);
    }

    private static Image Truth(int width, int height, int seed)
    {
        var (_, labels) = Shapes(width, height, seed);
        return Image.FromPixels<byte>(new ImageGeometry(ImageSize.Of2D(width, height)), labels);
    }

    private static (float[] Values, byte[] Labels) Shapes(int width, int height, int seed, int shapes = 0, int margin = 8)
    {
        var random = new Random(seed);
        int squares = shapes == 0 ? 20 : random.Next(1, shapes + 1), disks = shapes == 0 ? 20 : random.Next(1, shapes + 1);
        var values = new float[width * height];
        var labels = new byte[width * height];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() - 0.5) * 0.5);
        }

        for (int n = 0; n < squares; n++)
        {
            int sx = random.Next(Math.Min(2, margin), width - Math.Max(margin, 2)), sy = random.Next(Math.Min(2, margin), height - Math.Max(margin, 2));
            for (int y = Math.Max(sy, 0); y < Math.Min(sy + 6, height); y++)
            {
                for (int x = Math.Max(sx, 0); x < Math.Min(sx + 6, width); x++)
                {
                    values[(y * width) + x] += 1;
                    labels[(y * width) + x] = 2;
                }
            }
        }

        for (int n = 0; n < disks; n++)
        {
            double cx = random.Next(margin, width - margin), cy = random.Next(margin, height - margin), r = random.Next(3, 7);
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    if (((x - cx) * (x - cx)) + ((y - cy) * (y - cy)) <= r * r)
                    {
                        values[(y * width) + x] += 2;
                        labels[(y * width) + x] = 1;
                    }
                }
            }
        }

        return (values, labels);
    }

    /// <summary>
    /// Training samples as patches of larger images: shapes anywhere, cut by the patch border, one to three of each, as a
    /// window of a large image shows them (nnU-Net trains on patches for the same reason).
    /// </summary>
    private sealed class CroppedShapesSource(int seed, int batchSize = 4, int size = 32) : IBatchSource
    {
        private long _drawn;

        public TrainingBatch Next(CancellationToken cancellation)
        {
            var images = new float[batchSize * size * size];
            var labels = new long[batchSize * size * size];
            for (int n = 0; n < batchSize; n++)
            {
                var (values, classes) = Shapes(size, size, (int)((seed * 1_000_003L) + (_drawn * 101) + n), shapes: 3, margin: -6);
                for (int i = 0; i < values.Length; i++)
                {
                    images[(n * size * size) + i] = values[i];
                    labels[(n * size * size) + i] = classes[i];
                }
            }

            _drawn++;
            return new TrainingBatch(tensor(images, [batchSize, 1, size, size]).DetachFromDisposeScope(), tensor(labels, [batchSize, size, size]).DetachFromDisposeScope());
        }

        public byte[] SaveState() => BitConverter.GetBytes(_drawn);

        public void RestoreState(byte[] state) => _drawn = BitConverter.ToInt64(state);
    }

    private static Image WholeImage(UNet net, Image image)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = ImageTensors.ToTensor(image).unsqueeze(0);
        var labels = net.forward(input).argmax(1).squeeze(0).to(ScalarType.Float32);
        return ImageTensors.ToImage(labels, image, ElementType.UInt8);
    }

    private static double Dice(Image a, Image b, int label)
    {
        long both = 0, inA = 0, inB = 0;
        for (int y = 0; y < a.Size.Y; y++)
        {
            ReadOnlySpan<byte> ra = a.GetRow<byte>(y), rb = b.GetRow<byte>(y);
            for (int x = 0; x < ra.Length; x++)
            {
                bool pa = ra[x] == label, pb = rb[x] == label;
                both += pa && pb ? 1 : 0;
                inA += pa ? 1 : 0;
                inB += pb ? 1 : 0;
            }
        }

        return 2.0 * both / (inA + inB);
    }
}
