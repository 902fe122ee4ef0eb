using MedVox.Learning.Networks;
using static TorchSharp.torch;

namespace MedVox.Learning.Tests.Networks;

public class ChannelsLastTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void CopyKeepsShapeAndValuesAndPutsChannelsInnermost(int rank)
    {
        using var scope = NewDisposeScope();
        long[] shape = rank == 5 ? [2, 3, 4, 5, 6] : [2, 3, 5, 6];
        var standard = randn(shape);
        var copy = ChannelsLast.Copy(standard);
        Assert.Equal(shape, copy.shape);
        Assert.Equal(1, copy.stride(1));
        Assert.True(ChannelsLast.Is(copy));
        Assert.False(ChannelsLast.Is(standard));
        Assert.True(copy.allclose(standard, rtol: 0, atol: 0));
    }

    /// <summary>
    /// A U-Net whose convolution weights are laid out channels-last computes channels-last maps through its stages
    /// (its instance norms included) and returns the logits of the standard network in the standard layout.
    /// </summary>
    [Theory]
    [InlineData(3, false)]
    [InlineData(3, true)]
    [InlineData(2, false)]
    public void UNetGivesTheLogitsOfTheStandardLayout(int dims, bool residual)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int[] kernel = [.. Enumerable.Repeat(3, dims)];
        int[] one = [.. Enumerable.Repeat(1, dims)];
        int[] two = [.. Enumerable.Repeat(2, dims)];
        var config = new UNetConfig
        {
            Dimensions = dims,
            Classes = 3,
            Features = [4, 8, 16],
            Kernels = [kernel, kernel, kernel],
            Strides = [one, two, two],
            EncoderBlocks = [2, 2, 2],
            ResidualEncoder = residual,
        };
        manual_seed(12);
        using var standard = new UNet(config);
        using var channelsLast = new UNet(config);
        channelsLast.load_state_dict(standard.state_dict());
        standard.eval();
        channelsLast.eval();
        ChannelsLast.Apply(channelsLast);

        // Two samples: the per-sample norm must keep each sample's own statistics.
        long[] shape = dims == 3 ? [2, 1, 16, 16, 16] : [2, 1, 32, 32];
        var input = randn(shape);
        input[1].mul_(3.0).add_(2.0);
        var expected = standard.forward(input);
        var actual = channelsLast.forward(input);
        Assert.True(actual.is_contiguous());
        Assert.True(actual.allclose(expected, rtol: 1e-4, atol: 1e-5), $"largest difference {(actual - expected).abs().max().item<float>()}");
        Assert.True(ChannelsLast.Is(channelsLast.ForwardEncoderStage(0, input)), "the first stage's maps should be channels-last");
    }
}
