using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MedVox.Learning.Networks;

/// <summary>Convolution, instance normalisation and LeakyReLU(0.01): the building block of nnU-Net's stages.</summary>
public sealed class ConvNormAct : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> conv;
    private readonly Module<Tensor, Tensor> norm;
    private readonly Module<Tensor, Tensor> nonlin;
    private readonly int _dims;
    private readonly long[] _stride;
    private readonly long[] _padding;

    public ConvNormAct(int dims, long inChannels, long outChannels, IReadOnlyList<int> kernel, IReadOnlyList<int> stride, bool activation = true)
        : base(nameof(ConvNormAct))
    {
        conv = Layers.Convolution(dims, inChannels, outChannels, kernel, stride);
        _dims = dims;
        _stride = [.. stride.Select(v => (long)v)];
        _padding = [.. kernel.Select(k => (long)(k / 2))];
        norm = Layers.InstanceNorm(dims, outChannels);
        nonlin = activation ? new LeakyRelu(0.01, inplace: true) : Identity();
        RegisterComponents();
    }

    /// <summary>
    /// While gradients are recorded, run the norm and the LeakyReLU as one autograd node that keeps only the block's
    /// output (<see cref="NormActivationFunction"/>): one map per block for the backward pass instead of two, for some
    /// extra elementwise work in the backward pass. The output is the same; gradients differ by rounding.
    /// </summary>
    public bool CompactBackward { get; set; }

    public override Tensor forward(Tensor input)
    {
        // A scope per block frees the convolution's output wrapper right away, so inference keeps only what later
        // layers need (autograd holds its own references to what backward needs).
        using var scope = NewDisposeScope();
        return NormActivation(conv.forward(input)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The block applied to the channel concatenation of <paramref name="first"/> and <paramref name="second"/> without
    /// building it: the convolution's weight is split along its input channels and the two halves' outputs summed (a
    /// decoder's first block recomputed under activation checkpointing, where the concatenation and its gradient
    /// would be the largest maps, and in inference). With <paramref name="consume"/> (inference only, where no
    /// autograd node keeps the inputs) each input is disposed once its half of the convolution has run, so its memory
    /// is free before the next half and the norm allocate theirs; the caller must own both inputs and not use them
    /// again.
    /// </summary>
    public Tensor ForwardConcatenated(Tensor first, Tensor second, bool consume = false)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        using var scope = NewDisposeScope();
        var convolution = (TorchSharp.Modules.Convolution)conv;
        var weight = convolution.weight!;
        long split = first.shape[1];
        if (split + second.shape[1] != weight.shape[1])
        {
            throw new ArgumentException($"The block takes {weight.shape[1]} channels, got {split} + {second.shape[1]}.");
        }

        var y = Convolve(first, weight.narrow(1, 0, split), convolution.bias);
        if (consume)
        {
            first.Dispose();
        }

        y.add_(Convolve(second, weight.narrow(1, split, weight.shape[1] - split), null));
        if (consume)
        {
            second.Dispose();
        }

        return NormActivation(y).MoveToOuterDisposeScope();
    }

    private Tensor NormActivation(Tensor y)
    {
        if (CompactBackward && is_grad_enabled() && nonlin is LeakyRelu activation)
        {
            var instanceNorm = (TorchSharp.Modules.InstanceNorm)norm;
            return NormActivationFunction.Compute(y, instanceNorm.weight!, instanceNorm.bias!, instanceNorm.eps, activation.Slope);
        }

        if (ChannelsLast.Is(y))
        {
            return nonlin.forward(ChannelsLastInstanceNorm(y));
        }

        return nonlin.forward(norm.forward(y));
    }

    /// <summary>
    /// Instance norm of a channels-last map as a batch norm of each sample with its own statistics: LibTorch's
    /// <c>instance_norm</c> would first copy the map into channels-first order (and return it so, which the next
    /// convolution converts back), its batch norm keeps the layout.
    /// </summary>
    private Tensor ChannelsLastInstanceNorm(Tensor y)
    {
        var instanceNorm = (TorchSharp.Modules.InstanceNorm)norm;
        long samples = y.shape[0];
        var outputs = new Tensor[samples];
        for (long n = 0; n < samples; n++)
        {
            outputs[n] = functional.batch_norm(y.narrow(0, n, 1), null, null, instanceNorm.weight, instanceNorm.bias, training: true, eps: instanceNorm.eps);
        }

        return samples == 1 ? outputs[0] : cat(outputs, 0);
    }

    private Tensor Convolve(Tensor input, Tensor weight, Tensor? bias) => _dims == 3
        ? functional.conv3d(input, weight, bias, _stride, _padding)
        : functional.conv2d(input, weight, bias, _stride, _padding);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv.Dispose();
            norm.Dispose();
            nonlin.Dispose();
        }

        base.Dispose(disposing);
    }
}
