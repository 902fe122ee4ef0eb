using System.Globalization;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MedVox.Learning.Networks;

/// <summary>
/// A small plain CNN for finding small bright or dark findings in slices on a CPU: stages of two 3x3 conv-batch
/// norm-ReLU layers, the first stage at full resolution (so a lesion of a few pixels is not averaged away by an early
/// strided convolution, as in DenseNet's 7x7/2 stem), 2x2 max pooling between stages, global max pooling and a linear
/// head. Max pooling throughout lets one small spot decide "present anywhere in this slice". About 30 k parameters
/// with the default widths 8, 16, 32, 32: too few to memorise thousands of training slices. With
/// <c>dimensions: 3</c> the same design classifies volume patches ([N, C, D, H, W]; 3x3x3 convolutions, 2x2x2 pooling).
/// </summary>
public sealed class SmallCnn : Module<Tensor, Tensor>
{
    private readonly Sequential features;
    private readonly Module<Tensor, Tensor> classifier;
    private readonly int inputChannels;
    private readonly int dimensions;

    public SmallCnn(int inputChannels, int classes, IReadOnlyList<int>? widths = null, int dimensions = 2)
        : base(nameof(SmallCnn))
    {
        widths ??= [8, 16, 32, 32];
        if (widths.Count == 0 || widths.Any(w => w < 1))
        {
            throw new ArgumentException("SmallCnn needs at least one stage of positive width.", nameof(widths));
        }

        if (dimensions is not (2 or 3))
        {
            throw new ArgumentException($"SmallCnn is 2D or 3D, got {dimensions} dimensions.", nameof(dimensions));
        }

        this.inputChannels = inputChannels;
        this.dimensions = dimensions;
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        long channels = inputChannels;
        for (int s = 0; s < widths.Count; s++)
        {
            string stage = s.ToString(CultureInfo.InvariantCulture);
            if (s > 0)
            {
                layers.Add(("pool" + stage, dimensions == 2 ? MaxPool2d(2, stride: 2) : (Module<Tensor, Tensor>)MaxPool3d(2, stride: 2)));
            }

            for (int c = 0; c < 2; c++)
            {
                string name = stage + "_" + c.ToString(CultureInfo.InvariantCulture);
                layers.Add(("conv" + name, dimensions == 2 ? Conv2d(channels, widths[s], 3, padding: 1, bias: false) : (Module<Tensor, Tensor>)Conv3d(channels, widths[s], 3, padding: 1, bias: false)));
                layers.Add(("norm" + name, dimensions == 2 ? BatchNorm2d(widths[s]) : (Module<Tensor, Tensor>)BatchNorm3d(widths[s])));
                layers.Add(("relu" + name, ReLU(inplace: true)));
                channels = widths[s];
            }
        }

        features = Sequential(layers);
        classifier = Linear(channels, classes);
        RegisterComponents();

        using (NewDisposeScope())
        using (no_grad())
        {
            foreach (var (_, module) in named_modules())
            {
                switch (module)
                {
                    case TorchSharp.Modules.Conv2d conv:
                        init.kaiming_normal_(conv.weight);
                        break;
                    case TorchSharp.Modules.Conv3d conv:
                        init.kaiming_normal_(conv.weight);
                        break;
                    case TorchSharp.Modules.Linear linear:
                        linear.bias!.zero_();
                        break;
                }
            }
        }
    }

    public override Tensor forward(Tensor input)
    {
        if (input.dim() != dimensions + 2 || input.shape[1] != inputChannels)
        {
            string axes = dimensions == 2 ? "H, W" : "D, H, W";
            throw new ArgumentException($"SmallCnn expects input [N, {inputChannels}, {axes}], got [{string.Join(", ", input.shape)}].");
        }

        using var scope = NewDisposeScope();
        // TorchSharp 0.107's adaptive_max_pool3d calls the 1D kernel: the global maximum over D, H, W is taken directly.
        var maps = features.forward(input);
        var x = (dimensions == 2 ? functional.adaptive_max_pool2d(maps, [1, 1]) : maps.flatten(2).amax([2], keepdim: true)).flatten(1);
        return classifier.forward(x).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            features.Dispose();
            classifier.Dispose();
        }

        base.Dispose(disposing);
    }
}
