using MedVox.Learning.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MedVox.Learning.Tests.Training;

public class GradientClippingTests
{
    /// <summary>Same gradients as LibTorch's own clip_grad_norm_ (the host-synchronising one) above and below the limit.</summary>
    [Theory]
    [InlineData(0.5)]
    [InlineData(1e6)]
    public void ScalesAsLibTorchDoes(double maxNorm)
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        Parameter[] theirs = [new(randn(4, 3)), new(randn(7)), new(randn(2, 2, 2))];
        using var three = 3.0.ToScalar();
        var gradients = theirs.Select(p => randn(p.shape).mul_(three)).ToArray();
        var ours = gradients.Select(g => g.clone()).ToArray();
        for (int i = 0; i < 3; i++)
        {
            theirs[i].grad = gradients[i].clone();
        }

        GradientClipping.ClipByTotalNorm(ours, maxNorm);
        nn.utils.clip_grad_norm_(theirs, maxNorm);

        for (int i = 0; i < 3; i++)
        {
            Assert.True(ours[i].allclose(theirs[i].grad!, rtol: 1e-5, atol: 1e-7), $"parameter {i}");
        }

        double norm = Norm(cat(ours.Select(g => g.flatten()).ToArray()));
        double before = Norm(cat(gradients.Select(g => g.flatten()).ToArray()));
        Assert.Equal(Math.Min(before, maxNorm), norm, Math.Min(before, maxNorm) * 1e-5);
    }

    // Not linalg.vector_norm: TorchSharp converts its order to a scalar that the garbage collector can free mid-call.
    private static double Norm(Tensor t) => Math.Sqrt(t.square().sum(ScalarType.Float64).item<double>());

    [Fact]
    public void RefusesANonPositiveLimit() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByTotalNorm([], 0));
}
