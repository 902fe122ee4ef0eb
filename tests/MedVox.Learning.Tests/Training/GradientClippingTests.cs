using MedVox.Learning.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MedVox.Learning.Tests.Training;

public class GradientClippingTests
{
    /// <summary>Same gradients as LibTorch's own clip_grad_norm_ (the host-synchronising one) above and below the limit; parameters without a gradient are left out.</summary>
    [Theory]
    [InlineData(0.5)]
    [InlineData(1e6)]
    public void ScalesAsLibTorchDoes(double maxNorm)
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        Parameter[] ours = [new(randn(4, 3)), new(randn(7)), new(randn(2, 2, 2)), new(randn(3))];
        Parameter[] theirs = [.. ours.Select(p => new Parameter(p.detach().clone()))];
        using var three = 3.0.ToScalar();
        var gradients = ours.Take(3).Select(p => randn(p.shape).mul_(three)).ToArray();
        for (int i = 0; i < 3; i++)
        {
            ours[i].grad = gradients[i].clone();
            theirs[i].grad = gradients[i].clone();
        }

        GradientClipping.ClipByTotalNorm(ours, maxNorm);
        nn.utils.clip_grad_norm_(theirs, maxNorm);

        for (int i = 0; i < 3; i++)
        {
            Assert.True(ours[i].grad!.allclose(theirs[i].grad!, rtol: 1e-5, atol: 1e-7), $"parameter {i}");
        }

        Assert.Null(ours[3].grad);
        double norm = Norm(cat(ours.Take(3).Select(p => p.grad!.flatten()).ToArray()));
        double before = Norm(cat(gradients.Select(g => g.flatten()).ToArray()));
        Assert.Equal(Math.Min(before, maxNorm), norm, Math.Min(before, maxNorm) * 1e-5);
    }

    // Not linalg.vector_norm: TorchSharp converts its order to a scalar that the garbage collector can free mid-call.
    private static double Norm(Tensor t) => Math.Sqrt(t.square().sum(ScalarType.Float64).item<double>());

    [Fact]
    public void RefusesANonPositiveLimit() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByTotalNorm([], 0));
}
