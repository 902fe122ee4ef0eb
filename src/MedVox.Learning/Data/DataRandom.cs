namespace MedVox.Learning.Data;

/// <summary>
/// The random numbers of the data pipeline: xoshiro256** seeded through SplitMix64 from a seed and stream numbers
/// (batch index, case index, purpose). Each batch and each case draws from its own stream, so results do not depend
/// on which thread does the work or in which order, and resuming at batch i needs nothing but (seed, i).
/// </summary>
internal struct DataRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public DataRandom(ulong seed, long stream = 0, long purpose = 0)
    {
        ulong state = seed;
        state = Mix(state ^ (0x9E3779B97F4A7C15UL * (ulong)(stream + 1)));
        state = Mix(state ^ (0xD1B54A32D192ED03UL * (ulong)(purpose + 1)));
        _s0 = SplitMix(ref state);
        _s1 = SplitMix(ref state);
        _s2 = SplitMix(ref state);
        _s3 = SplitMix(ref state);
    }

    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [min, max).</summary>
    public double Uniform(double min, double max) => min + ((max - min) * NextDouble());

    /// <summary>Uniform integer in [0, count), without modulo bias (Lemire's method).</summary>
    public long NextInt64(long count)
    {
        if (count <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count), "The range must not be empty.");
        }

        ulong range = (ulong)count;
        ulong high = Math.BigMul(NextUInt64(), range, out ulong low);
        if (low < range)
        {
            ulong threshold = (0 - range) % range;
            while (low < threshold)
            {
                high = Math.BigMul(NextUInt64(), range, out low);
            }
        }

        return (long)high;
    }

    public int NextInt(int count) => (int)NextInt64(count);

    /// <summary>Uniform integer in [min, max] (both included), as numpy's randint(min, max + 1).</summary>
    public int NextInclusive(int min, int max) => min + (int)NextInt64((long)max - min + 1);

    /// <summary>True with probability <paramref name="probability"/>.</summary>
    public bool Chance(double probability) => probability > 0 && NextDouble() < probability;

    /// <summary>A seed for a torch generator or a nested stream.</summary>
    public long NextSeed() => (long)(NextUInt64() >> 1);

    private static ulong SplitMix(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
