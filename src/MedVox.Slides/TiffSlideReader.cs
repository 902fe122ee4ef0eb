using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using BitMiracle.LibTiff.Classic;
using MedVox.Slides.Tiles;

namespace MedVox.Slides;

/// <summary>
/// Reads pyramidal tiled TIFF and BigTIFF through BitMiracle.LibTiff.NET: the generic layout that scanners and
/// converters write (level 0 in the first directory, reduced levels marked NewSubfileType 1) and Aperio SVS (every
/// tiled directory is a level; the thumbnail, label and macro images are stripped and skipped). Any compression
/// libtiff decodes (JPEG, deflate, LZW, none); 8-bit grey, RGB or RGBA (alpha dropped). Each level keeps a pool of
/// libtiff handles so that threads read in parallel; decoded tiles go through a size-limited <see cref="TileCache"/>.
/// </summary>
public sealed partial class TiffSlideReader : SlideReader
{
    /// <summary>Default tile cache: 64 MB.</summary>
    public const long DefaultCacheBytes = 64L << 20;

    private const int MaxTileEdge = 16384;

    private readonly LevelInfo[] _levels;
    private readonly Dictionary<string, string> _properties = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<Tiff>[] _handles;
    private bool _disposed;

    private TiffSlideReader(string path, LevelInfo[] levels, int channels, (double, double)? mpp, bool aperio, long cacheBytes)
    {
        Path = path;
        _levels = levels;
        Channels = channels;
        MicronsPerPixel = mpp;
        Cache = new TileCache(cacheBytes);
        Format = aperio ? "aperio svs (libtiff.net)" : "tiff (libtiff.net)";
        var first = levels[0];
        Levels = [.. levels.Select((l, i) => new SlideLevel(i, l.Width, l.Height,
            ((double)first.Width / l.Width + (double)first.Height / l.Height) / 2, l.TileWidth, l.TileHeight))];
        _handles = [.. levels.Select(_ => new ConcurrentBag<Tiff>())];
    }

    public override string Path { get; }

    public override string Format { get; }

    public override IReadOnlyList<SlideLevel> Levels { get; }

    public override int Channels { get; }

    public override (double X, double Y)? MicronsPerPixel { get; }

    public override IReadOnlyDictionary<string, string> Properties => _properties;

    /// <summary>The decoded-tile cache (its budget is set when opening).</summary>
    public TileCache Cache { get; }

    /// <summary>True when the file starts with a TIFF or BigTIFF signature.</summary>
    public static bool IsTiff(string path)
    {
        Span<byte> head = stackalloc byte[4];
        using var stream = File.OpenRead(path);
        if (stream.Read(head) < 4)
        {
            return false;
        }

        return (head[0] == 'I' && head[1] == 'I' && head[2] is 42 or 43 && head[3] == 0)
            || (head[0] == 'M' && head[1] == 'M' && head[2] == 0 && head[3] is 42 or 43);
    }

    /// <summary>Opens a tiled TIFF slide; refuses files that are not TIFF, not tiled, or not 8-bit, with a one-line reason.</summary>
    public static TiffSlideReader Open(string path, long cacheBytes = DefaultCacheBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new MedVoxException("file not found", path);
        }

        if (!IsTiff(path))
        {
            throw new UnsupportedFormatException("not a TIFF file", path, hint: "give a tiled pyramidal TIFF/BigTIFF or SVS, or a format OpenSlide reads");
        }

        LibTiffMessages.EnsureInstalled();
        LibTiffMessages.Clear();
        using var tiff = Tiff.Open(path, "r")
            ?? throw new InvalidImageFileException($"libtiff cannot open it: {LibTiffMessages.LastError ?? "unknown error"}", path);
        int count = tiff.NumberOfDirectories();
        var directories = new List<LevelInfo>();
        string? description = null;
        for (short d = 0; d < count; d++)
        {
            if (!tiff.SetDirectory(d))
            {
                throw new InvalidImageFileException($"directory {d} cannot be read: {LibTiffMessages.LastError}", path);
            }

            if (d == 0)
            {
                description = tiff.GetField(TiffTag.IMAGEDESCRIPTION)?[0].ToString();
                if (!tiff.IsTiled())
                {
                    throw new UnsupportedFormatException(
                        "the TIFF is not tiled (its image is stored in strips), so it is not a whole-slide pyramid", path, "TileWidth",
                        "convert it to a tiled pyramid, e.g. vips tiffsave IN OUT --tile --pyramid --bigtiff");
                }
            }

            directories.Add(Describe(tiff, d));
        }

        bool aperio = description?.StartsWith("Aperio", StringComparison.Ordinal) == true;
        var first = directories[0];
        var levels = directories
            .Where(l => l.Tiled && (l.Directory == 0 || aperio || l.Reduced) && l.Samples == first.Samples && l.Width <= first.Width && l.Height <= first.Height)
            .OrderByDescending(l => l.Width)
            .ToArray();
        foreach (var level in levels)
        {
            Check(level, path);
        }

        var reader = new TiffSlideReader(path, levels, first.Samples == 1 ? 1 : 3, MicronsPerPixelOf(first, description, aperio), aperio, cacheBytes);
        reader.FillProperties(first, description, aperio);
        return reader;
    }

    /// <summary>Decoded tile <paramref name="tile"/> of <paramref name="level"/> (tile index in row order), through the cache.</summary>
    internal byte[] GetTile(int level, int tile)
    {
        if (Cache.TryGet(level, tile, out var cached))
        {
            return cached;
        }

        var info = _levels[level];
        if (!_handles[level].TryTake(out var handle))
        {
            handle = OpenHandle(info);
        }

        try
        {
            int bytes = info.TileWidth * info.TileHeight * info.Samples;
            var pixels = new byte[bytes];
            LibTiffMessages.Clear();
            int read = handle.ReadEncodedTile(tile, pixels, 0, bytes);
            string? warning = LibTiffMessages.LastWarning;
            if (read < 0 || (warning is not null && (warning.Contains("remature", StringComparison.Ordinal) || warning.Contains("orrupt", StringComparison.Ordinal))))
            {
                throw new InvalidImageFileException(
                    $"tile {tile} of level {level} (directory {info.Directory}) is truncated or corrupt: {LibTiffMessages.LastError ?? warning ?? "no data"}",
                    Path, hint: "the file is damaged or incompletely copied");
            }

            if (info.Samples == 4)
            {
                pixels = DropAlpha(pixels);
            }

            Cache.Add(level, tile, pixels);
            return pixels;
        }
        finally
        {
            _handles[level].Add(handle);
        }
    }

    protected override void ReadInside(int level, long x, long y, int width, int height, Span<byte> destination, int stride)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var info = _levels[level];
        int tw = info.TileWidth, th = info.TileHeight, c = Channels;
        int columns = (int)((info.Width + tw - 1) / tw);
        int firstColumn = (int)(x / tw), lastColumn = (int)((x + width - 1) / tw);
        int firstRow = (int)(y / th), lastRow = (int)((y + height - 1) / th);
        for (int row = firstRow; row <= lastRow; row++)
        {
            for (int column = firstColumn; column <= lastColumn; column++)
            {
                var pixels = GetTile(level, (row * columns) + column);
                long tileX = (long)column * tw, tileY = (long)row * th;
                int fromX = (int)Math.Max(x - tileX, 0), toX = (int)Math.Min(x + width - tileX, tw);
                int fromY = (int)Math.Max(y - tileY, 0), toY = (int)Math.Min(y + height - tileY, th);
                int length = (toX - fromX) * c;
                for (int ty = fromY; ty < toY; ty++)
                {
                    int target = ((int)(tileY + ty - y) * stride) + ((int)(tileX + fromX - x) * c);
                    pixels.AsSpan(((ty * tw) + fromX) * c, length).CopyTo(destination.Slice(target, length));
                }
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (!_disposed && disposing)
        {
            _disposed = true;
            foreach (var bag in _handles)
            {
                while (bag.TryTake(out var handle))
                {
                    handle.Dispose();
                }
            }
        }

        base.Dispose(disposing);
    }

    private Tiff OpenHandle(LevelInfo info)
    {
        LibTiffMessages.Clear();
        var handle = Tiff.Open(Path, "r")
            ?? throw new InvalidImageFileException($"libtiff cannot open it: {LibTiffMessages.LastError}", Path);
        if (!handle.SetDirectory((short)info.Directory))
        {
            handle.Dispose();
            throw new InvalidImageFileException($"directory {info.Directory} cannot be read: {LibTiffMessages.LastError}", Path);
        }

        if (info.Compression is Compression.JPEG or Compression.OJPEG && info.Photometric == Photometric.YCBCR)
        {
            // Let the JPEG codec convert to RGB (and upsample chroma) as it decodes.
            handle.SetField(TiffTag.JPEGCOLORMODE, JpegColorMode.RGB);
        }

        return handle;
    }

    private static LevelInfo Describe(Tiff tiff, short directory)
    {
        int Int(TiffTag tag) => tiff.GetField(tag)?[0].ToInt() ?? 0;
        int IntDefaulted(TiffTag tag) => tiff.GetFieldDefaulted(tag)?[0].ToInt() ?? 0;
        bool tiled = tiff.IsTiled();
        int subfile = Int(TiffTag.SUBFILETYPE);
        var compression = (Compression)IntDefaulted(TiffTag.COMPRESSION);
        var photometric = (Photometric)IntDefaulted(TiffTag.PHOTOMETRIC);
        return new LevelInfo(
            directory,
            tiled,
            (subfile & 1) != 0,
            (uint)Int(TiffTag.IMAGEWIDTH),
            (uint)Int(TiffTag.IMAGELENGTH),
            tiled ? Int(TiffTag.TILEWIDTH) : 0,
            tiled ? Int(TiffTag.TILELENGTH) : 0,
            IntDefaulted(TiffTag.SAMPLESPERPIXEL),
            IntDefaulted(TiffTag.BITSPERSAMPLE),
            IntDefaulted(TiffTag.PLANARCONFIG),
            compression,
            photometric,
            tiff.GetField(TiffTag.XRESOLUTION)?[0].ToDouble(),
            tiff.GetField(TiffTag.YRESOLUTION)?[0].ToDouble(),
            IntDefaulted(TiffTag.RESOLUTIONUNIT),
            tiff.IsCodecConfigured(compression));
    }

    private static void Check(LevelInfo level, string path)
    {
        string where = $"directory {level.Directory}";
        if (level.Width < 1 || level.Height < 1 || level.Width > int.MaxValue || level.Height > int.MaxValue)
        {
            throw new InvalidImageFileException($"{where} has an invalid size {level.Width}x{level.Height}", path, "ImageWidth");
        }

        if (level.TileWidth < 1 || level.TileHeight < 1 || level.TileWidth > MaxTileEdge || level.TileHeight > MaxTileEdge)
        {
            throw new InvalidImageFileException($"{where} has tiles of {level.TileWidth}x{level.TileHeight}", path, "TileWidth", $"tiles must be 1-{MaxTileEdge} pixels");
        }

        if (level.BitsPerSample != 8 || level.Samples is not (1 or 3 or 4))
        {
            throw new UnsupportedFormatException($"{where} has {level.Samples} sample(s) of {level.BitsPerSample} bits; slides are read as 8-bit grey, RGB or RGBA", path, "BitsPerSample");
        }

        if (level.Samples > 1 && level.PlanarConfig != 1)
        {
            throw new UnsupportedFormatException($"{where} stores colour planes separately (PlanarConfiguration 2)", path, "PlanarConfiguration");
        }

        if (!level.CodecConfigured)
        {
            throw new UnsupportedFormatException($"{where} uses compression {level.Compression}, which libtiff.net cannot decode", path, "Compression",
                "read it through OpenSlide (apt-get install libopenslide0) or convert it");
        }
    }

    private static (double, double)? MicronsPerPixelOf(LevelInfo first, string? description, bool aperio)
    {
        if (aperio && description is not null)
        {
            var match = AperioMpp().Match(description);
            if (match.Success && double.TryParse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double mpp) && mpp > 0)
            {
                return (mpp, mpp);
            }
        }

        double micronsPerUnit = first.ResolutionUnit switch
        {
            3 => 10_000,
            2 => 25_400,
            _ => 0,
        };
        if (micronsPerUnit > 0 && first.XResolution is > 0 and { } xr && first.YResolution is > 0 and { } yr)
        {
            return (micronsPerUnit / xr, micronsPerUnit / yr);
        }

        return null;
    }

    private void FillProperties(LevelInfo first, string? description, bool aperio)
    {
        _properties["openslide.vendor"] = aperio ? "aperio" : "generic-tiff";
        _properties["openslide.level-count"] = Levels.Count.ToString(CultureInfo.InvariantCulture);
        if (description is not null)
        {
            _properties["tiff.ImageDescription"] = description;
        }

        if (MicronsPerPixel is { } mpp)
        {
            _properties["openslide.mpp-x"] = mpp.X.ToString("R", CultureInfo.InvariantCulture);
            _properties["openslide.mpp-y"] = mpp.Y.ToString("R", CultureInfo.InvariantCulture);
        }

        _properties["tiff.Compression"] = first.Compression.ToString();
        _properties["tiff.Photometric"] = first.Photometric.ToString();
        for (int i = 0; i < Levels.Count; i++)
        {
            var level = Levels[i];
            string prefix = $"openslide.level[{i}].";
            _properties[prefix + "width"] = level.Width.ToString(CultureInfo.InvariantCulture);
            _properties[prefix + "height"] = level.Height.ToString(CultureInfo.InvariantCulture);
            _properties[prefix + "downsample"] = level.Downsample.ToString("R", CultureInfo.InvariantCulture);
            _properties[prefix + "tile-width"] = level.TileWidth.ToString(CultureInfo.InvariantCulture);
            _properties[prefix + "tile-height"] = level.TileHeight.ToString(CultureInfo.InvariantCulture);
        }
    }

    private static byte[] DropAlpha(byte[] rgba)
    {
        var rgb = new byte[rgba.Length / 4 * 3];
        TileCodec.PackRgb(rgba, rgb);
        return rgb;
    }

    [GeneratedRegex(@"MPP\s*=\s*([0-9.eE+-]+)")]
    private static partial Regex AperioMpp();

    private sealed record LevelInfo(
        short Directory, bool Tiled, bool Reduced, long Width, long Height, int TileWidth, int TileHeight, int Samples,
        int BitsPerSample, int PlanarConfig, Compression Compression, Photometric Photometric, double? XResolution,
        double? YResolution, int ResolutionUnit, bool CodecConfigured);
}
