using MedVox.Learning.Networks;
using MedVox.Learning.Runtime;
using TorchSharp;
using static MedVox.Learning.Tests.TensorFactory;
using static TorchSharp.torch;

namespace MedVox.Learning.Tests.Networks;

public class NormActivationTests
{
    [Theory]
    [InlineData(2, 1.0)]
    [InlineData(3, 1.0)]
    [InlineData(3, -0.7)]
    [InlineData(2, 0.02)]
    public void CompactBackwardGivesTheGradientsOfTheComposedLayers(int dims, double scale)
    {
        using var scope = NewDisposeScope();
        manual_seed(51);
        int[] three = [.. Enumerable.Repeat(3, dims)];
        int[] one = [.. Enumerable.Repeat(1, dims)];
        using var block = new ConvNormAct(dims, 3, 5, three, one);
        using (no_grad())
        {
            // Scales of both signs and a small one, shifts that push part of each channel below zero.
            var norm = block.named_parameters().Where(p => p.name.StartsWith("norm", StringComparison.Ordinal)).ToDictionary(p => p.name, p => p.parameter);
            norm["norm.weight"].copy_(linspace(scale, scale * 1.5, 5));
            norm["norm.bias"].copy_(linspace(-0.8, 0.4, 5));
        }

        long[] shape = [2, 3, .. Enumerable.Repeat(7L, dims)];
        var input = Randn(shape).mul_(3).add_(1);
        var upstream = Randn([2, 5, .. Enumerable.Repeat(7L, dims)]);
        var (plainOutput, plainGradients) = Gradients(block, input, upstream, compact: false);
        var (compactOutput, compactGradients) = Gradients(block, input, upstream, compact: true);

        Assert.True(compactOutput.equal(plainOutput).all().item<bool>(), "the forward pass is LibTorch's instance norm and LeakyReLU");
        // Instance norm removes the convolution's bias: its gradient is zero up to rounding on both paths.
        float weightScale = plainGradients["conv.weight"].abs().max().item<float>();
        Assert.True(compactGradients["conv.bias"].abs().max().item<float>() < 1e-4 * weightScale);
        foreach (var (name, expected) in plainGradients.Where(g => g.Key != "conv.bias"))
        {
            var actual = compactGradients[name];
            double tolerance = 1e-5 * expected.abs().max().item<float>();
            Assert.True(actual.allclose(expected, rtol: 1e-4, atol: tolerance), $"{name}: max difference {(actual - expected).abs().max().item<float>()} of {expected.abs().max().item<float>()}");
        }
    }

    [Fact]
    public void CompactBackwardInBFloat16StaysCloseToTheComposedLayers()
    {
        using var scope = NewDisposeScope();
        manual_seed(52);
        using var block = new ConvNormAct(3, 2, 4, [3, 3, 3], [1, 1, 1]);
        block.to(ScalarType.BFloat16);
        var input = Randn(2, 2, 8, 8, 8).to(ScalarType.BFloat16);
        var upstream = Randn(2, 4, 8, 8, 8).to(ScalarType.BFloat16);
        var (_, plain) = Gradients(block, input, upstream, compact: false);
        var (_, compact) = Gradients(block, input, upstream, compact: true);
        foreach (var (name, expected) in plain)
        {
            if (name == "conv.bias")
            {
                // Instance norm removes a bias before it: its gradient is zero up to rounding on both paths.
                continue;
            }

            var e = expected.to(ScalarType.Float32);
            var a = compact[name].to(ScalarType.Float32);
            double error = (a - e).norm().item<float>() / e.norm().item<float>();
            Assert.True(error < 0.02, $"{name}: relative error {error:F4}");
        }
    }

    [Fact]
    public void CompactBlocksReleaseTheirTensorsAndLeaveInferenceUnchanged()
    {
        using var block = new ConvNormAct(3, 1, 4, [3, 3, 3], [1, 1, 1]) { CompactBackward = true };
        using var input = Randn(1, 1, 6, 6, 6).requires_grad_(true);
        long before = TensorAccounting.LiveTensors;
        for (int step = 0; step < 3; step++)
        {
            using var scope = NewDisposeScope();
            block.forward(input).square().sum().backward();
        }

        using (no_grad())
        {
            // No graph: the plain layers, identical output.
            using var scope = NewDisposeScope();
            block.CompactBackward = false;
            var expected = block.forward(input);
            block.CompactBackward = true;
            Assert.True(block.forward(input).equal(expected).all().item<bool>());
        }

        Assert.Equal(before, TensorAccounting.LiveTensors);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void UNetGradientsWithCompactNormalizationEqualThoseWithout(bool residual, bool checkpointing)
    {
        manual_seed(53);
        using var net = new UNet(UNetGradients.Small3D(residual));
        using var scope = NewDisposeScope();
        var (plain, compact) = UNetGradients.BeforeAndAfter(net, n =>
        {
            n.ActivationCheckpointing = checkpointing;
            n.CompactNormalization = true;
        });
        float largest = plain.Max(g => g.Gradient.abs().max().item<float>());
        for (int i = 0; i < plain.Count; i++)
        {
            var (name, expected) = plain[i];
            Assert.True(compact[i].allclose(expected, rtol: 1e-3, atol: 1e-5 * largest), $"{name}: max difference {(compact[i] - expected).abs().max().item<float>()} of {expected.abs().max().item<float>()}");
        }
    }

    private static (Tensor Output, Dictionary<string, Tensor> Gradients) Gradients(ConvNormAct block, Tensor input, Tensor upstream, bool compact)
    {
        block.CompactBackward = compact;
        block.zero_grad();
        var x = input.detach().requires_grad_(true);
        var output = block.forward(x);
        output.backward([upstream]);
        var gradients = block.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        gradients["input"] = x.grad!.clone();
        return (output.detach(), gradients);
    }
}
