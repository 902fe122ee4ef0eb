using System.Numerics;
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

    /// <summary>True when <see cref="Plane"/> needs a scratch plane to convert into.</summary>
    public virtual bool ConvertsPlanes => false;

    /// <summary>The <c>SizeX * SizeY</c> values of plane <paramref name="z"/>, read in place or converted into <paramref name="scratch"/>.</summary>
    public abstract ReadOnlySpan<float> Plane(int z, float[] scratch);

    /// <summary>The volume of a scalar 3D image: float32 slices are read in place, other types converted a plane at a time.</summary>
    public static ScalarVolume Of(Image image) =>
        image.ElementType == ElementType.Float32 && image.HasContiguousSlices ? new Slices(image) : new Converted(image);

    /// <summary>A volume held in one array.</summary>
    public sealed class Array(float[] values, int sizeX, int sizeY, int sizeZ) : ScalarVolume(sizeX, sizeY, sizeZ)
    {
        public float[] Values { get; } = values;

        public override ReadOnlySpan<float> Plane(int z, float[] scratch) => Values.AsSpan(z * SizeX * SizeY, SizeX * SizeY);
    }

    /// <summary>The slices of a float32 image, read in place.</summary>
    public sealed class Slices(Image image) : ScalarVolume(image.Size.X, image.Size.Y, image.Size.Z)
    {
        public override ReadOnlySpan<float> Plane(int z, float[] scratch) => image.GetSlice<float>(z);
    }

    /// <summary>An image of any element type, converted row by row into the caller's scratch plane (no copy of the volume).</summary>
    public sealed class Converted(Image image) : ScalarVolume(image.Size.X, image.Size.Y, image.Size.Z)
    {
        public override bool ConvertsPlanes => true;

        public override ReadOnlySpan<float> Plane(int z, float[] scratch)
        {
            var convert = new ConvertVisitor(image, z, scratch);
            image.ElementType.Dispatch(ref convert);
            return scratch.AsSpan(0, SizeX * SizeY);
        }

        private readonly struct ConvertVisitor(Image image, int z, float[] target) : IElementVisitor
        {
            public void Visit<T>()
                where T : unmanaged, INumber<T>, IMinMaxValue<T>
            {
                int nx = image.Size.X;
                for (int y = 0; y < image.Size.Y; y++)
                {
                    var row = image.GetRow<T>(y, z);
                    var line = target.AsSpan(y * nx, nx);
                    for (int x = 0; x < nx; x++)
                    {
                        line[x] = float.CreateTruncating(row[x]);
                    }
                }
            }
        }
    }
}
