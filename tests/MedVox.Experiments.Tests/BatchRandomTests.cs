using MedVox.Experiments.Studies;

namespace MedVox.Experiments.Tests;

public sealed class BatchRandomTests
{
    /// <summary>
    /// Batch seeds are a fixed function of (seed, batch), the same in every process: the expected values are
    /// splitmix64's finaliser computed with Python's integers (a generator seeded from HashCode.Combine, as the
    /// experiments had, changes from process to process and failed this).
    /// </summary>
    [Theory]
    [InlineData(1, 0L, -1551761096)]
    [InlineData(1, 1L, -44460689)]
    [InlineData(12345, 7L, -1076222482)]
    [InlineData(-3, 100L, 163267469)]
    public void BatchSeedsAreTheSameInEveryProcess(int seed, long batch, int expected) => Assert.Equal(expected, BatchRandom.SeedFor(seed, batch));
}
