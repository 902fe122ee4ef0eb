using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.IO;

/// <summary>What a file says about its image before any pixel is read.</summary>
/// <param name="Path">The file.</param>
/// <param name="Format">The format's name.</param>
/// <param name="Geometry">Size, spacing, origin and direction (LPS).</param>
/// <param name="StoredType">The element type as stored on disk.</param>
/// <param name="ElementType">The element type <see cref="IImageFormat.Read"/> returns (differs from the stored type when scaling applies).</param>
/// <param name="Channels">Components per pixel.</param>
/// <param name="IsColor">Whether the components are colour (RGB/RGBA).</param>
/// <param name="Fields">Format-specific header fields, for display and round trips.</param>
public sealed record ImageHeader(
    string Path,
    string Format,
    ImageGeometry Geometry,
    ElementType StoredType,
    ElementType ElementType,
    int Channels,
    bool IsColor,
    IReadOnlyDictionary<string, string> Fields);
