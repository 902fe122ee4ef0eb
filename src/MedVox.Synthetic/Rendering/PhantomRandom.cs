namespace MedVox.Synthetic.Rendering;

/// <summary>
/// xoshiro256** seeded through SplitMix64: fast, and its sequence depends only on the seed (never on the runtime, the
/// thread or the platform), so generated anatomy and noise are identical wherever and however they are computed.
/// </summary>
internal sealed class PhantomRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public PhantomRandom(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>The generator of case <paramref name="caseIndex"/> of a dataset of <paramref name="kind"/> made with <paramref name="seed"/>.</summary>
    public static PhantomRandom ForCase(int seed, string kind, int caseIndex) => new(CaseKey(seed, kind, caseIndex));

    /// <summary>A key that identifies one case; combine it with a slice index for per-slice noise.</summary>
    public static ulong CaseKey(int seed, string kind, int caseIndex)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in kind)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        ulong x = h ^ ((ulong)(uint)seed << 32) ^ (uint)caseIndex;
        return SplitMix(ref x);
    }

    /// <summary>A generator for one independent stream (a slice, a tree) of a case, whatever thread uses it.</summary>
    public static PhantomRandom ForStream(ulong caseKey, long stream)
    {
        ulong x = caseKey ^ (0x9E3779B97F4A7C15UL * (ulong)(stream + 1));
        return new PhantomRandom(SplitMix(ref x));
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

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public double Uniform(double min, double max) => min + ((max - min) * NextDouble());

    /// <summary>Uniform integer in [0, <paramref name="count"/>).</summary>
    public int Next(int count) => (int)((NextUInt64() >> 33) % (ulong)count);

    public bool Chance(double probability) => NextDouble() < probability;

    /// <summary>A standard normal deviate (Box-Muller).</summary>
    public double Normal()
    {
        double u = 1.0 - NextDouble();
        double v = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2.0 * Math.PI * v);
    }

    public double Normal(double mean, double sd) => mean + (sd * Normal());

    /// <summary>Fills <paramref name="values"/> with standard normal deviates (both Box-Muller outputs used).</summary>
    public void FillNormal(Span<float> values)
    {
        int i = 0;
        for (; i + 1 < values.Length; i += 2)
        {
            double u = 1.0 - NextDouble();
            double v = NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u));
            var (sin, cos) = Math.SinCos(2.0 * Math.PI * v);
            values[i] = (float)(r * cos);
            values[i + 1] = (float)(r * sin);
        }

        if (i < values.Length)
        {
            values[i] = (float)Normal();
        }
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        ulong z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
