using System.Numerics;
using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Classical;

/// <summary>
/// A binary volume as one byte per voxel (0 or 1, x fastest) with its geometry: the working form of the mask
/// operations, read from and written to images at the public boundary.
/// </summary>
internal sealed class BinaryMask
{
    public BinaryMask(ImageGeometry geometry, byte[]? voxels = null)
    {
        Geometry = geometry;
        long count = geometry.Size.VoxelsPerFrame;
        if (count > Array.MaxLength)
        {
            throw new ArgumentException($"{count} voxels exceed what one mask holds ({Array.MaxLength}); crop the volume first.");
        }

        Voxels = voxels ?? new byte[count];
        if (Voxels.Length != count)
        {
            throw new ArgumentException($"A {geometry.Size} mask has {count} voxels; {Voxels.Length} were given.");
        }
    }

    public ImageGeometry Geometry { get; }

    public byte[] Voxels { get; }

    public int Nx => Geometry.Size.X;

    public int Ny => Geometry.Size.Y;

    public int Nz => Geometry.Size.Z;

    public Vector3D Spacing => Geometry.Spacing;

    /// <summary>Millilitres per voxel.</summary>
    public double VoxelVolumeMl => Spacing.X * Spacing.Y * Spacing.Z / 1000.0;

    /// <summary>The voxels of image <paramref name="image"/> that are not zero (NaN counts as not zero).</summary>
    public static BinaryMask FromImage(Image image, string parameterName)
    {
        RequireScalarVolume(image, parameterName);
        var mask = new BinaryMask(image.Geometry);
        var reader = new NonZeroReader(image, mask.Voxels);
        image.ElementType.Dispatch(ref reader);
        return mask;
    }

    /// <summary>Refuses what the voxel operations cannot take: several channels or frames, or more than 2^31 voxels.</summary>
    public static void RequireScalarVolume(Image image, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(image, parameterName);
        if (image.Channels != 1 || image.Size.T != 1)
        {
            throw new ArgumentException($"Takes a single-channel 2D or 3D image, got {image.Channels} channel(s) and {image.Size.T} frame(s).", parameterName);
        }

        if (image.Size.VoxelCount > Array.MaxLength)
        {
            throw new ArgumentException($"{image.Size.VoxelCount} voxels exceed what one volume operation holds ({Array.MaxLength}); crop the volume first.", parameterName);
        }
    }

    /// <summary>A uint8 image (0/1) with the mask's geometry.</summary>
    public Image ToImage()
    {
        var image = Image.FromPixels<byte>(Geometry, Voxels);
        return image;
    }

    public int RowOffset(int y, int z) => (((z * Ny) + y) * Nx);

    public Span<byte> Row(int y, int z) => Voxels.AsSpan(RowOffset(y, z), Nx);

    public long Count()
    {
        long count = 0;
        var span = Voxels.AsSpan();
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var sum = Vector<ushort>.Zero;
            int sinceFlush = 0;
            for (; i <= span.Length - Vector<byte>.Count; i += Vector<byte>.Count)
            {
                Vector.Widen(new Vector<byte>(span[i..]), out var low, out var high);
                sum += low + high;
                if (++sinceFlush == 255)
                {
                    count += Sum(sum);
                    sum = Vector<ushort>.Zero;
                    sinceFlush = 0;
                }
            }

            count += Sum(sum);
        }

        for (; i < span.Length; i++)
        {
            count += span[i];
        }

        return count;
    }

    /// <summary>The bounding box of the foreground; null when the mask is empty.</summary>
    public VoxelBounds? Bounds()
    {
        int nx = Nx, ny = Ny;
        int minX = int.MaxValue, maxX = -1, minY = int.MaxValue, maxY = -1, minZ = int.MaxValue, maxZ = -1;
        for (int z = 0; z < Nz; z++)
        {
            var slice = Voxels.AsSpan(z * ny * nx, ny * nx);
            if (slice.IndexOfAnyExcept((byte)0) < 0)
            {
                continue;
            }

            minZ = Math.Min(minZ, z);
            maxZ = z;
            for (int y = 0; y < ny; y++)
            {
                var row = slice.Slice(y * nx, nx);
                int first = row.IndexOfAnyExcept((byte)0);
                if (first < 0)
                {
                    continue;
                }

                minY = Math.Min(minY, y);
                maxY = Math.Max(maxY, y);
                minX = Math.Min(minX, first);
                maxX = Math.Max(maxX, row.LastIndexOfAnyExcept((byte)0));
            }
        }

        return maxZ < 0 ? null : new VoxelBounds(new Index3(minX, minY, minZ), new Index3(maxX, maxY, maxZ));
    }

    /// <summary>A copy of the voxels inside <paramref name="box"/>, x fastest.</summary>
    public byte[] Extract(VoxelBounds box)
    {
        var result = new byte[box.VoxelCount];
        int bx = box.SizeX, by = box.SizeY;
        for (int z = 0; z < box.SizeZ; z++)
        {
            for (int y = 0; y < by; y++)
            {
                Voxels.AsSpan(RowOffset(box.Min.Y + y, box.Min.Z + z) + box.Min.X, bx).CopyTo(result.AsSpan(((z * by) + y) * bx, bx));
            }
        }

        return result;
    }

    public BinaryMask Clone() => new(Geometry, (byte[])Voxels.Clone());

    /// <summary>Writes <paramref name="value"/> into <paramref name="target"/> wherever the mask is set.</summary>
    public void Paint(byte[] target, byte value)
    {
        var voxels = Voxels;
        for (int i = 0; i < voxels.Length; i++)
        {
            if (voxels[i] != 0)
            {
                target[i] = value;
            }
        }
    }

    public void Or(BinaryMask other)
    {
        var a = Voxels.AsSpan();
        var b = other.Voxels.AsSpan();
        int i = 0;
        for (; i <= a.Length - Vector<byte>.Count; i += Vector<byte>.Count)
        {
            (new Vector<byte>(a[i..]) | new Vector<byte>(b[i..])).CopyTo(a[i..]);
        }

        for (; i < a.Length; i++)
        {
            a[i] |= b[i];
        }
    }

    public void And(BinaryMask other)
    {
        var a = Voxels.AsSpan();
        var b = other.Voxels.AsSpan();
        int i = 0;
        for (; i <= a.Length - Vector<byte>.Count; i += Vector<byte>.Count)
        {
            (new Vector<byte>(a[i..]) & new Vector<byte>(b[i..])).CopyTo(a[i..]);
        }

        for (; i < a.Length; i++)
        {
            a[i] &= b[i];
        }
    }

    /// <summary>Clears the voxels set in <paramref name="other"/>.</summary>
    public void AndNot(BinaryMask other)
    {
        var a = Voxels.AsSpan();
        var b = other.Voxels.AsSpan();
        int i = 0;
        for (; i <= a.Length - Vector<byte>.Count; i += Vector<byte>.Count)
        {
            Vector.AndNot(new Vector<byte>(a[i..]), new Vector<byte>(b[i..])).CopyTo(a[i..]);
        }

        for (; i < a.Length; i++)
        {
            a[i] = (byte)(a[i] & ~b[i]);
        }
    }

    /// <summary>Flips every voxel (foreground becomes background).</summary>
    public void Invert()
    {
        var a = Voxels.AsSpan();
        var one = new Vector<byte>(1);
        int i = 0;
        for (; i <= a.Length - Vector<byte>.Count; i += Vector<byte>.Count)
        {
            (new Vector<byte>(a[i..]) ^ one).CopyTo(a[i..]);
        }

        for (; i < a.Length; i++)
        {
            a[i] ^= 1;
        }
    }

    private static long Sum(Vector<ushort> v)
    {
        long total = 0;
        for (int i = 0; i < Vector<ushort>.Count; i++)
        {
            total += v[i];
        }

        return total;
    }

    private readonly struct NonZeroReader(Image image, byte[] target) : IElementVisitor
    {
        public void Visit<T>()
            where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var source = image;
            var voxels = target;
            int nx = source.Size.X, ny = source.Size.Y;
            Parallel.For(0, source.Size.Z, z =>
            {
                for (int y = 0; y < ny; y++)
                {
                    var row = source.GetRow<T>(y, z);
                    var destination = voxels.AsSpan(((z * ny) + y) * nx, nx);
                    for (int x = 0; x < row.Length; x++)
                    {
                        destination[x] = T.IsZero(row[x]) ? (byte)0 : (byte)1;
                    }
                }
            });
        }
    }
}
