using MedVox.Learning.Networks;
using static MedVox.Learning.Tests.TensorFactory;
using static TorchSharp.torch;

namespace MedVox.Learning.Tests.Networks;

/// <summary>Compares a U-Net's parameter gradients before and after a training option changes how they are computed.</summary>
internal static class UNetGradients
{
    /// <summary>A small 3D U-Net (4-8-16 features, 3 classes) for 8^3 inputs.</summary>
    public static UNetConfig Small3D(bool residual) => new()
    {
        Dimensions = 3,
        Classes = 3,
        Features = [4, 8, 16],
        Kernels = [[3, 3, 3], [3, 3, 3], [3, 3, 3]],
        Strides = [[1, 1, 1], [2, 2, 2], [2, 2, 2]],
        EncoderBlocks = [1, 2, 2],
        ResidualEncoder = residual,
    };

    /// <summary>
    /// The gradients of one cross-entropy backward pass on a random batch of two 8^3 samples, then of the same pass after
    /// <paramref name="change"/>; the tensors belong to the caller's dispose scope.
    /// </summary>
    public static (List<(string Name, Tensor Gradient)> Before, List<Tensor> After) BeforeAndAfter(UNet net, Action<UNet> change)
    {
        var input = Randn(2, 1, 8, 8, 8);
        var target = randint(0, 3, [2, 8, 8, 8]);
        nn.functional.cross_entropy(net.forward(input), target).backward();
        var before = net.named_parameters().Select(p => (p.name, p.parameter.grad!.clone())).ToList();
        net.zero_grad();
        change(net);
        nn.functional.cross_entropy(net.forward(input), target).backward();
        return (before, [.. net.parameters().Select(p => p.grad!)]);
    }
}
