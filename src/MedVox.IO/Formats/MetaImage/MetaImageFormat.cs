using MedVox.Imaging;

namespace MedVox.IO.Formats.MetaImage;

/// <summary>
/// MetaImage (ITK, SimpleITK, 3D Slicer): ".mha" with the pixels after the header, or ".mhd" with a separate data file
/// (".raw", ".zraw", a LIST of files or a %d pattern of slice files). Coordinates are LPS, as in MedVox. Reads raw,
/// zlib-compressed and text data in either byte order; writes little-endian raw or zlib data.
/// </summary>
public sealed class MetaImageFormat : IImageFormat
{
    public string Name => "MetaImage";

    public IReadOnlyList<string> Extensions { get; } = [".mha", ".mhd"];

    public ImageHeader ReadHeader(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return MetaImageHeader.Parse(path).ToImageHeader();
    }

    public Image Read(string path, ImageReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        var header = MetaImageHeader.Parse(path);
        var image = header.Data.Read(header.Geometry, header.Channels, options);
        image.IsColor = header.IsColor;
        foreach (var (key, value) in header.Metadata)
        {
            image.Metadata[key] = value;
        }

        return image;
    }

    public void Write(Image image, string path, ImageWriteOptions options)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        MetaImageWriter.Write(image, path, options);
    }
}
