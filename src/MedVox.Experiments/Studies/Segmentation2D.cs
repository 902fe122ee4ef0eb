using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Learning.Networks;
using MedVox.Learning.Runtime;
using MedVox.Learning.Training;
using static TorchSharp.torch;

namespace MedVox.Experiments.Studies;

/// <summary>One 2D image for a segmentation study: channels z-scored per image ([C, H, W], x fastest) and its labels.</summary>
internal sealed class Sample2D
{
    public Sample2D(IReadOnlyList<Image> channels, Image labels)
    {
        Geometry = labels.Geometry;
        Width = Geometry.Size.X;
        Height = Geometry.Size.Y;
        Channels = channels.Count;
        int pixels = Width * Height;
        Pixels = new float[Channels * pixels];
        for (int c = 0; c < Channels; c++)
        {
            using var values = channels[c].ConvertTo(ElementType.Float32);
            var source = values.AsSpan<float>();
            double sum = 0, squares = 0;
            foreach (float v in source)
            {
                sum += v;
                squares += (double)v * v;
            }

            double mean = sum / pixels, sd = Math.Sqrt(Math.Max((squares / pixels) - (mean * mean), 1e-12));
            var target = Pixels.AsSpan(c * pixels, pixels);
            for (int i = 0; i < pixels; i++)
            {
                target[i] = (float)((source[i] - mean) / sd);
            }
        }

        Labels = labels.AsSpan<byte>().ToArray();
    }

    public ImageGeometry Geometry { get; }

    public int Width { get; }

    public int Height { get; }

    public int Channels { get; }

    public float[] Pixels { get; }

    public byte[] Labels { get; }

    /// <summary>A uint8 label image of this sample's geometry holding <paramref name="labels"/>.</summary>
    public Image ToLabelImage(byte[] labels)
    {
        var image = Image.Create(Geometry, ElementType.UInt8);
        labels.CopyTo(image.AsSpan<byte>());
        return image;
    }
}

/// <summary>How a study trains its 2D U-Net.</summary>
internal sealed record UNet2DSettings(int[] Features, int Patch, int BatchSize, int Iterations, double LearningRate, int Seed);

/// <summary>
/// The 2D U-Net of the X-ray and fundus studies: trained with soft Dice + cross-entropy (nnU-Net's loss) on random
/// patches of the training images, a third of them centred on a foreground pixel of a random class so that small
/// structures are seen, and applied to whole images.
/// </summary>
internal static class Segmentation2D
{
    public static UNet Train(IReadOnlyList<Sample2D> training, int classes, UNet2DSettings settings, IProgress<string>? progress, CancellationToken cancellation)
    {
        TorchRuntime.EnsureLoaded();
        int stages = settings.Features.Length;
        var config = new UNetConfig
        {
            Dimensions = 2,
            InputChannels = training[0].Channels,
            Classes = classes,
            Features = settings.Features,
            Kernels = [.. Enumerable.Repeat(new[] { 3, 3 }, stages)],
            Strides = [[1, 1], .. Enumerable.Repeat(new[] { 2, 2 }, stages - 1)],
            EncoderBlocks = [.. Enumerable.Repeat(2, stages)],
        };
        var network = TorchRuntime.CreateSeeded(settings.Seed, () => new UNet(config));
        var options = new TrainingOptions { Iterations = settings.Iterations, LearningRate = settings.LearningRate, Momentum = 0.9, Seed = settings.Seed };
        using var objective = new SegmentationObjective();
        using var trainer = new Trainer(network, objective.Compute, options, CPU);
        var source = new CropBatchSource(training, classes, settings.Patch, settings.BatchSize, settings.Seed);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (trainer.Iteration < settings.Iterations)
        {
            cancellation.ThrowIfCancellationRequested();
            double loss = trainer.Step(source, cancellation);
            if (trainer.Iteration % 50 == 0 || trainer.Iteration == settings.Iterations)
            {
                progress?.Report(FormattableString.Invariant($"iteration {trainer.Iteration}/{settings.Iterations}, loss {loss:F3}, {clock.Elapsed.TotalSeconds:F0} s"));
            }
        }

        return network;
    }

    /// <summary>The argmax labels of a whole image (its sides must be multiples of the network's total stride).</summary>
    public static byte[] Predict(UNet network, Sample2D sample)
    {
        network.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = tensor(sample.Pixels, [1, sample.Channels, sample.Height, sample.Width]);
        var labels = Reductions.ArgMax(network.forward(input), 1).to(ScalarType.Byte).contiguous();
        return labels.data<byte>().ToArray();
    }

    /// <summary>Random patches of the training images; batch k depends only on the seed and k.</summary>
    private sealed class CropBatchSource(IReadOnlyList<Sample2D> samples, int classes, int patch, int batchSize, int seed) : IBatchSource
    {
        private long _drawn;

        public TrainingBatch Next(CancellationToken cancellation)
        {
            var random = BatchRandom.For(seed, _drawn++);
            int channels = samples[0].Channels, area = patch * patch;
            var images = new float[batchSize * channels * area];
            var labels = new long[batchSize * area];
            for (int n = 0; n < batchSize; n++)
            {
                var sample = samples[random.Next(samples.Count)];
                int maxX = Math.Max(0, sample.Width - patch), maxY = Math.Max(0, sample.Height - patch);
                int x0 = random.Next(maxX + 1), y0 = random.Next(maxY + 1);
                if (n % 3 == 2 && PickForeground(sample, 1 + random.Next(classes - 1), random) is int p)
                {
                    x0 = Math.Clamp((p % sample.Width) - (patch / 2) + random.Next(-patch / 4, (patch / 4) + 1), 0, maxX);
                    y0 = Math.Clamp((p / sample.Width) - (patch / 2) + random.Next(-patch / 4, (patch / 4) + 1), 0, maxY);
                }

                int pixels = sample.Width * sample.Height;
                for (int y = 0; y < Math.Min(patch, sample.Height); y++)
                {
                    int row = ((y0 + y) * sample.Width) + x0;
                    int width = Math.Min(patch, sample.Width);
                    for (int c = 0; c < channels; c++)
                    {
                        sample.Pixels.AsSpan((c * pixels) + row, width).CopyTo(images.AsSpan((((n * channels) + c) * area) + (y * patch), width));
                    }

                    for (int x = 0; x < width; x++)
                    {
                        labels[(n * area) + (y * patch) + x] = sample.Labels[row + x];
                    }
                }
            }

            return new TrainingBatch(
                tensor(images, [batchSize, channels, patch, patch]).DetachFromDisposeScope(),
                tensor(labels, [batchSize, patch, patch]).DetachFromDisposeScope());
        }

        public byte[] SaveState() => BitConverter.GetBytes(_drawn);

        public void RestoreState(byte[] state) => _drawn = BitConverter.ToInt64(state);

        /// <summary>The first pixel of class <paramref name="label"/> from a random position on (wrapping; null when the image has none).</summary>
        private static int? PickForeground(Sample2D sample, int label, Random random)
        {
            var labels = sample.Labels;
            int start = random.Next(labels.Length);
            for (int i = 0; i < labels.Length; i++)
            {
                int p = (start + i) % labels.Length;
                if (labels[p] == label)
                {
                    return p;
                }
            }

            return null;
        }
    }
}
