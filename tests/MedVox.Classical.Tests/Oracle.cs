using System.Globalization;
using System.Runtime.InteropServices;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Classical.Tests;

/// <summary>Runs numpy/scipy/skimage snippets on raw little-endian arrays (z, y, x order) as independent oracles.</summary>
internal static class Oracle
{
    public static void Write<T>(string path, ReadOnlySpan<T> values)
        where T : unmanaged => File.WriteAllBytes(path, MemoryMarshal.AsBytes(values).ToArray());

    public static T[] Read<T>(string path)
        where T : unmanaged => MemoryMarshal.Cast<byte, T>(File.ReadAllBytes(path)).ToArray();

    /// <summary>Runs <paramref name="script"/> with argv[1] = a temp folder holding the given files; returns stdout.</summary>
    public static string Run(TempFolder folder, string script, params object[] arguments) =>
        ProcessRunner.Python(script, [folder.Path, .. arguments.Select(Format)]);

    public static T[] Pixels<T>(Image image)
        where T : unmanaged => image.AsSpan<T>().ToArray();

    private static string Format(object value) => value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
