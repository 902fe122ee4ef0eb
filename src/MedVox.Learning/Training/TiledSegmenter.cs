using MedVox.Learning.Networks;
using MedVox.Learning.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace MedVox.Learning.Training;

/// <summary>
/// Segments a whole preprocessed volume with a patch-trained network for validation: patch-sized tiles cover the
/// volume edge to edge (the last tile of an axis is moved inward to end at the edge; a volume smaller than the patch is
/// padded with zeros), and each tile's argmax is written back. A plain tiled forward pass, without the overlap
/// weighting of a sliding-window predictor: enough to follow training, and exactly what the network sees in training.
/// </summary>
public static class TiledSegmenter
{
    /// <summary>
    /// Labels [Z, Y, X] (int64, on the CPU) of a volume [C, Z, Y, X] (float32). A 2D network segments each z-slice.
    /// The network is left in training mode if it was.
    /// </summary>
    public static Tensor Segment(UNet network, Tensor volume, int[] patch, Device device)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(patch);
        ArgumentNullException.ThrowIfNull(device);
        if (volume.dim() != 4 || patch.Length != network.Config.Dimensions)
        {
            throw new ArgumentException($"A volume [C, Z, Y, X] and a {network.Config.Dimensions}D patch are needed; got [{string.Join(", ", volume.shape)}] and {patch.Length} axes.");
        }

        bool training = network.training;
        network.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var dtype = network.parameters().First().dtype;
            long[] size = volume.shape[1..];
            var labels = zeros(size, ScalarType.Int64);
            if (patch.Length == 3)
            {
                SegmentTiles(network, volume, labels, patch, device, dtype);
            }
            else
            {
                for (long z = 0; z < size[0]; z++)
                {
                    SegmentTiles(network, volume.select(1, z), labels.select(0, z), patch, device, dtype);
                }
            }

            return labels.MoveToOuterDisposeScope();
        }
        finally
        {
            network.train(training);
        }
    }

    /// <summary>Tiles [C, ...spatial] into <paramref name="labels"/> [...spatial].</summary>
    private static void SegmentTiles(UNet network, Tensor volume, Tensor labels, int[] patch, Device device, ScalarType dtype)
    {
        int dims = patch.Length;
        long[] size = volume.shape[1..];
        var starts = new List<long>[dims];
        for (int a = 0; a < dims; a++)
        {
            starts[a] = [];
            long extent = Math.Max(size[a], patch[a]);
            for (long s = 0; ; s += patch[a])
            {
                long start = Math.Min(s, extent - patch[a]);
                starts[a].Add(start);
                if (start + patch[a] >= extent)
                {
                    break;
                }
            }
        }

        var index = new int[dims];
        while (true)
        {
            using (var scope = NewDisposeScope())
            {
                // The tile's part inside the volume, padded with zeros to the full patch.
                var tile = zeros([1, volume.shape[0], .. patch.Select(p => (long)p)], ScalarType.Float32);
                var source = volume;
                var target = tile[0];
                var output = labels;
                var lengths = new long[dims];
                var begins = new long[dims];
                for (int a = 0; a < dims; a++)
                {
                    begins[a] = starts[a][index[a]];
                    lengths[a] = Math.Min(patch[a], size[a] - begins[a]);
                    source = source.narrow(a + 1, begins[a], lengths[a]);
                    target = target.narrow(a + 1, 0, lengths[a]);
                    output = output.narrow(a, begins[a], lengths[a]);
                }

                target.copy_(source);
                var logits = network.forward(tile.to(device).to(dtype));
                var predicted = Reductions.ArgMax(logits, 1)[0].to(CPU);
                for (int a = 0; a < dims; a++)
                {
                    predicted = predicted.narrow(a, 0, lengths[a]);
                }

                output.copy_(predicted);
            }

            int axis = dims - 1;
            while (axis >= 0 && ++index[axis] == starts[axis].Count)
            {
                index[axis] = 0;
                axis--;
            }

            if (axis < 0)
            {
                return;
            }
        }
    }

    /// <summary>Dice of <paramref name="value"/> between two label maps; NaN when the value is in neither.</summary>
    public static double Dice(Tensor predicted, Tensor reference, long value)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(reference);
        using var scope = NewDisposeScope();
        using var label = value.ToScalar();
        var p = predicted.eq(label);
        var r = reference.eq(label);
        long both = p.logical_and(r).sum().item<long>();
        long total = p.sum().item<long>() + r.sum().item<long>();
        return total == 0 ? double.NaN : 2.0 * both / total;
    }
}
