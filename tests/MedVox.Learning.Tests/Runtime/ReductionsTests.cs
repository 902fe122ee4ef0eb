using MedVox.Learning.Runtime;
using static TorchSharp.torch;

namespace MedVox.Learning.Tests.Runtime;

public class ReductionsTests
{
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    public void ArgMaxGivesArgmaxsIndicesWithTheFirstMaximumOnTies(ScalarType type)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(31);

        // Whole-numbered logits in [-4, 4]: many ties, which both must break towards the first class.
        var logits = randint(-4, 5, [2, 5, 3, 6, 7], generator: generator).to(type);
        foreach (long dim in new long[] { 0, 1 })
        {
            var indices = Reductions.ArgMax(logits, dim);
            Assert.Equal(ScalarType.Int64, indices.dtype);
            Assert.Equal(logits.argmax(dim).shape, indices.shape);
            Assert.True(indices.eq(logits.argmax(dim)).all().item<bool>(), $"dim {dim}");
        }

        // The strided slice of a ring, as the prediction takes it.
        var slot = logits.select(2, 1)[0];
        Assert.True(Reductions.ArgMax(slot, 0).eq(slot.argmax(0)).all().item<bool>());
        var tie = tensor(new float[] { 1, 3, 3, 2 }).to(type);
        Assert.Equal(1, Reductions.ArgMax(tie, 0).item<long>());
    }
}
