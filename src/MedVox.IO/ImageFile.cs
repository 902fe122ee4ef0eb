using MedVox.Imaging;

namespace MedVox.IO;

/// <summary>Reads and writes images in any registered format, chosen by file name ending.</summary>
public static class ImageFile
{
    private static readonly List<IImageFormat> Registered = [new Formats.Nifti.NiftiFormat(), new Formats.MetaImage.MetaImageFormat(), new Formats.Nrrd.NrrdFormat()];

    public static IReadOnlyList<IImageFormat> Formats
    {
        get
        {
            lock (Registered)
            {
                return [.. Registered];
            }
        }
    }

    /// <summary>Adds a format (later registrations win for the same ending).</summary>
    public static void Register(IImageFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        lock (Registered)
        {
            Registered.Insert(0, format);
        }
    }

    /// <summary>The format for <paramref name="path"/> by its longest matching ending, or null.</summary>
    public static IImageFormat? FindFormat(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string name = System.IO.Path.GetFileName(path).ToLowerInvariant();
        IImageFormat? best = null;
        int bestLength = 0;
        foreach (var format in Formats)
        {
            foreach (var extension in format.Extensions)
            {
                if (name.EndsWith(extension, StringComparison.Ordinal) && extension.Length > bestLength)
                {
                    best = format;
                    bestLength = extension.Length;
                }
            }
        }

        return best;
    }

    public static IImageFormat GetFormat(string path) => FindFormat(path) ?? throw new UnsupportedFormatException(
        "unknown image format",
        path,
        hint: $"use one of {string.Join(", ", Formats.SelectMany(f => f.Extensions))}");

    public static ImageHeader ReadHeader(string path)
    {
        RequireFile(path);
        var format = GetFormat(path);
        return format.ReadHeader(path);
    }

    public static Image Read(string path, ImageReadOptions? options = null)
    {
        RequireFile(path);
        var format = GetFormat(path);
        return format.Read(path, options ?? ImageReadOptions.Default);
    }

    public static void Write(Image image, string path, ImageWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        var format = GetFormat(path);
        string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new MedVoxException("the output folder does not exist", directory, hint: "create it first");
        }

        format.Write(image, path, options ?? ImageWriteOptions.Default);
    }

    private static void RequireFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new MedVoxException(Directory.Exists(path) ? "is a folder, not an image file" : "no such file", path);
        }
    }
}
