using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MedVox.Learning.Networks;

/// <summary>Image classification backbones for slice and image classification.</summary>
public enum ClassifierArchitecture
{
    Vgg16,
    GoogLeNet,
    ResNet50,
    DenseNet121,

    /// <summary>A small DenseNet (<see cref="DenseNet.DenseNetSmall"/>) for quick CPU training and tests.</summary>
    DenseNetSmall,

    /// <summary>A small plain CNN (<see cref="SmallCnn"/>) with a full-resolution first stage, for small lesions on a CPU.</summary>
    SmallCnn,
}

/// <summary>
/// Builds classification networks with any number of input channels and an N-class head. VGG-16, GoogLeNet and
/// ResNet-50 come from TorchSharp's TorchVision under a <c>backbone.</c> prefix; grey-level input is repeated to the
/// three channels they expect, which is exactly a one-channel first convolution whose weight is the sum of the three
/// (so ImageNet weights still load). DenseNet-121 is ours and takes the channel count directly.
/// </summary>
public static class Classifier
{
    public static Module<Tensor, Tensor> Create(ClassifierArchitecture architecture, int inputChannels, int classes)
    {
        if (inputChannels < 1 || classes < 2)
        {
            throw new ArgumentException($"A classifier needs at least one input channel and two classes, got {inputChannels} and {classes}.");
        }

        return architecture switch
        {
            ClassifierArchitecture.DenseNet121 => DenseNet.DenseNet121(inputChannels, classes),
            ClassifierArchitecture.DenseNetSmall => DenseNet.DenseNetSmall(inputChannels, classes),
            ClassifierArchitecture.SmallCnn => new SmallCnn(inputChannels, classes),
            ClassifierArchitecture.ResNet50 => new ThreeChannelAdapter(torchvision.models.resnet50(num_classes: classes), inputChannels),
            ClassifierArchitecture.Vgg16 => new ThreeChannelAdapter(torchvision.models.vgg16_bn(num_classes: classes), inputChannels),
            ClassifierArchitecture.GoogLeNet => new ThreeChannelAdapter(torchvision.models.googlenet(num_classes: classes, transform_input: false), inputChannels),
            _ => throw new ArgumentOutOfRangeException(nameof(architecture)),
        };
    }

    public static ClassifierArchitecture Parse(string name) => name.Replace("-", string.Empty, StringComparison.Ordinal).ToLowerInvariant() switch
    {
        "vgg16" or "vgg" => ClassifierArchitecture.Vgg16,
        "googlenet" or "inception" => ClassifierArchitecture.GoogLeNet,
        "resnet50" or "resnet" => ClassifierArchitecture.ResNet50,
        "densenet121" or "densenet" => ClassifierArchitecture.DenseNet121,
        "densenetsmall" => ClassifierArchitecture.DenseNetSmall,
        "smallcnn" => ClassifierArchitecture.SmallCnn,
        _ => throw new MedVoxException($"unknown network '{name}'", field: "--network", hint: "use resnet50, vgg16, googlenet, densenet121, densenet-small or small-cnn"),
    };

    /// <summary>The name the command line uses for <paramref name="architecture"/> (which <see cref="Parse"/> reads back).</summary>
    public static string Name(ClassifierArchitecture architecture) => architecture switch
    {
        ClassifierArchitecture.Vgg16 => "vgg16",
        ClassifierArchitecture.GoogLeNet => "googlenet",
        ClassifierArchitecture.ResNet50 => "resnet50",
        ClassifierArchitecture.DenseNet121 => "densenet121",
        ClassifierArchitecture.DenseNetSmall => "densenet-small",
        ClassifierArchitecture.SmallCnn => "small-cnn",
        _ => throw new ArgumentOutOfRangeException(nameof(architecture)),
    };

    /// <summary>Feeds 1-channel input to a 3-channel network by repetition; 3-channel input passes through.</summary>
    private sealed class ThreeChannelAdapter : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> backbone;
        private readonly int inputChannels;

        public ThreeChannelAdapter(Module<Tensor, Tensor> backbone, int inputChannels)
            : base(nameof(ThreeChannelAdapter))
        {
            if (inputChannels is not (1 or 3))
            {
                throw new ArgumentException($"TorchVision backbones take 1 or 3 channels, not {inputChannels}; use densenet121 for other counts.");
            }

            this.backbone = backbone;
            this.inputChannels = inputChannels;
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            if (input.dim() != 4 || input.shape[1] != inputChannels)
            {
                throw new ArgumentException($"The classifier expects input [N, {inputChannels}, H, W], got [{string.Join(", ", input.shape)}].");
            }

            using var scope = NewDisposeScope();
            var x = inputChannels == 1 ? input.expand(-1, 3, -1, -1) : input;
            return backbone.forward(x).MoveToOuterDisposeScope();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                backbone.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
