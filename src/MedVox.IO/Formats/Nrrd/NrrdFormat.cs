using MedVox.Imaging;

namespace MedVox.IO.Formats.Nrrd;

/// <summary>
/// NRRD (teem; 3D Slicer's and ITK's research format): ".nrrd" with the data after the header, or a detached ".nhdr"
/// header naming its data file(s). Reads raw, gzip, ascii and hex encodings in either byte order, RAS/LAS/LPS and
/// unnamed spaces (converted to LPS), vector and colour axes as channels, and a last list or time axis as frames.
/// Writes NRRD0004 in LPS space, raw or gzip, little-endian.
/// </summary>
public sealed class NrrdFormat : IImageFormat
{
    public string Name => "NRRD";

    public IReadOnlyList<string> Extensions { get; } = [".nrrd", ".nhdr"];

    public ImageHeader ReadHeader(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return NrrdHeader.Parse(path).ToImageHeader();
    }

    public Image Read(string path, ImageReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        var header = NrrdHeader.Parse(path);
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
        NrrdWriter.Write(image, path, options);
    }
}
