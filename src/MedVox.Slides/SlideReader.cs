using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Slides;

/// <summary>
/// A whole-slide image opened for reading: its levels, physical pixel size and properties, and regions of any level
/// read on demand (never a whole level unless asked). Readers are thread-safe: several workers may read at once.
/// Coordinates are pixels of the level being read (not level 0, unlike OpenSlide's read_region).
/// </summary>
public abstract class SlideReader : IDisposable
{
    /// <summary>The file as opened.</summary>
    public abstract string Path { get; }

    /// <summary>What reads it: "tiff (libtiff.net)" or "openslide (VENDOR)".</summary>
    public abstract string Format { get; }

    /// <summary>Levels from full resolution (0) down.</summary>
    public abstract IReadOnlyList<SlideLevel> Levels { get; }

    /// <summary>Samples per pixel of <see cref="ReadRegion(int, long, long, int, int, Span{byte}, byte)"/>: 3 (RGB) or 1 (grey masks).</summary>
    public abstract int Channels { get; }

    /// <summary>Microns per pixel of level 0 along x and y, when the file records it.</summary>
    public abstract (double X, double Y)? MicronsPerPixel { get; }

    /// <summary>Vendor and file properties (OpenSlide's names where they exist: openslide.mpp-x, tiff.ImageDescription, ...).</summary>
    public abstract IReadOnlyDictionary<string, string> Properties { get; }

    public int LevelCount => Levels.Count;

    public SlideLevel Level(int level)
    {
        if ((uint)level >= (uint)Levels.Count)
        {
            throw new MedVoxException($"level {level} is out of range: the slide has {Levels.Count} level(s), 0 to {Levels.Count - 1}", Path, "--level");
        }

        return Levels[level];
    }

    /// <summary>
    /// Reads the region (<paramref name="x"/>, <paramref name="y"/>, <paramref name="width"/>, <paramref name="height"/>)
    /// of <paramref name="level"/> into <paramref name="destination"/> (rows of width × <see cref="Channels"/> bytes).
    /// Parts outside the level read as <paramref name="fill"/> (255: white, like glass).
    /// </summary>
    public void ReadRegion(int level, long x, long y, int width, int height, Span<byte> destination, byte fill = 255)
    {
        var info = Level(level);
        if (width < 0 || height < 0 || destination.Length < (long)width * height * Channels)
        {
            throw new ArgumentException($"A {width}x{height} region needs {(long)width * height * Channels} bytes; the destination has {destination.Length}.", nameof(destination));
        }

        if (width == 0 || height == 0)
        {
            return;
        }

        long x0 = Math.Max(x, 0), y0 = Math.Max(y, 0);
        long x1 = Math.Min(x + width, info.Width), y1 = Math.Min(y + height, info.Height);
        if (x0 >= x1 || y0 >= y1)
        {
            destination[..(width * height * Channels)].Fill(fill);
            return;
        }

        if (x0 != x || y0 != y || x1 != x + width || y1 != y + height)
        {
            destination[..(width * height * Channels)].Fill(fill);
        }

        int stride = width * Channels;
        var inside = destination[((int)(y0 - y) * stride)..];
        ReadInside(level, x0, y0, (int)(x1 - x0), (int)(y1 - y0), inside[((int)(x0 - x) * Channels)..], stride);
    }

    /// <summary>The region as an 8-bit image (RGB channels interleaved, <see cref="Image.IsColor"/> set) with spacing in millimetres when known.</summary>
    public Image ReadRegion(int level, long x, long y, int width, int height, byte fill = 255)
    {
        var info = Level(level);
        if (width < 1 || height < 1 || (long)width * height * Channels > Array.MaxLength)
        {
            throw new MedVoxException($"a {width}x{height} region cannot be read into one image", Path, hint: "read large regions tile by tile");
        }

        double sx = 1, sy = 1;
        if (MicronsPerPixel is { } mpp)
        {
            sx = mpp.X / 1000.0 * ((double)Levels[0].Width / info.Width);
            sy = mpp.Y / 1000.0 * ((double)Levels[0].Height / info.Height);
        }

        var geometry = new ImageGeometry(new ImageSize(width, height, 1, 1, 2), new Vector3D(sx, sy, 1), new Vector3D(x * sx, y * sy, 0), Matrix3D.Identity);
        var image = Image.Create(geometry, ElementType.UInt8, Channels);
        image.IsColor = Channels == 3;
        ReadRegion(level, x, y, width, height, image.AsSpan<byte>(), fill);
        return image;
    }

    /// <summary>Reads a region that lies inside the level into rows <paramref name="stride"/> bytes apart.</summary>
    protected abstract void ReadInside(int level, long x, long y, int width, int height, Span<byte> destination, int stride);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}
