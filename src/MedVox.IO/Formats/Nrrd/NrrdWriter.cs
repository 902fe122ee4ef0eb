using System.IO.Compression;
using MedVox.Imaging;
using MedVox.IO.Formats.MetaImage;

namespace MedVox.IO.Formats.Nrrd;

/// <summary>
/// Writes NRRD0004 as ITK's NrrdImageIO and 3D Slicer do: type, dimension, space (left-posterior-superior), sizes,
/// space directions (none for the channel axis), kinds, endian, encoding, space origin; key/value pairs from the
/// metadata. A 4D image is written in a 4D space ("space dimension: 4", as ITK does) whose fourth axis runs along time.
/// Attached (.nrrd) or detached (.nhdr + .raw or .raw.gz); gzip when compressing; streamed slice by slice.
/// </summary>
internal static class NrrdWriter
{
    public static void Write(Image image, string path, ImageWriteOptions options)
    {
        bool detached = path.EndsWith(".nhdr", StringComparison.OrdinalIgnoreCase);
        if (!detached)
        {
            using var file = AtomicFile.Create(path);
            WriteHeader(file.Stream, image, options.Compress, dataFile: null);
            WritePixels(file.Stream, image, options);
            file.Commit();
            return;
        }

        string dataName = System.IO.Path.GetFileNameWithoutExtension(path) + (options.Compress ? ".raw.gz" : ".raw");
        string dataPath = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!, dataName);
        using var data = AtomicFile.Create(dataPath);
        WritePixels(data.Stream, image, options);
        using var header = AtomicFile.Create(path);
        WriteHeader(header.Stream, image, options.Compress, dataName);
        data.Commit();
        header.Commit();
    }

    private static string Vector(params double[] values) => "(" + HeaderValues.Join(values, ",") + ")";

    private static void WriteHeader(Stream stream, Image image, bool compress, string? dataFile)
    {
        var g = image.Geometry;
        // Same rule as MetaImage: a 2D image off the z = 0 plane becomes one slice of a volume so its geometry survives;
        // a planar one is written in a 2D space as ITK does (ITK cannot read two axes in a 3D space).
        int spatial = MetaImageWriter.Dimensions(image) == 2 ? 2 : 3;
        bool time = image.Size.Rank == 4;
        bool channels = image.Channels > 1;
        int spaceDimension = time ? 4 : spatial;
        var sizes = new List<long>();
        var directions = new List<string>();
        var kinds = new List<string>();
        if (channels)
        {
            sizes.Add(image.Channels);
            directions.Add("none");
            kinds.Add(image.IsColor && image.Channels == 3 ? "RGB-color" : image.IsColor && image.Channels == 4 ? "RGBA-color" : "vector");
        }

        for (int axis = 0; axis < spatial; axis++)
        {
            var column = g.Direction.Column(axis) * g.Spacing[axis];
            double[] v = spaceDimension switch
            {
                2 => [column.X, column.Y],
                3 => [column.X, column.Y, column.Z],
                _ => [column.X, column.Y, column.Z, 0],
            };
            sizes.Add(image.Size[axis]);
            directions.Add(Vector(v));
            kinds.Add("domain");
        }

        double timeOrigin = 0;
        if (time)
        {
            sizes.Add(image.Size.T);
            directions.Add(Vector(0, 0, 0, g.TimeSpacing));
            kinds.Add("domain");
            if (image.Metadata.TryGetValue(NrrdHeader.TimeOriginKey, out string? t) && HeaderValues.TryParseDouble(t, out double parsed) && double.IsFinite(parsed))
            {
                timeOrigin = parsed;
            }
        }

        HeaderWriter.WriteLine(stream, "NRRD0004");
        HeaderWriter.WriteLine(stream, "# Complete NRRD file format specification at:");
        HeaderWriter.WriteLine(stream, "# http://teem.sourceforge.net/nrrd/format.html");
        if (image.Metadata.TryGetValue(NrrdHeader.ContentKey, out string? content) && HeaderWriter.IsWritable("content", content))
        {
            HeaderWriter.WriteLine(stream, $"content: {content}");
        }

        HeaderWriter.WriteLine(stream, $"type: {NrrdTypes.TypeName(image.ElementType)}");
        HeaderWriter.WriteLine(stream, $"dimension: {sizes.Count}");
        if (spaceDimension == 3)
        {
            string space = image.Metadata.TryGetValue(NrrdHeader.SpaceKey, out string? named) && NrrdSpace.Parse(named) is { Anatomical: false, Dimension: 3 } other
                ? other.Name
                : NrrdSpace.Lps;
            HeaderWriter.WriteLine(stream, $"space: {space}");
        }
        else
        {
            HeaderWriter.WriteLine(stream, $"space dimension: {spaceDimension}");
        }

        HeaderWriter.WriteLine(stream, $"sizes: {HeaderValues.Join(sizes.ToArray())}");
        HeaderWriter.WriteLine(stream, $"space directions: {string.Join(' ', directions)}");
        HeaderWriter.WriteLine(stream, $"kinds: {string.Join(' ', kinds)}");
        if (image.ElementType.Size() > 1)
        {
            HeaderWriter.WriteLine(stream, "endian: little");
        }

        HeaderWriter.WriteLine(stream, compress ? "encoding: gzip" : "encoding: raw");
        HeaderWriter.WriteLine(stream, spaceDimension switch
        {
            2 => $"space origin: {Vector(g.Origin.X, g.Origin.Y)}",
            3 => $"space origin: {Vector(g.Origin.X, g.Origin.Y, g.Origin.Z)}",
            _ => $"space origin: {Vector(g.Origin.X, g.Origin.Y, g.Origin.Z, timeOrigin)}",
        });
        if (spaceDimension == 3 && image.Metadata.TryGetValue(NrrdHeader.MeasurementFrameKey, out string? frame) && HeaderWriter.IsWritable("measurement frame", frame))
        {
            HeaderWriter.WriteLine(stream, $"measurement frame: {frame}");
        }

        if (dataFile is not null)
        {
            HeaderWriter.WriteLine(stream, $"data file: {dataFile}");
        }

        foreach (var (key, value) in image.Metadata)
        {
            // Keys of fields written above, keys a reader would take for a comment or split wrongly, and carriage returns
            // (which escaping does not cover) are left out.
            if (key.StartsWith("NRRD_", StringComparison.Ordinal) || key == NrrdHeader.TimeOriginKey || key.StartsWith('#')
                || key.Contains(":=", StringComparison.Ordinal) || key.Contains('\r', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal) || key.Length == 0)
            {
                continue;
            }

            HeaderWriter.WriteLine(stream, $"{NrrdHeader.Escape(key)}:={NrrdHeader.Escape(value)}");
        }

        HeaderWriter.WriteLine(stream, string.Empty);
    }

    private static void WritePixels(Stream stream, Image image, ImageWriteOptions options)
    {
        if (!options.Compress)
        {
            PixelStreams.Write(stream, image, bigEndian: false, options.Progress);
            return;
        }

        using var gzip = new GZipStream(stream, options.Compression, leaveOpen: true);
        PixelStreams.Write(gzip, image, bigEndian: false, options.Progress);
    }
}
