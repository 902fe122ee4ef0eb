using System.Globalization;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.IO;

namespace MedVox.Evaluation.Tests;

/// <summary>
/// A test-only label-map format (".mvlab"): one text line "MVLAB nx ny nz sx sy sz ox oy oz d00 .. d22 type", then
/// the raw pixels, little endian. It lets the folder-level evaluation be tested without any real format reader.
/// </summary>
internal sealed class TestLabelFormat : IImageFormat
{
    public static readonly TestLabelFormat Instance = new();

    private static readonly Lock RegistrationLock = new();
    private static bool _registered;

    public string Name => "Test label map";

    public IReadOnlyList<string> Extensions { get; } = [".mvlab"];

    public static void Register()
    {
        lock (RegistrationLock)
        {
            if (!_registered)
            {
                ImageFile.Register(Instance);
                _registered = true;
            }
        }
    }

    public ImageHeader ReadHeader(string path)
    {
        using var stream = File.OpenRead(path);
        var (geometry, type) = ParseHeader(stream, path);
        return new ImageHeader(path, Name, geometry, type, type, 1, false, new Dictionary<string, string>());
    }

    public Image Read(string path, ImageReadOptions options)
    {
        using var stream = File.OpenRead(path);
        var (geometry, type) = ParseHeader(stream, path);
        var image = Image.Create(geometry, type);
        try
        {
            PixelStreams.ReadInto(stream, image, bigEndian: false, path);
        }
        catch
        {
            image.Dispose();
            throw;
        }

        return image;
    }

    public void Write(Image image, string path, ImageWriteOptions options)
    {
        var g = image.Geometry;
        var d = g.Direction;
        FormattableString header = $"MVLAB {g.Size.X} {g.Size.Y} {g.Size.Z} {g.Spacing.X:R} {g.Spacing.Y:R} {g.Spacing.Z:R} {g.Origin.X:R} {g.Origin.Y:R} {g.Origin.Z:R} {d[0, 0]:R} {d[0, 1]:R} {d[0, 2]:R} {d[1, 0]:R} {d[1, 1]:R} {d[1, 2]:R} {d[2, 0]:R} {d[2, 1]:R} {d[2, 2]:R} {image.ElementType.Name()}\n";
        using var file = AtomicFile.Create(path);
        file.Stream.Write(System.Text.Encoding.ASCII.GetBytes(FormattableString.Invariant(header)));
        PixelStreams.Write(file.Stream, image, bigEndian: false);
        file.Commit();
    }

    private static (ImageGeometry Geometry, ElementType Type) ParseHeader(Stream stream, string path)
    {
        var line = new List<byte>();
        int b;
        while ((b = stream.ReadByte()) >= 0 && b != '\n' && line.Count < 1024)
        {
            line.Add((byte)b);
        }

        var fields = System.Text.Encoding.ASCII.GetString([.. line]).Split(' ');
        if (fields.Length != 20 || fields[0] != "MVLAB" || !ElementTypeExtensions.TryParse(fields[19], out var type))
        {
            throw new InvalidImageFileException("is not a test label map", path, "header");
        }

        double F(int i) => double.Parse(fields[i], CultureInfo.InvariantCulture);
        int I(int i) => int.Parse(fields[i], CultureInfo.InvariantCulture);
        var geometry = new ImageGeometry(
            ImageSize.Of3D(I(1), I(2), I(3)),
            new Vector3D(F(4), F(5), F(6)),
            new Vector3D(F(7), F(8), F(9)),
            new Matrix3D(F(10), F(11), F(12), F(13), F(14), F(15), F(16), F(17), F(18)));
        return (geometry, type);
    }
}
