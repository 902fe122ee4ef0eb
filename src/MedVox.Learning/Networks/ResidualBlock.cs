using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MedVox.Learning.Networks;

/// <summary>
/// Residual block of nnU-Net's ResEnc encoders (BasicBlockD): two conv-norm layers, the second without activation, plus
/// a shortcut (average pooling and a 1x1 conv-norm when stride or width change), then LeakyReLU.
/// </summary>
public sealed class ResidualBlock : Module<Tensor, Tensor>
{
    private readonly ConvNormAct conv1;
    private readonly ConvNormAct conv2;
    private readonly Module<Tensor, Tensor> skip;
    private readonly Module<Tensor, Tensor> nonlin;

    public ResidualBlock(int dims, long inChannels, long outChannels, IReadOnlyList<int> kernel, IReadOnlyList<int> stride)
        : base(nameof(ResidualBlock))
    {
        conv1 = new ConvNormAct(dims, inChannels, outChannels, kernel, stride);
        conv2 = new ConvNormAct(dims, outChannels, outChannels, kernel, Ones(dims), activation: false);
        bool strided = stride.Any(s => s != 1);
        if (!strided && inChannels == outChannels)
        {
            skip = Identity();
        }
        else
        {
            var ops = new List<(string, Module<Tensor, Tensor>)>();
            if (strided)
            {
                ops.Add(("pool", Layers.AveragePool(dims, stride)));
            }

            if (inChannels != outChannels)
            {
                ops.Add(("proj", new ConvNormAct(dims, inChannels, outChannels, Ones(dims), Ones(dims), activation: false)));
            }

            skip = Sequential(ops);
        }

        nonlin = new LeakyRelu(0.01, inplace: true);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        // The shortcut after the main path, and the hidden map's wrapper freed once read: without autograd the block
        // then holds three maps of its width at once instead of four (autograd keeps its own references).
        var hidden = conv1.forward(input);
        var output = conv2.forward(hidden);
        hidden.Dispose();
        return nonlin.forward(output.add_(skip.forward(input))).MoveToOuterDisposeScope();
    }

    internal static int[] Ones(int dims) => Enumerable.Repeat(1, dims).ToArray();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv1.Dispose();
            conv2.Dispose();
            skip.Dispose();
            nonlin.Dispose();
        }

        base.Dispose(disposing);
    }
}
