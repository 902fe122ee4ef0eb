using StbImageSharp;

namespace MedVox.Reporting.Tests;

/// <summary>A PNG decoded by StbImageSharp (not by SkiaSharp, which wrote it), as RGBA.</summary>
internal sealed class Png
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private Png(ImageResult image) => Image = image;

    public ImageResult Image { get; }

    public int Width => Image.Width;

    public int Height => Image.Height;

    public static Png Decode(byte[] bytes)
    {
        Assert.True(bytes.AsSpan().StartsWith(Signature), "not a PNG signature");
        return new Png(ImageResult.FromMemory(bytes, ColorComponents.RedGreenBlueAlpha));
    }

    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            int o = ((y * Width) + x) * 4;
            return (Image.Data[o], Image.Data[o + 1], Image.Data[o + 2]);
        }
    }

    public static (byte R, byte G, byte B) Hex(string hex)
    {
        int v = Convert.ToInt32(hex[1..], 16);
        return ((byte)(v >> 16), (byte)(v >> 8), (byte)v);
    }
}
