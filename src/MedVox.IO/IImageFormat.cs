using MedVox.Imaging;

namespace MedVox.IO;

/// <summary>A file format MedVox reads and writes. Implementations are stateless and thread-safe.</summary>
public interface IImageFormat
{
    /// <summary>Short name shown to users ("NIfTI", "MetaImage", ...).</summary>
    string Name { get; }

    /// <summary>File name endings, lower case with the dot (".nii.gz", ".nii", ...).</summary>
    IReadOnlyList<string> Extensions { get; }

    /// <summary>Reads geometry, type and header fields without reading pixels.</summary>
    ImageHeader ReadHeader(string path);

    Image Read(string path, ImageReadOptions options);

    /// <summary>Writes atomically: the target appears complete or not at all.</summary>
    void Write(Image image, string path, ImageWriteOptions options);
}
