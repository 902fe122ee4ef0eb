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

    [Theory]
    [InlineData(false, 1.0, 1.0)]
    [InlineData(true, 1.0, 1.0)]
    [InlineData(false, 0.5, 2.0)]
    public void TheLossNodeHasTheValueAndGradientOfTheComposedLoss(bool batchDice, double diceWeight, double crossEntropyWeight)
    {
        using var scope = NewDisposeScope();
        manual_seed(41);
        var logits = (Randn(2, 4, 5, 6, 3) * 3).requires_grad_(true);

        // Class 3 is absent from the first sample: its Dice term is smoothing over probability mass only.
        var labels = randint(0, 4, [2, 5, 6, 3]);
        labels[0].masked_fill_(labels[0].eq(3), 1);
        using var loss = new DiceCrossEntropyLoss(batchDice, diceWeight, crossEntropyWeight);

        var composed = (crossEntropyWeight * nn.functional.cross_entropy(logits, labels)) + (diceWeight * (1 - loss.SoftDice(logits, labels)));
        composed.backward();
        var expected = logits.grad!.clone();
        logits.grad!.zero_();
        var fused = loss.forward(logits, labels);
        (fused * 0.75).backward();

        // Relative tolerance: the composed loss is float32 (up to 2.4e-7 relative off the node's float64 sums in 300 random
        // draws); comparing rounded decimals failed when the two straddled a rounding boundary.
        double composedValue = composed.item<float>(), fusedValue = fused.item<float>();
        Assert.True(Math.Abs(composedValue - fusedValue) <= 1e-6 * Math.Max(1, Math.Abs(composedValue)), $"loss {fusedValue} vs composed {composedValue}");
        var difference = (logits.grad! - (0.75 * expected)).abs().max().item<float>();
        Assert.True(difference < 1e-6 + (1e-4 * expected.abs().max().item<float>()), $"largest gradient difference {difference}");
    }

    [Fact]
    public void TheLossNodeTakesBFloat16LogitsAndReturnsTheirGradientInBFloat16()
    {
        using var scope = NewDisposeScope();
        manual_seed(42);
        var master = Randn(2, 3, 8, 8) * 2;
        var labels = randint(0, 3, [2, 8, 8]);
        using var loss = new DiceCrossEntropyLoss();
        var reference = master.clone().requires_grad_(true);
        loss.forward(reference, labels).backward();
        var logits = master.to(ScalarType.BFloat16).requires_grad_(true);

        var value = loss.forward(logits, labels);
        value.backward();

        Assert.Equal(ScalarType.BFloat16, logits.grad!.dtype);
        Assert.True(logits.grad!.to(ScalarType.Float32).allclose(reference.grad!, rtol: 0.05, atol: 2e-4));
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
