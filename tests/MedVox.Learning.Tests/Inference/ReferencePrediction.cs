using MedVox.Imaging;
using MedVox.Learning.Data;
using MedVox.Learning.Networks;
using MedVox.Learning.Planning;
using static TorchSharp.torch;

namespace MedVox.Learning.Tests.Inference;

/// <summary>
/// The textbook sliding window, written independently of the streaming predictor: the whole case preprocessed in
/// memory by <see cref="Preprocessor"/>, padded to the patch, nnU-Net's step rule and Gaussian, full float32 volumes of
/// summed weighted logits and summed weights, division, then the logits resampled back to the input grid with
/// <see cref="Preprocessor.RestoreToOriginal"/> (ITK-style resampling through physical space). Fine for small volumes;
/// the point of the predictor is to avoid exactly these full buffers.
/// </summary>
internal static class ReferencePrediction
{
    /// <summary>Logits (classes as components) on the input's grid; 0 outside the crop box.</summary>
    public static Image Logits(SegmentationPlan plan, UNet net, Image image, double overlap, bool gaussian = true, bool mirroring = false)
    {
        using var pre = new Preprocessor(plan.Preprocessing).Transform("case", [image]);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var volume = ImageTensors.ToTensor(pre.Channels[0]);
        volume = volume.dim() == 3 ? volume.unsqueeze(1) : volume;
        bool planar = plan.Network.Dimensions == 2;
        int[] patch = planar ? [1, plan.PatchSize[0], plan.PatchSize[1]] : plan.PatchSize;
        int[] size = [(int)volume.shape[1], (int)volume.shape[2], (int)volume.shape[3]];
        int[] padded = new int[3], before = new int[3];
        for (int a = 0; a < 3; a++)
        {
            padded[a] = Math.Max(size[a], patch[a]);
            before[a] = (padded[a] - size[a]) / 2;
        }

        var data = zeros(1, padded[0], padded[1], padded[2]);
        data[.., before[0]..(before[0] + size[0]), before[1]..(before[1] + size[1]), before[2]..(before[2] + size[2])] = volume;
        var g = ones(patch[0], patch[1], patch[2]);
        if (gaussian)
        {
            g = Axis(patch[0]).view(-1, 1, 1) * Axis(patch[1]).view(1, -1, 1) * Axis(patch[2]).view(1, 1, -1);
        }

        int classes = plan.Network.Classes;
        var sum = zeros(classes, padded[0], padded[1], padded[2]);
        var weights = zeros(padded[0], padded[1], padded[2]);
        foreach (int z in Steps(padded[0], patch[0], overlap))
        {
            foreach (int y in Steps(padded[1], patch[1], overlap))
            {
                foreach (int x in Steps(padded[2], patch[2], overlap))
                {
                    var window = data[.., z..(z + patch[0]), y..(y + patch[1]), x..(x + patch[2])].unsqueeze(0);
                    var logits = Run(net, window, planar, mirroring);
                    sum[.., z..(z + patch[0]), y..(y + patch[1]), x..(x + patch[2])] += logits * g;
                    weights[z..(z + patch[0]), y..(y + patch[1]), x..(x + patch[2])] += g;
                }
            }
        }

        var mean = (sum / weights)[.., before[0]..(before[0] + size[0]), before[1]..(before[1] + size[1]), before[2]..(before[2] + size[2])];
        using var onGrid = ImageTensors.ToImage(mean.contiguous(), pre.Channels[0]);
        var options = new ResampleOptions
        {
            Interpolation = Interpolation.Linear,
            SeparateAxis = pre.Info.SeparateAxis,
            SeparateAxisInterpolation = plan.Preprocessing.SeparateAxisInterpolation,
            OutputType = ElementType.Float32,
        };
        return Preprocessor.RestoreToOriginal(onGrid, pre.Info, options);
    }

    /// <summary>Argmax of a logits image (first class on ties).</summary>
    public static Image Argmax(Image logits)
    {
        var size = logits.Size;
        var labels = Image.Create(logits.Geometry, ElementType.UInt8);
        int classes = logits.Channels;
        for (int z = 0; z < size.Z; z++)
        {
            for (int y = 0; y < size.Y; y++)
            {
                ReadOnlySpan<float> row = logits.GetRow<float>(y, z);
                var output = labels.GetRow<byte>(y, z);
                for (int x = 0; x < size.X; x++)
                {
                    int best = 0;
                    for (int c = 1; c < classes; c++)
                    {
                        best = row[(x * classes) + c] > row[(x * classes) + best] ? c : best;
                    }

                    output[x] = (byte)best;
                }
            }
        }

        return labels;
    }

    private static Tensor Run(UNet net, Tensor window, bool planar, bool mirroring)
    {
        var x = planar ? window.squeeze(2) : window;
        int dims = planar ? 2 : 3;
        var result = net.forward(x);
        if (mirroring)
        {
            for (int mask = 1; mask < (1 << dims); mask++)
            {
                var axes = Enumerable.Range(0, dims).Where(a => (mask & (1 << a)) != 0).Select(a => (long)(2 + a)).ToArray();
                result += net.forward(x.flip(axes)).flip(axes);
            }

            result /= 1 << dims;
        }

        return (planar ? result.unsqueeze(2) : result)[0];
    }

    /// <summary>nnU-Net's compute_steps_for_sliding_window with tile_step_size = 1 - overlap.</summary>
    private static List<int> Steps(int size, int patch, double overlap)
    {
        double target = patch * (1 - overlap);
        int count = (int)Math.Ceiling((size - patch) / target) + 1;
        double actual = count > 1 ? (double)(size - patch) / (count - 1) : 0;
        return [.. Enumerable.Range(0, count).Select(i => (int)Math.Round(actual * i))];
    }

    /// <summary>exp(-(i - p/2)^2 / (2 (p/8)^2)) scaled to a maximum of 1, at least 1e-3 (the predictor's definition).</summary>
    private static Tensor Axis(int patch)
    {
        if (patch == 1)
        {
            return ones(1);
        }

        double sigma = patch / 8.0;
        var values = Enumerable.Range(0, patch).Select(i => Math.Exp(-Math.Pow(i - (patch / 2), 2) / (2 * sigma * sigma))).ToArray();
        double max = values.Max();
        return tensor(values.Select(v => (float)Math.Max(v / max, 1e-3)).ToArray());
    }
}
