using System.Globalization;
using System.Runtime.InteropServices;

namespace MedVox.Slides;

/// <summary>
/// Reads the slide formats OpenSlide knows (Hamamatsu NDPI/VMS, MIRAX MRXS, Leica SCN, Ventana, Philips, Sakura,
/// Aperio, generic TIFF) through the system's libopenslide (Debian: libopenslide0), loaded at run time: when the
/// library is missing, <see cref="IsAvailable"/> is false and opening says how to install it. OpenSlide returns
/// premultiplied ARGB; opaque pixels come out as their RGB, transparent ones (outside the scanned area) as the fill.
/// </summary>
public sealed unsafe class OpenSlideReader : SlideReader
{
    private static readonly Lazy<Api?> Library = new(Api.Load, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly Dictionary<string, string> _properties = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private nint _handle;

    private OpenSlideReader(string path, nint handle, Api api)
    {
        Path = path;
        _handle = handle;
        int count = api.GetLevelCount(handle);
        var levels = new List<SlideLevel>();
        for (int i = 0; i < count; i++)
        {
            long w, h;
            api.GetLevelDimensions(handle, i, &w, &h);
            levels.Add(new SlideLevel(i, w, h, api.GetLevelDownsample(handle, i), 0, 0));
        }

        Levels = levels;
        byte** names = api.GetPropertyNames(handle);
        for (int i = 0; names is not null && names[i] is not null; i++)
        {
            string name = Marshal.PtrToStringUTF8((nint)names[i])!;
            _properties[name] = Marshal.PtrToStringUTF8(api.GetPropertyValue(handle, names[i])) ?? string.Empty;
        }

        for (int i = 0; i < count; i++)
        {
            string prefix = $"openslide.level[{i}].tile-";
            if (_properties.TryGetValue(prefix + "width", out var tw) && _properties.TryGetValue(prefix + "height", out var th)
                && int.TryParse(tw, CultureInfo.InvariantCulture, out int tileWidth) && int.TryParse(th, CultureInfo.InvariantCulture, out int tileHeight))
            {
                levels[i] = levels[i] with { TileWidth = tileWidth, TileHeight = tileHeight };
            }
        }

        string vendor = _properties.GetValueOrDefault("openslide.vendor", "unknown");
        Format = $"openslide ({vendor})";
        if (TryProperty("openslide.mpp-x", out double mx) && TryProperty("openslide.mpp-y", out double my))
        {
            MicronsPerPixel = (mx, my);
        }
    }

    /// <summary>Whether libopenslide could be loaded in this process.</summary>
    public static bool IsAvailable => Library.Value is not null;

    /// <summary>OpenSlide's version, or null when the library is missing.</summary>
    public static string? Version => Library.Value is { } api ? Marshal.PtrToStringUTF8(api.GetVersion()) : null;

    public override string Path { get; }

    public override string Format { get; }

    public override IReadOnlyList<SlideLevel> Levels { get; }

    public override int Channels => 3;

    public override (double X, double Y)? MicronsPerPixel { get; }

    public override IReadOnlyDictionary<string, string> Properties => _properties;

    /// <summary>The vendor OpenSlide recognises the file as, or null when it does not (or the library is missing).</summary>
    public static string? DetectVendor(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Library.Value is not { } api)
        {
            return null;
        }

        var name = Utf8(path);
        fixed (byte* p = name)
        {
            return Marshal.PtrToStringUTF8(api.DetectVendor(p));
        }
    }

    public static OpenSlideReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new MedVoxException("file not found", path);
        }

        var api = Library.Value ?? throw new UnsupportedFormatException(
            "reading this format needs OpenSlide, and libopenslide is not installed", path,
            hint: "apt-get install libopenslide0 (or your system's OpenSlide 3.4+ package)");
        var name = Utf8(path);
        nint handle;
        fixed (byte* p = name)
        {
            handle = api.Open(p);
        }

        if (handle == 0)
        {
            throw new UnsupportedFormatException("OpenSlide does not recognise this file as a slide", path,
                hint: "supported: tiled TIFF/BigTIFF, SVS, NDPI, VMS, MRXS, SCN, BIF, Philips TIFF, Ventana, Sakura");
        }

        string? error = Marshal.PtrToStringUTF8(api.GetError(handle));
        if (error is not null)
        {
            api.Close(handle);
            throw new InvalidImageFileException($"OpenSlide cannot read it: {error}", path);
        }

        return new OpenSlideReader(path, handle, api);
    }

    protected override void ReadInside(int level, long x, long y, int width, int height, Span<byte> destination, int stride)
    {
        var api = Library.Value!;
        double downsample = Levels[level].Downsample;
        var argb = new uint[(long)width * height];
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_handle == 0, this);
            fixed (uint* p = argb)
            {
                // OpenSlide positions regions in level-0 pixels.
                api.ReadRegion(_handle, p, (long)Math.Round(x * downsample), (long)Math.Round(y * downsample), level, width, height);
            }

            string? error = Marshal.PtrToStringUTF8(api.GetError(_handle));
            if (error is not null)
            {
                throw new InvalidImageFileException($"OpenSlide failed to read level {level} at ({x}, {y}): {error}", Path);
            }
        }

        for (int row = 0; row < height; row++)
        {
            var target = destination.Slice(row * stride, width * 3);
            var source = argb.AsSpan(row * width, width);
            for (int i = 0; i < width; i++)
            {
                uint pixel = source[i];
                uint a = pixel >> 24;
                byte r = (byte)(pixel >> 16), g = (byte)(pixel >> 8), b = (byte)pixel;
                if (a == 0)
                {
                    target[i * 3] = target[(i * 3) + 1] = target[(i * 3) + 2] = 255;
                    continue;
                }

                if (a != 255)
                {
                    r = (byte)Math.Min(255, r * 255 / a);
                    g = (byte)Math.Min(255, g * 255 / a);
                    b = (byte)Math.Min(255, b * 255 / a);
                }

                target[i * 3] = r;
                target[(i * 3) + 1] = g;
                target[(i * 3) + 2] = b;
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        lock (_gate)
        {
            if (_handle != 0)
            {
                Library.Value!.Close(_handle);
                _handle = 0;
            }
        }

        base.Dispose(disposing);
    }

    private bool TryProperty(string name, out double value)
    {
        value = 0;
        return _properties.TryGetValue(name, out var text)
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value > 0;
    }

    private static byte[] Utf8(string text) => System.Text.Encoding.UTF8.GetBytes(text + "\0");

    /// <summary>The C functions, resolved once from libopenslide.</summary>
    private sealed class Api
    {
        public required delegate* unmanaged<byte*, nint> DetectVendor { get; init; }

        public required delegate* unmanaged<byte*, nint> Open { get; init; }

        public required delegate* unmanaged<nint, void> Close { get; init; }

        public required delegate* unmanaged<nint, nint> GetError { get; init; }

        public required delegate* unmanaged<nint, int> GetLevelCount { get; init; }

        public required delegate* unmanaged<nint, int, long*, long*, void> GetLevelDimensions { get; init; }

        public required delegate* unmanaged<nint, int, double> GetLevelDownsample { get; init; }

        public required delegate* unmanaged<nint, uint*, long, long, int, long, long, void> ReadRegion { get; init; }

        public required delegate* unmanaged<nint, byte**> GetPropertyNames { get; init; }

        public required delegate* unmanaged<nint, byte*, nint> GetPropertyValue { get; init; }

        public required delegate* unmanaged<nint> GetVersion { get; init; }

        public static Api? Load()
        {
            nint library = 0;
            foreach (var name in (string[])["libopenslide.so.1", "libopenslide.so.0", "libopenslide.so", "libopenslide.1.dylib", "libopenslide.0.dylib", "libopenslide-1.dll", "libopenslide-0.dll"])
            {
                if (NativeLibrary.TryLoad(name, out library))
                {
                    break;
                }
            }

            if (library == 0)
            {
                return null;
            }

            nint F(string name) => NativeLibrary.TryGetExport(library, name, out var f) ? f : 0;
            nint[] functions =
            [
                F("openslide_detect_vendor"), F("openslide_open"), F("openslide_close"), F("openslide_get_error"),
                F("openslide_get_level_count"), F("openslide_get_level_dimensions"), F("openslide_get_level_downsample"),
                F("openslide_read_region"), F("openslide_get_property_names"), F("openslide_get_property_value"),
                F("openslide_get_version"),
            ];
            if (Array.IndexOf(functions, 0) >= 0)
            {
                return null;
            }

            return new Api
            {
                DetectVendor = (delegate* unmanaged<byte*, nint>)functions[0],
                Open = (delegate* unmanaged<byte*, nint>)functions[1],
                Close = (delegate* unmanaged<nint, void>)functions[2],
                GetError = (delegate* unmanaged<nint, nint>)functions[3],
                GetLevelCount = (delegate* unmanaged<nint, int>)functions[4],
                GetLevelDimensions = (delegate* unmanaged<nint, int, long*, long*, void>)functions[5],
                GetLevelDownsample = (delegate* unmanaged<nint, int, double>)functions[6],
                ReadRegion = (delegate* unmanaged<nint, uint*, long, long, int, long, long, void>)functions[7],
                GetPropertyNames = (delegate* unmanaged<nint, byte**>)functions[8],
                GetPropertyValue = (delegate* unmanaged<nint, byte*, nint>)functions[9],
                GetVersion = (delegate* unmanaged<nint>)functions[10],
            };
        }
    }
}
