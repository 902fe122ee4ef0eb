using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MedVox.Learning.Networks;

/// <summary>
/// The channels-last memory layout (NHWC, NDHWC: the channels of a voxel side by side), which TorchSharp 0.107 has no
/// memory-format argument for: a tensor gets it by a permuted copy viewed back in the logical [N, C, ...] order. A
/// convolution whose weight is laid out so computes and returns channels-last maps, which oneDNN (and cuDNN's tensor-core
/// kernels) run without reordering each input first.
/// </summary>
public static class ChannelsLast
{
    /// <summary>Whether <paramref name="tensor"/> (rank 4 or 5, more than one channel) is laid out channels-last.</summary>
    public static bool Is(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.dim() is 4 or 5 && tensor.shape[1] > 1 && tensor.stride(1) == 1 && tensor.is_contiguous() == false;
    }

    /// <summary>A channels-last copy of a rank-4 or rank-5 tensor (same logical shape and values).</summary>
    public static Tensor Copy(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        long[] forward = tensor.dim() == 5 ? [0, 2, 3, 4, 1] : [0, 2, 3, 1];
        long[] back = tensor.dim() == 5 ? [0, 4, 1, 2, 3] : [0, 3, 1, 2];
        return tensor.permute(forward).contiguous().permute(back);
    }

    /// <summary>
    /// Lays out every convolution weight (rank 4 or 5) of <paramref name="network"/> channels-last, in place. For
    /// inference: the parameters get new storage, so a network being trained (whose parameters are views of the
    /// optimiser's buffer, see Training.FlatParameters) would no longer be the one the optimiser updates.
    /// </summary>
    public static void Apply(Module network)
    {
        ArgumentNullException.ThrowIfNull(network);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var parameter in network.parameters())
        {
            if (parameter.dim() is 4 or 5 && parameter.shape[1] > 1)
            {
                parameter.set_(Copy(parameter));
            }
        }

        Runtime.TensorAccounting.ReleaseUnreferencedStorage();
    }
}
