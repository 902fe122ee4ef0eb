using MedVox.Imaging;

namespace MedVox.Meshing;

/// <summary>A float volume read plane by plane (x fastest, then y): what marching cubes walks through.</summary>
internal abstract class ScalarVolume
{
    protected ScalarVolume(int sizeX, int sizeY, int sizeZ)
    {
        SizeX = sizeX;
        SizeY = sizeY;
        SizeZ = sizeZ;
    }

    public int SizeX { get; }

    public int SizeY { get; }

    public int SizeZ { get; }

    /// <summary>The <c>SizeX * SizeY</c> values of plane <paramref name="z"/>.</summary>
    public abstract ReadOnlySpan<float> Plane(int z);

    /// <summary>A volume held in one array.</summary>
    public sealed class Array(float[] values, int sizeX, int sizeY, int sizeZ) : ScalarVolume(sizeX, sizeY, sizeZ)
    {
        public float[] Values { get; } = values;

        public override ReadOnlySpan<float> Plane(int z) => Values.AsSpan(z * SizeX * SizeY, SizeX * SizeY);
    }

    /// <summary>The slices of a float32 image, read in place.</summary>
    public sealed class Slices(Image image) : ScalarVolume(image.Size.X, image.Size.Y, image.Size.Z)
    {
        public override ReadOnlySpan<float> Plane(int z) => image.GetSlice<float>(z);
    }
}
