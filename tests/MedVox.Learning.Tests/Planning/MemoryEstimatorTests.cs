using MedVox.Learning.Networks;
using MedVox.Learning.Planning;
using MedVox.Learning.Training;

namespace MedVox.Learning.Tests.Planning;

public class MemoryEstimatorTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void ParameterCountIsThatOfTheBuiltNetwork(bool residual, bool deepSupervision)
    {
        var config = UNetConfig.ForPatch([16, 64, 48], [3.0, 0.8, 0.8], 2, 5, baseFeatures: 8, maxFeatures: 64, residual: residual, deepSupervision: deepSupervision);
        using var net = new UNet(config);

        Assert.Equal(net.parameters().Sum(p => p.numel()), MemoryEstimator.ParameterCount(config));
    }

    [Fact]
    public void BFloat16HalvesActivationsAndCheckpointingShrinksThem()
    {
        var config = UNetConfig.ForPatch([64, 64, 64], [1.0, 1.0, 1.0], 1, 4, baseFeatures: 16, maxFeatures: 128);
        int[] patch = [64, 64, 64];

        var plain = MemoryEstimator.Estimate(config, patch, 2, PrecisionMode.Float32, OptimizerKind.Sgd, checkpointing: false);
        var half = MemoryEstimator.Estimate(config, patch, 2, PrecisionMode.BFloat16, OptimizerKind.Sgd, checkpointing: false);
        var checkpointed = MemoryEstimator.Estimate(config, patch, 2, PrecisionMode.Float32, OptimizerKind.Sgd, checkpointing: true);

        // The loss's class maps stay float32; everything else halves.
        Assert.InRange(half.Activations / (double)plain.Activations, 0.5, 0.6);
        Assert.True(checkpointed.Activations < plain.Activations);
        Assert.True(half.Weights == plain.Weights, "bf16 weights and gradients plus float32 master weights take what float32 weights and gradients take");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CompactNormalizationKeepsOneMapPerBlockInsteadOfTwo(bool residual)
    {
        var config = UNetConfig.ForPatch([64, 64, 64], [1.0, 1.0, 1.0], 1, 4, baseFeatures: 16, maxFeatures: 128, residual: residual);
        int[] patch = [64, 64, 64];
        var plain = MemoryEstimator.Estimate(config, patch, 2, new TrainingOptions());
        var compact = MemoryEstimator.Estimate(config, patch, 2, new TrainingOptions { CompactNormalization = true });

        // Plain U-Net: encoder blocks keep 2 maps -> 1, decoder stages 2 + 2 x 2 -> 2 + 2 x 1; the logits stay.
        Assert.InRange(compact.Activations / (double)plain.Activations, residual ? 0.7 : 0.5, residual ? 0.9 : 0.7);
        Assert.Equal(plain.Weights, compact.Weights);
        Assert.True(compact.Step < plain.Step);
    }
}
