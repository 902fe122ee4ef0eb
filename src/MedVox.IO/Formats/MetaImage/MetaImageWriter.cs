using System.IO.Compression;
using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.IO.Formats.MetaImage;

/// <summary>
/// Writes MetaImage the way ITK's MetaImageIO does: fields in MetaIO's order (ObjectType, NDims, BinaryData, byte order,
/// CompressedData, CompressedDataSize, TransformMatrix, Offset, CenterOfRotation, AnatomicalOrientation, ElementSpacing,
/// extra fields, DimSize, ElementNumberOfChannels, ElementType, ElementDataFile), little-endian pixels, zlib when
/// compressed. Pixels are streamed slice by slice; files appear atomically.
/// </summary>
internal static class MetaImageWriter
{
    /// <summary>Room left after "CompressedDataSize = " in a .mha, filled in once the compressed size is known.</summary>
    private const int SizePlaceholderWidth = 20;

    public static void Write(Image image, string path, ImageWriteOptions options)
    {
        bool attached = path.EndsWith(".mha", StringComparison.OrdinalIgnoreCase);
        bool compress = options.Compress;
        if (attached)
        {
            using var file = AtomicFile.Create(path);
            long sizePosition = WriteHeader(file.Stream, image, compress, compressedSize: null, "LOCAL");
            long dataStart = file.Stream.Position;
            WritePixels(file.Stream, image, compress, options);
            if (compress)
            {
                long compressedSize = file.Stream.Position - dataStart;
                file.Stream.Seek(sizePosition, SeekOrigin.Begin);
                file.Stream.Write(System.Text.Encoding.ASCII.GetBytes(HeaderValues.Format(compressedSize)));
                file.Stream.Seek(0, SeekOrigin.End);
            }

            file.Commit();
        }
        else
        {
            string dataName = System.IO.Path.GetFileNameWithoutExtension(path) + (compress ? ".zraw" : ".raw");
            string dataPath = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!, dataName);
            using var data = AtomicFile.Create(dataPath);
            WritePixels(data.Stream, image, compress, options);
            long compressedSize = data.Stream.Position;
            using var header = AtomicFile.Create(path);
            WriteHeader(header.Stream, image, compress, compressedSize, dataName);
            data.Commit();
            header.Commit();
        }
    }

    /// <summary>
    /// The number of axes to write: a 2D image whose geometry leaves the z = 0 plane (a slice of a 3D scan) is written as
    /// a 3D image of one slice, so that its origin and orientation are not lost.
    /// </summary>
    internal static int Dimensions(Image image)
    {
        var g = image.Geometry;
        if (image.Size.Rank == 4)
        {
            return 4;
        }

        if (image.Size.Rank == 3)
        {
            return 3;
        }

        var d = g.Direction;
        bool planar = d[0, 2] == 0 && d[1, 2] == 0 && d[2, 0] == 0 && d[2, 1] == 0 && d[2, 2] == 1 && g.Origin.Z == 0;
        return planar ? 2 : 3;
    }

    private static long WriteHeader(Stream stream, Image image, bool compress, long? compressedSize, string dataFile)
    {
        var g = image.Geometry;
        int n = Dimensions(image);
        double timeOrigin = 0;
        if (n == 4 && image.Metadata.TryGetValue(MetaImageHeader.TimeOriginKey, out string? t) && HeaderValues.TryParseDouble(t, out double parsed) && double.IsFinite(parsed))
        {
            timeOrigin = parsed;
        }

        // TransformMatrix lists the direction of index axis 0, then axis 1, ... (see MetaImageHeader.BuildGeometry).
        var matrix = new double[n * n];
        for (int column = 0; column < n; column++)
        {
            for (int row = 0; row < n; row++)
            {
                matrix[(column * n) + row] = row < 3 && column < 3 ? g.Direction[row, column] : (row == column ? 1 : 0);
            }
        }

        double[] offset = [g.Origin.X, g.Origin.Y, g.Origin.Z, timeOrigin];
        double[] spacing = [g.Spacing.X, g.Spacing.Y, g.Spacing.Z, g.TimeSpacing];
        long[] dims = [image.Size.X, image.Size.Y, image.Size.Z, image.Size.T];

        HeaderWriter.WriteLine(stream, "ObjectType = Image");
        HeaderWriter.WriteLine(stream, $"NDims = {n}");
        HeaderWriter.WriteLine(stream, "BinaryData = True");
        HeaderWriter.WriteLine(stream, "BinaryDataByteOrderMSB = False");
        HeaderWriter.WriteLine(stream, compress ? "CompressedData = True" : "CompressedData = False");
        long sizePosition = -1;
        if (compress)
        {
            if (compressedSize is long size)
            {
                HeaderWriter.WriteLine(stream, $"CompressedDataSize = {HeaderValues.Format(size)}");
            }
            else
            {
                const string prefix = "CompressedDataSize = ";
                stream.Write(System.Text.Encoding.ASCII.GetBytes(prefix));
                sizePosition = stream.Position;
                HeaderWriter.WriteLine(stream, new string(' ', SizePlaceholderWidth));
            }
        }

        HeaderWriter.WriteLine(stream, $"TransformMatrix = {HeaderValues.Join(matrix)}");
        HeaderWriter.WriteLine(stream, $"Offset = {HeaderValues.Join(offset.AsSpan(0, n))}");
        HeaderWriter.WriteLine(stream, $"CenterOfRotation = {string.Join(' ', Enumerable.Repeat("0", n))}");
        HeaderWriter.WriteLine(stream, $"AnatomicalOrientation = {AnatomicalOrientation(g.Direction, n)}");
        HeaderWriter.WriteLine(stream, $"ElementSpacing = {HeaderValues.Join(spacing.AsSpan(0, n))}");
        foreach (var (key, value) in image.Metadata)
        {
            if (!MetaImageHeader.ModelFields.Contains(key) && IsKey(key) && HeaderWriter.IsWritable(key, value))
            {
                HeaderWriter.WriteLine(stream, $"{key} = {value}");
            }
        }

        HeaderWriter.WriteLine(stream, $"DimSize = {HeaderValues.Join(dims.AsSpan(0, n))}");
        if (image.Channels > 1)
        {
            HeaderWriter.WriteLine(stream, $"ElementNumberOfChannels = {image.Channels}");
        }

        HeaderWriter.WriteLine(stream, $"ElementType = {MetaImageHeader.TypeName(image.ElementType)}");
        HeaderWriter.WriteLine(stream, $"ElementDataFile = {dataFile}");
        return sizePosition;
    }

    private static bool IsKey(string key)
    {
        foreach (char c in key)
        {
            if (char.IsWhiteSpace(c) || c == '=')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// MetaIO's orientation acronym names the side each index axis comes from (identity LPS directions give "RAI"),
    /// the opposite of the "towards" code <see cref="Orientation.CodeFromDirection"/> returns.
    /// </summary>
    private static string AnatomicalOrientation(Matrix3D direction, int n)
    {
        string towards = Orientation.CodeFromDirection(direction);
        var from = new char[n];
        for (int i = 0; i < n; i++)
        {
            from[i] = i < 3 ? Opposite(towards[i]) : '?';
        }

        return new string(from);
    }

    private static char Opposite(char letter) => letter switch
    {
        'L' => 'R',
        'R' => 'L',
        'P' => 'A',
        'A' => 'P',
        'S' => 'I',
        _ => 'S',
    };

    private static void WritePixels(Stream stream, Image image, bool compress, ImageWriteOptions options)
    {
        if (!compress)
        {
            PixelStreams.Write(stream, image, bigEndian: false, options.Progress);
            return;
        }

        // ITK's MetaIO compresses with zlib's deflateInit (a zlib stream, not gzip).
        using var zlib = new ZLibStream(stream, options.Compression, leaveOpen: true);
        PixelStreams.Write(zlib, image, bigEndian: false, options.Progress);
    }
}
