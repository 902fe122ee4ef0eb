namespace MedVox.Slides.Synthetic;

/// <summary>
/// The smooth fields of a phantom slide as functions of level-0 position: tissue (above <see cref="SlidePhantom.TissueLevel"/>
/// is tissue; an elliptic envelope keeps glass at the margins) and tumour (above <see cref="SlidePhantom.TumourLevel"/>,
/// inside tissue, is tumour). Value noise: hashed lattice values, smoothstep interpolation, three octaves.
/// </summary>
internal sealed class PhantomFields
{
    private readonly uint _seed;
    private readonly double _width;
    private readonly double _height;
    private readonly double _tissueScale;
    private readonly double _tumourScale;

    public PhantomFields(int seed, int width, int height)
    {
        _seed = (uint)seed;
        _width = width;
        _height = height;
        double shorter = Math.Min(width, height);
        _tissueScale = shorter / 2.5;
        _tumourScale = shorter / 7.0;
    }

    public uint Seed => _seed;

    public double Tissue(double x, double y)
    {
        double u = (x / _width) - 0.5, v = (y / _height) - 0.5;
        double envelope = 1 - ((u * u) / (0.46 * 0.46)) - ((v * v) / (0.44 * 0.44));
        return (0.55 * Fractal(x, y, _tissueScale, 1)) + (0.55 * envelope);
    }

    public double Tumour(double x, double y) => Fractal(x, y, _tumourScale, 2);

    /// <summary>Hash of integers to [0, 1).</summary>
    public static double Unit(uint a, uint b, uint c, uint d) => (Hash(a, b, c, d) >> 8) * (1.0 / (1 << 24));

    public static uint Hash(uint a, uint b, uint c, uint d)
    {
        ulong h = (a * 0x9E3779B97F4A7C15UL) ^ (b * 0xC2B2AE3D27D4EB4FUL) ^ (c * 0x165667B19E3779F9UL) ^ (d * 0xD6E8FEB86659FD93UL);
        h ^= h >> 32;
        h *= 0xD6E8FEB86659FD93UL;
        h ^= h >> 29;
        h *= 0x9E3779B97F4A7C15UL;
        h ^= h >> 32;
        return (uint)h;
    }

    /// <summary>Three octaves of value noise, weights 1/2, 1/4, 1/8 normalised to [0, 1].</summary>
    private double Fractal(double x, double y, double scale, uint field)
    {
        double sum = 0, weight = 0.5, total = 0;
        for (uint octave = 0; octave < 3; octave++)
        {
            sum += weight * ValueNoise(x / scale, y / scale, _seed, (field * 16) + octave);
            total += weight;
            weight *= 0.5;
            scale *= 0.5;
        }

        return sum / total;
    }

    public static double ValueNoise(double x, double y, uint seed, uint channel)
    {
        double fx = Math.Floor(x), fy = Math.Floor(y);
        uint ix = (uint)(int)fx, iy = (uint)(int)fy;
        double tx = x - fx, ty = y - fy;
        tx = tx * tx * (3 - (2 * tx));
        ty = ty * ty * (3 - (2 * ty));
        double a = Unit(seed, channel, ix, iy), b = Unit(seed, channel, ix + 1, iy);
        double c = Unit(seed, channel, ix, iy + 1), d = Unit(seed, channel, ix + 1, iy + 1);
        double top = a + ((b - a) * tx), bottom = c + ((d - c) * tx);
        return top + ((bottom - top) * ty);
    }
}
