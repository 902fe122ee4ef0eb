using System.Globalization;
using BitMiracle.LibTiff.Classic;

namespace MedVox.Slides.Tiles;

/// <summary>
/// Collects LibTiff.NET's errors and warnings per thread instead of letting them go to the console (its default), so
/// that a failed call can be turned into one clear message. Installed once for the process.
/// </summary>
internal sealed class LibTiffMessages : TiffErrorHandler
{
    [ThreadStatic]
    private static string? _lastError;

    [ThreadStatic]
    private static string? _lastWarning;

    private static readonly Lazy<bool> Installed = new(() =>
    {
        Tiff.SetErrorHandler(new LibTiffMessages());
        return true;
    });

    public static void EnsureInstalled() => _ = Installed.Value;

    /// <summary>Clears this thread's messages before a call.</summary>
    public static void Clear()
    {
        _lastError = null;
        _lastWarning = null;
    }

    public static string? LastError => _lastError;

    public static string? LastWarning => _lastWarning;

    public override void ErrorHandler(Tiff tif, string method, string format, params object[] args) =>
        _lastError = Format(method, format, args);

    public override void ErrorHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args)
    {
    }

    public override void WarningHandler(Tiff tif, string method, string format, params object[] args) =>
        _lastWarning = Format(method, format, args);

    public override void WarningHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args)
    {
    }

    private static string Format(string method, string format, object[] args)
    {
        string text;
        try
        {
            text = args.Length > 0 ? string.Format(CultureInfo.InvariantCulture, format, args) : format;
        }
        catch (FormatException)
        {
            text = format;
        }

        return (string.IsNullOrEmpty(method) ? text : $"{method}: {text}").ReplaceLineEndings(" ").Trim();
    }
}
