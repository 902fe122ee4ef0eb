using System.Numerics;
using System.Runtime.InteropServices;
using MedVox.Imaging;

namespace MedVox.Learning.Inference;

/// <summary>
/// One input channel of a case: a component of one frame of an image (multi-component and 4D images give several
/// channels, as in training). Rows are read as float32, converted from the stored type on the fly, so no float copy
/// of the volume is ever made.
/// </summary>
internal readonly record struct ChannelSource(Image Image, int Frame, int Component, string Name)
{
    /// <summary>Expands images into channels: every frame, every component, in that order (as <c>CaseReader</c> does).</summary>
    public static List<ChannelSource> Expand(IReadOnlyList<Image> images, IReadOnlyList<string>? names = null)
    {
        var channels = new List<ChannelSource>();
        for (int i = 0; i < images.Count; i++)
        {
            var image = images[i];
            string name = names is not null && i < names.Count ? names[i] : $"channel {i}";
            for (int t = 0; t < image.Size.T; t++)
            {
                for (int c = 0; c < image.Channels; c++)
                {
                    channels.Add(new ChannelSource(image, t, c, name));
                }
            }
        }

        return channels;
    }

    /// <summary>Values x0..x0+destination.Length of row y of slice z, as float32.</summary>
    public void ReadRow(int y, int z, int x0, Span<float> destination)
    {
        switch (Image.ElementType)
        {
            case ElementType.UInt8: Convert<byte>(destination, y, z, x0); break;
            case ElementType.Int8: Convert<sbyte>(destination, y, z, x0); break;
            case ElementType.UInt16: Convert<ushort>(destination, y, z, x0); break;
            case ElementType.Int16: Convert<short>(destination, y, z, x0); break;
            case ElementType.UInt32: Convert<uint>(destination, y, z, x0); break;
            case ElementType.Int32: Convert<int>(destination, y, z, x0); break;
            case ElementType.UInt64: Convert<ulong>(destination, y, z, x0); break;
            case ElementType.Int64: Convert<long>(destination, y, z, x0); break;
            case ElementType.Float32: Convert<float>(destination, y, z, x0); break;
            default: Convert<double>(destination, y, z, x0); break;
        }
    }

    private void Convert<T>(Span<float> destination, int y, int z, int x0)
        where T : unmanaged, INumber<T>
    {
        ReadOnlySpan<T> row = Image.GetRow<T>(y, z, Frame);
        int stride = Image.Channels;
        if (stride == 1)
        {
            row = row.Slice(x0, destination.Length);
            if (typeof(T) == typeof(short))
            {
                Widen(MemoryMarshal.Cast<T, short>(row), destination);
            }
            else if (typeof(T) == typeof(ushort))
            {
                Widen(MemoryMarshal.Cast<T, ushort>(row), destination);
            }
            else if (typeof(T) == typeof(byte))
            {
                Widen(MemoryMarshal.Cast<T, byte>(row), destination);
            }
            else if (typeof(T) == typeof(float))
            {
                MemoryMarshal.Cast<T, float>(row).CopyTo(destination);
            }
            else
            {
                for (int x = 0; x < destination.Length; x++)
                {
                    destination[x] = float.CreateTruncating(row[x]);
                }
            }

            return;
        }

        int offset = (x0 * stride) + Component;
        for (int x = 0; x < destination.Length; x++)
        {
            destination[x] = float.CreateTruncating(row[offset + (x * stride)]);
        }
    }

    // The common stored types (CT's int16, MR's uint16, 8-bit images) widened a vector at a time: the generic loop
    // converts one value per iteration.
    private static void Widen(ReadOnlySpan<short> source, Span<float> destination)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= source.Length - Vector<short>.Count; i += Vector<short>.Count)
            {
                Vector.Widen(new Vector<short>(source[i..]), out Vector<int> low, out Vector<int> high);
                Vector.ConvertToSingle(low).CopyTo(destination[i..]);
                Vector.ConvertToSingle(high).CopyTo(destination[(i + Vector<int>.Count)..]);
            }
        }

        for (; i < source.Length; i++)
        {
            destination[i] = source[i];
        }
    }

    private static void Widen(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= source.Length - Vector<ushort>.Count; i += Vector<ushort>.Count)
            {
                Vector.Widen(new Vector<ushort>(source[i..]), out Vector<uint> low, out Vector<uint> high);
                Vector.ConvertToSingle(low).CopyTo(destination[i..]);
                Vector.ConvertToSingle(high).CopyTo(destination[(i + Vector<uint>.Count)..]);
            }
        }

        for (; i < source.Length; i++)
        {
            destination[i] = source[i];
        }
    }

    private static void Widen(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int quarter = Vector<uint>.Count;
            for (; i <= source.Length - Vector<byte>.Count; i += Vector<byte>.Count)
            {
                Vector.Widen(new Vector<byte>(source[i..]), out Vector<ushort> low, out Vector<ushort> high);
                Vector.Widen(low, out Vector<uint> a, out Vector<uint> b);
                Vector.Widen(high, out Vector<uint> c, out Vector<uint> d);
                Vector.ConvertToSingle(a).CopyTo(destination[i..]);
                Vector.ConvertToSingle(b).CopyTo(destination[(i + quarter)..]);
                Vector.ConvertToSingle(c).CopyTo(destination[(i + (2 * quarter))..]);
                Vector.ConvertToSingle(d).CopyTo(destination[(i + (3 * quarter))..]);
            }
        }

        for (; i < source.Length; i++)
        {
            destination[i] = source[i];
        }
    }
}
