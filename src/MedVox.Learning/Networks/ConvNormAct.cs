using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MedVox.Learning.Networks;

/// <summary>Convolution, instance normalisation and LeakyReLU(0.01): the building block of nnU-Net's stages.</summary>
public sealed class ConvNormAct : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> conv;
    private readonly Module<Tensor, Tensor> norm;
    private readonly Module<Tensor, Tensor> nonlin;

    public ConvNormAct(int dims, long inChannels, long outChannels, IReadOnlyList<int> kernel, IReadOnlyList<int> stride, bool activation = true)
        : base(nameof(ConvNormAct))
    {
        conv = Layers.Convolution(dims, inChannels, outChannels, kernel, stride);
        norm = Layers.InstanceNorm(dims, outChannels);
        nonlin = activation ? new LeakyRelu(0.01, inplace: true) : Identity();
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        // A scope per block frees the convolution's output wrapper right away, so inference keeps only what later
        // layers need (autograd holds its own references to what backward needs).
        using var scope = NewDisposeScope();
        return nonlin.forward(norm.forward(conv.forward(input))).MoveToOuterDisposeScope();
    }

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
