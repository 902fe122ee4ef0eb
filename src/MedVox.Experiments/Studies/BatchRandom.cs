namespace MedVox.Experiments.Studies;

/// <summary>
/// The generator for batch <c>k</c> of a run with a given seed, the same in every process. (<c>HashCode.Combine</c>
/// is seeded randomly per process, so a generator seeded from it made each run of an experiment draw other batches.)
/// </summary>
internal static class BatchRandom
{
    public static Random For(int seed, long batch) => new(SeedFor(seed, batch));

    /// <summary>splitmix64's finaliser over (seed, batch), so that neighbouring batches get unrelated seeds.</summary>
    public static int SeedFor(int seed, long batch)
    {
        ulong z = unchecked(((ulong)(uint)seed << 32) + (ulong)batch + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return unchecked((int)z);
    }
}
