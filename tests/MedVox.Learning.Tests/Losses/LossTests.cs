using MedVox.Learning.Losses;
using static MedVox.Learning.Tests.TensorFactory;
using static TorchSharp.torch;

namespace MedVox.Learning.Tests.Losses;

public class LossTests
{
    [Fact]
    public void SoftDiceOfAPerfectPredictionIsOneAndTheLossIsCrossEntropyOnly()
    {
        using var scope = NewDisposeScope();
        var labels = tensor(new long[] { 0, 1, 1, 2, 2, 2 }).reshape(1, 6);
        var logits = nn.functional.one_hot(labels, 3).movedim([-1], [1]).to(ScalarType.Float32) * 100;
        using var loss = new DiceCrossEntropyLoss();

        Assert.Equal(1.0, loss.SoftDice(logits, labels).item<float>(), 4);
        Assert.Equal(0.0, loss.forward(logits, labels).item<float>(), 4);
    }

    [Fact]
    public void SoftDiceMatchesAHandComputation()
    {
        using var scope = NewDisposeScope();
        // Two classes, four voxels, logits chosen so that softmax gives foreground probabilities 0.5, 0.5, 0.5, 0.5.
        var logits = zeros(1, 2, 4);
        var labels = tensor(new long[] { 1, 1, 0, 0 }).reshape(1, 4);
        using var loss = new DiceCrossEntropyLoss(smooth: 0);

        // Dice = 2 * (0.5 + 0.5) / (2.0 + 2) = 0.5; cross-entropy = ln 2.
        Assert.Equal(0.5, loss.SoftDice(logits, labels).item<float>(), 5);
        Assert.Equal(Math.Log(2) + 0.5, loss.forward(logits, labels).item<float>(), 5);
    }

    [Fact]
    public void DeepSupervisionWeightsHalveAndIgnoreTheLowestResolution()
    {
        var weights = DeepSupervisionLoss.Weights(4);

        Assert.Equal([4 / 7.0, 2 / 7.0, 1 / 7.0, 0], weights);
    }

    [Fact]
    public void FocalLossWithGammaZeroIsCrossEntropy()
    {
        using var scope = NewDisposeScope();
        var logits = Randn(5, 3);
        var labels = tensor(new long[] { 0, 1, 2, 1, 0 });
        using var focal = new FocalLoss(gamma: 0);
        using var focal2 = new FocalLoss(gamma: 2);

        Assert.Equal(nn.functional.cross_entropy(logits, labels).item<float>(), focal.forward(logits, labels).item<float>(), 5);
        Assert.True(focal2.forward(logits, labels).item<float>() < focal.forward(logits, labels).item<float>());
    }
}
