using System.Globalization;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MedVox.Learning.Networks;

/// <summary>
/// DenseNet (Huang et al. 2017) for 2D image classification, with torchvision's module names so that its state dicts
/// (ImageNet weights included, after averaging conv0 over colour channels) load directly. TorchSharp's TorchVision has
/// no DenseNet, hence this implementation. <see cref="DenseNet121"/> is the variant the hemorrhage study uses.
/// </summary>
public sealed class DenseNet : Module<Tensor, Tensor>
{
    private readonly Sequential features;
    private readonly Module<Tensor, Tensor> classifier;
    private readonly int inputChannels;
    private readonly bool maxPooling;

    // maxPooling: global max pooling of the final features instead of torchvision's average, so that a feature says
    // whether a pattern occurs anywhere: suits labels such as "any bleed in this slice" when lesions are a few pixels.
    public DenseNet(int inputChannels, int classes, int growthRate, IReadOnlyList<int> blockLayers, int initialFeatures, int bottleneckSize = 4, double dropout = 0, bool maxPooling = false)
        : base(nameof(DenseNet))
    {
        ArgumentNullException.ThrowIfNull(blockLayers);
        this.inputChannels = inputChannels;
        this.maxPooling = maxPooling;
        var layers = new List<(string, Module<Tensor, Tensor>)>
        {
            ("conv0", Conv2d(inputChannels, initialFeatures, 7, stride: 2, padding: 3, bias: false)),
            ("norm0", BatchNorm2d(initialFeatures)),
            ("relu0", ReLU(inplace: true)),
            ("pool0", MaxPool2d(3, stride: 2, padding: 1)),
        };
        long channels = initialFeatures;
        for (int b = 0; b < blockLayers.Count; b++)
        {
            string index = (b + 1).ToString(CultureInfo.InvariantCulture);
            layers.Add(("denseblock" + index, new DenseBlock(blockLayers[b], channels, bottleneckSize, growthRate, dropout)));
            channels += blockLayers[b] * growthRate;
            if (b != blockLayers.Count - 1)
            {
                layers.Add(("transition" + index, Transition(channels, channels / 2)));
                channels /= 2;
            }
        }

        layers.Add(("norm5", BatchNorm2d(channels)));
        features = Sequential(layers);
        classifier = Linear(channels, classes);
        RegisterComponents();

        // torchvision's initialisation: Kaiming normal for convolutions, unit/zero batch norm, zero linear bias. The
        // scope releases the handles that the in-place initialisers return.
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
                    case TorchSharp.Modules.BatchNorm2d norm:
                        norm.weight!.fill_(1);
                        norm.bias!.zero_();
                        break;
                    case TorchSharp.Modules.Linear linear:
                        linear.bias!.zero_();
                        break;
                }
            }
        }
    }

    /// <summary>DenseNet-121: growth 32, blocks of 6, 12, 24 and 16 layers, 64 initial features.</summary>
    public static DenseNet DenseNet121(int inputChannels = 1, int classes = 2, double dropout = 0) =>
        new(inputChannels, classes, 32, [6, 12, 24, 16], 64, 4, dropout);

    /// <summary>
    /// A small DenseNet for quick CPU runs and tests (a small fraction of DenseNet-121's compute): growth 12, blocks of 2, 4
    /// and 4 layers, 24 initial features, global max pooling; the same layers and module names as DenseNet-121.
    /// </summary>
    public static DenseNet DenseNetSmall(int inputChannels = 1, int classes = 2, double dropout = 0) =>
        new(inputChannels, classes, 12, [2, 4, 4], 24, 4, dropout, maxPooling: true);

    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 4 || input.shape[1] != inputChannels)
        {
            throw new ArgumentException($"DenseNet expects input [N, {inputChannels}, H, W], got [{string.Join(", ", input.shape)}].");
        }

        using var scope = NewDisposeScope();
        var x = functional.relu(features.forward(input));
        x = (maxPooling ? functional.adaptive_max_pool2d(x, [1, 1]) : functional.adaptive_avg_pool2d(x, [1, 1])).flatten(1);
        return classifier.forward(x).MoveToOuterDisposeScope();
    }

    private static Sequential Transition(long inChannels, long outChannels) => Sequential(
        ("norm", BatchNorm2d(inChannels)),
        ("relu", ReLU(inplace: true)),
        ("conv", Conv2d(inChannels, outChannels, 1, bias: false)),
        ("pool", AvgPool2d(2, stride: 2)));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            features.Dispose();
            classifier.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Each layer sees the concatenation of the block input and all earlier layers' outputs.</summary>
    private sealed class DenseBlock : Module<Tensor, Tensor>
    {
        private readonly List<DenseLayer> layers = [];

        public DenseBlock(int count, long inChannels, int bottleneckSize, int growthRate, double dropout)
            : base(nameof(DenseBlock))
        {
            for (int i = 0; i < count; i++)
            {
                var layer = new DenseLayer(inChannels + (i * growthRate), bottleneckSize, growthRate, dropout);
                layers.Add(layer);
                register_module("denselayer" + (i + 1).ToString(CultureInfo.InvariantCulture), layer);
            }
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var all = new List<Tensor>(layers.Count + 1) { input };
            foreach (var layer in layers)
            {
                all.Add(layer.forward(cat(all, dim: 1)));
            }

            return cat(all, dim: 1).MoveToOuterDisposeScope();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                foreach (var layer in layers)
                {
                    layer.Dispose();
                }
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>Bottleneck layer: BN-ReLU-1x1 conv to bottleneck * growth channels, BN-ReLU-3x3 conv to growth channels.</summary>
    private sealed class DenseLayer : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> norm1;
        private readonly Module<Tensor, Tensor> relu1;
        private readonly Module<Tensor, Tensor> conv1;
        private readonly Module<Tensor, Tensor> norm2;
        private readonly Module<Tensor, Tensor> relu2;
        private readonly Module<Tensor, Tensor> conv2;
        private readonly double dropout;

        public DenseLayer(long inChannels, int bottleneckSize, int growthRate, double dropout)
            : base(nameof(DenseLayer))
        {
            norm1 = BatchNorm2d(inChannels);
            relu1 = ReLU(inplace: true);
            conv1 = Conv2d(inChannels, bottleneckSize * growthRate, 1, bias: false);
            norm2 = BatchNorm2d(bottleneckSize * growthRate);
            relu2 = ReLU(inplace: true);
            conv2 = Conv2d(bottleneckSize * growthRate, growthRate, 3, padding: 1, bias: false);
            this.dropout = dropout;
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var x = conv1.forward(relu1.forward(norm1.forward(input)));
            x = conv2.forward(relu2.forward(norm2.forward(x)));
            if (dropout > 0)
            {
                x = functional.dropout(x, dropout, training);
            }

            return x.MoveToOuterDisposeScope();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                norm1.Dispose();
                relu1.Dispose();
                conv1.Dispose();
                norm2.Dispose();
                relu2.Dispose();
                conv2.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
