using MedVox.Learning.Networks;
using static TorchSharp.torch;

namespace MedVox.Learning.Tests.Networks;

public class LayersTests
{
    /// <summary>
    /// The residual shortcut's average pooling (block means on a view) gives LibTorch's average pooling, values and
    /// gradients, in both memory layouts, for sizes the stride divides and (by the fallback) for sizes it does not.
    /// </summary>
    [Theory]
    [InlineData(3, new[] { 2, 2, 2 }, new long[] { 2, 3, 8, 6, 4 }, false)]
    [InlineData(3, new[] { 1, 2, 2 }, new long[] { 1, 4, 3, 8, 6 }, true)]
    [InlineData(3, new[] { 2, 2, 2 }, new long[] { 1, 2, 5, 6, 7 }, false)]
    [InlineData(2, new[] { 2, 2 }, new long[] { 2, 3, 8, 6 }, true)]
    public void AveragePoolGivesLibTorchsValuesAndGradients(int dims, int[] stride, long[] shape, bool channelsLast)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var values = randn(shape, ScalarType.Float64);
        var mine = (channelsLast ? ChannelsLast.Copy(values) : values.clone()).requires_grad_(true);
        var reference = values.clone().requires_grad_(true);
        long[] s = [.. stride.Select(v => (long)v)];
        using var pool = Layers.AveragePool(dims, stride);

        var output = pool.forward(mine);
        var expected = dims == 3 ? nn.functional.avg_pool3d(reference, s, s, ceil_mode: true) : nn.functional.avg_pool2d(reference, s, s, ceil_mode: true);
        var weights = randn(expected.shape, ScalarType.Float64);
        (output * weights).sum().backward();
        (expected * weights).sum().backward();

        Assert.Equal(expected.shape, output.shape);
        Assert.True(output.allclose(expected, rtol: 1e-12, atol: 1e-12), "values");
        Assert.True(mine.grad!.allclose(reference.grad!, rtol: 1e-12, atol: 1e-12), "gradients");
    }

    [Fact]
    public void AveragePoolRunsInBFloat16OnTheCpu()
    {
        // LibTorch 2.10 has no CPU bf16 avg_pool3d; the block means need none.
        using var scope = NewDisposeScope();
        manual_seed(6);
        var values = randn([2, 4, 8, 8, 8]);
        using var pool = Layers.AveragePool(3, [2, 2, 2]);

        var half = pool.forward(ChannelsLast.Copy(values).to(ScalarType.BFloat16));

        Assert.Equal(ScalarType.BFloat16, half.dtype);
        Assert.True(half.to(ScalarType.Float32).allclose(nn.functional.avg_pool3d(values, [2, 2, 2], [2, 2, 2]), rtol: 0.02, atol: 0.02));
    }
}
