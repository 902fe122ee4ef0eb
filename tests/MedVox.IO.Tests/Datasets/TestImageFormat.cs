using System.Text;
using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.IO.Tests.Datasets;

/// <summary>
/// A minimal image format for tests of format-independent code (".mvt": magic, size, type, channels, spacing, origin,
/// direction, then the pixels), so that dataset code is tested whatever formats are registered.
/// </summary>
public sealed class TestImageFormat : IImageFormat
{
    public const string Ending = ".mvt";
    private static readonly object Gate = new();
    private static bool _registered;

    public string Name => "MedVox test";

    public IReadOnlyList<string> Extensions => [Ending];

    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (!_registered)
            {
                ImageFile.Register(new TestImageFormat());
                _registered = true;
            }
        }
    }

    public ImageHeader ReadHeader(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.ASCII);
        var (geometry, type, channels) = ReadHead(reader, path);
        return new ImageHeader(path, Name, geometry, type, type, channels, false, new Dictionary<string, string>());
    }

    public Image Read(string path, ImageReadOptions options)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.ASCII);
        var (geometry, type, channels) = ReadHead(reader, path);
        var image = Image.Create(geometry, type, channels);
        PixelStreams.ReadInto(stream, image, bigEndian: false, path);
        return image;
    }

    public void Write(Image image, string path, ImageWriteOptions options)
    {
        using var file = AtomicFile.Create(path);
        using (var writer = new BinaryWriter(file.Stream, Encoding.ASCII, leaveOpen: true))
        {
            var g = image.Geometry;
            writer.Write("MVT1"u8);
            writer.Write(g.Size.Rank);
            writer.Write(g.Size.X);
            writer.Write(g.Size.Y);
            writer.Write(g.Size.Z);
            writer.Write((int)image.ElementType);
            writer.Write(image.Channels);
            for (int a = 0; a < 3; a++)
            {
                writer.Write(g.Spacing[a]);
            }

            for (int a = 0; a < 3; a++)
            {
                writer.Write(g.Origin[a]);
            }

            for (int r = 0; r < 3; r++)
            {
                for (int c = 0; c < 3; c++)
                {
                    writer.Write(g.Direction[r, c]);
                }
            }
        }

        PixelStreams.Write(file.Stream, image, bigEndian: false);
        file.Commit();
    }

    private static (ImageGeometry, ElementType, int) ReadHead(BinaryReader reader, string path)
    {
        try
        {
            if (!reader.ReadBytes(4).AsSpan().SequenceEqual("MVT1"u8))
            {
                throw new InvalidImageFileException("not a MedVox test image", path, "magic");
            }

            int rank = reader.ReadInt32(), x = reader.ReadInt32(), y = reader.ReadInt32(), z = reader.ReadInt32();
            var type = (ElementType)reader.ReadInt32();
            int channels = reader.ReadInt32();
            var spacing = new Vector3D(reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble());
            var origin = new Vector3D(reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble());
            Span<double> d = stackalloc double[9];
            for (int i = 0; i < 9; i++)
            {
                d[i] = reader.ReadDouble();
            }

            return (new ImageGeometry(new ImageSize(x, y, z, 1, rank), spacing, origin, Matrix3D.FromRowMajor(d)), type, channels);
        }
        catch (Exception ex) when (ex is EndOfStreamException or ArgumentException)
        {
            throw new InvalidImageFileException("header is cut short or invalid", path, hint: ex.Message);
        }
    }
}
