using System.Globalization;
using System.Numerics;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.IO;
using MedVox.IO.Datasets;

namespace MedVox.Learning.Data;

/// <summary>One case read and checked: every channel as a float32 scalar volume, the label as uint8, one geometry.</summary>
internal sealed class LoadedCase : IDisposable
{
    public required string Id { get; init; }

    public required ImageGeometry Geometry { get; init; }

    public required List<Image> Channels { get; init; }

    public Image? Label { get; init; }

    public void Dispose()
    {
        foreach (var channel in Channels)
        {
            channel.Dispose();
        }

        Label?.Dispose();
    }
}

/// <summary>
/// Reads a case of a segmentation dataset and checks it before anything is computed from it: channel count, the
/// geometry of every channel and of the label, finite intensities, label values declared in dataset.json. Each
/// problem is one <see cref="MedVoxException"/> naming the file.
/// </summary>
internal static class CaseReader
{
    /// <summary>Largest difference (mm, and for direction cosines) between the geometries of a case's files.</summary>
    public const double GeometryTolerance = 1e-3;

    public static LoadedCase Load(DatasetCase datasetCase, int channelCount, IReadOnlySet<int> declaredLabels, bool requireLabel, CancellationToken cancellation = default)
    {
        var channels = new List<Image>();
        ImageGeometry? geometry = null;
        string? firstPath = null;
        Image? label = null;
        try
        {
            foreach (var path in datasetCase.ImagePaths)
            {
                cancellation.ThrowIfCancellationRequested();
                using var image = ImageFile.Read(path);
                var frameGeometry = FrameGeometry(image.Geometry);
                if (geometry is null)
                {
                    geometry = frameGeometry;
                    firstPath = path;
                }
                else
                {
                    CheckSameGeometry(geometry, firstPath!, frameGeometry, path, "image");
                }

                for (int t = 0; t < image.Size.T; t++)
                {
                    for (int c = 0; c < image.Channels; c++)
                    {
                        channels.Add(ExtractChannel(image, frameGeometry, t, c, path));
                    }
                }
            }

            if (geometry is null)
            {
                throw new MedVoxException($"case {datasetCase.Id} has no image file", hint: "check imagesTr/");
            }

            if (channels.Count != channelCount)
            {
                throw new MedVoxException(
                    $"case {datasetCase.Id} has {channels.Count} channel(s) but dataset.json declares {channelCount}",
                    firstPath,
                    "channel_names",
                    "give every case one file per declared channel (CASE_0000, CASE_0001...)");
            }

            if (datasetCase.LabelPath is { } labelPath)
            {
                cancellation.ThrowIfCancellationRequested();
                if (requireLabel || File.Exists(labelPath))
                {
                    label = ReadLabel(labelPath, geometry, firstPath!, declaredLabels);
                }
            }
            else if (requireLabel)
            {
                throw new MedVoxException($"case {datasetCase.Id} has no label", firstPath, hint: "training cases need a label in labelsTr/");
            }

            return new LoadedCase { Id = datasetCase.Id, Geometry = geometry, Channels = channels, Label = label };
        }
        catch
        {
            foreach (var channel in channels)
            {
                channel.Dispose();
            }

            label?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A case from images in memory (each scalar or multi-component, one frame or several), with the same checks as
    /// files get; problems name "channel N" and "label".
    /// </summary>
    public static LoadedCase FromImages(string id, IReadOnlyList<Image> images, Image? label, IReadOnlySet<int> declaredLabels)
    {
        var channels = new List<Image>();
        Image? labelMap = null;
        try
        {
            ImageGeometry? geometry = null;
            for (int i = 0; i < images.Count; i++)
            {
                var image = images[i];
                string name = $"channel {i}";
                var frameGeometry = FrameGeometry(image.Geometry);
                if (geometry is null)
                {
                    geometry = frameGeometry;
                }
                else
                {
                    CheckSameGeometry(geometry, "channel 0", frameGeometry, name, "image");
                }

                for (int t = 0; t < image.Size.T; t++)
                {
                    for (int c = 0; c < image.Channels; c++)
                    {
                        channels.Add(ExtractChannel(image, frameGeometry, t, c, name));
                    }
                }
            }

            if (geometry is null)
            {
                throw new MedVoxException($"case {id} has no image");
            }

            if (label is not null)
            {
                labelMap = ConvertLabel(label, "label", geometry, "channel 0", declaredLabels);
            }

            return new LoadedCase { Id = id, Geometry = geometry, Channels = channels, Label = labelMap };
        }
        catch
        {
            foreach (var channel in channels)
            {
                channel.Dispose();
            }

            labelMap?.Dispose();
            throw;
        }
    }

    /// <summary>The geometry of one frame (time dropped, rank kept up to 3).</summary>
    private static ImageGeometry FrameGeometry(ImageGeometry geometry)
    {
        var size = geometry.Size;
        return geometry.WithSize(new ImageSize(size.X, size.Y, size.Z, 1, Math.Min(size.Rank, 3)));
    }

    private static void CheckSameGeometry(ImageGeometry expected, string expectedPath, ImageGeometry actual, string path, string what)
    {
        if (expected.Size.X != actual.Size.X || expected.Size.Y != actual.Size.Y || expected.Size.Z != actual.Size.Z)
        {
            throw new MedVoxException(
                $"{what} size {actual.Size} does not match {Path.GetFileName(expectedPath)} ({expected.Size})",
                path,
                hint: $"the {what} must lie on the same voxel grid as the case's first image");
        }

        if (Vector3D.MaxAbsDifference(expected.Spacing, actual.Spacing) > GeometryTolerance
            || Vector3D.MaxAbsDifference(expected.Origin, actual.Origin) > GeometryTolerance
            || Matrix3D.MaxAbsDifference(expected.Direction, actual.Direction) > GeometryTolerance)
        {
            throw new MedVoxException(
                $"{what} geometry (spacing {actual.Spacing}, origin {actual.Origin}, {actual.OrientationCode}) does not match {Path.GetFileName(expectedPath)} (spacing {expected.Spacing}, origin {expected.Origin}, {expected.OrientationCode})",
                path,
                hint: $"resample the {what} onto the image grid or fix its header");
        }
    }

    private static Image ExtractChannel(Image image, ImageGeometry geometry, int frame, int component, string path)
    {
        var channel = Image.Create(geometry, ElementType.Float32);
        try
        {
            var visitor = new ChannelVisitor(image, channel, frame, component, path);
            image.ElementType.Dispatch(ref visitor);
            return channel;
        }
        catch
        {
            channel.Dispose();
            throw;
        }
    }

    private static Image ReadLabel(string path, ImageGeometry geometry, string imagePath, IReadOnlySet<int> declared)
    {
        using var source = ImageFile.Read(path);
        return ConvertLabel(source, path, geometry, imagePath, declared);
    }

    private static Image ConvertLabel(Image source, string path, ImageGeometry geometry, string imagePath, IReadOnlySet<int> declared)
    {
        if (source.Channels != 1 || source.Size.T != 1)
        {
            throw new MedVoxException($"a label map must have one channel and one frame, this one has {source.Channels} channel(s) and {source.Size.T} frame(s)", path);
        }

        CheckSameGeometry(geometry, imagePath, FrameGeometry(source.Geometry), path, "label");
        var allowed = new bool[256];
        foreach (int value in declared)
        {
            if (value is >= 0 and <= 255)
            {
                allowed[value] = true;
            }
        }

        var label = Image.Create(geometry, ElementType.UInt8);
        try
        {
            var visitor = new LabelVisitor(source, label, allowed, path);
            source.ElementType.Dispatch(ref visitor);
            return label;
        }
        catch
        {
            label.Dispose();
            throw;
        }
    }

    private readonly struct ChannelVisitor(Image source, Image target, int frame, int component, string path) : IElementVisitor
    {
        public void Visit<T>()
            where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var (src, dst, t, c, file) = (source, target, frame, component, path);
            int stride = src.Channels;
            bool floating = src.ElementType.IsFloatingPoint();
            ParallelSlabs.For(dst.Size.Z, z =>
            {
                for (int y = 0; y < dst.Size.Y; y++)
                {
                    ReadOnlySpan<T> input = src.GetRow<T>(y, z, t);
                    var output = dst.GetRow<float>(y, z);
                    for (int x = 0; x < output.Length; x++)
                    {
                        float v = float.CreateTruncating(input[(x * stride) + c]);
                        if (floating && !float.IsFinite(v))
                        {
                            throw new MedVoxException(
                                string.Create(CultureInfo.InvariantCulture, $"the image holds {(float.IsNaN(v) ? "NaN" : "an infinite value")} at voxel ({x}, {y}, {z})"),
                                file,
                                hint: "fix or mask undefined intensities before training");
                        }

                        output[x] = v;
                    }
                }
            });
        }
    }

    private readonly struct LabelVisitor(Image source, Image target, bool[] allowed, string path) : IElementVisitor
    {
        public void Visit<T>()
            where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var (src, dst, ok, file) = (source, target, allowed, path);
            ParallelSlabs.For(dst.Size.Z, z =>
            {
                for (int y = 0; y < dst.Size.Y; y++)
                {
                    ReadOnlySpan<T> input = src.GetRow<T>(y, z);
                    var output = dst.GetRow<byte>(y, z);
                    for (int x = 0; x < output.Length; x++)
                    {
                        double v = double.CreateTruncating(input[x]);
                        if (!(v >= 0 && v <= 255 && v == Math.Floor(v)) || !ok[(int)v])
                        {
                            throw new MedVoxException(
                                string.Create(CultureInfo.InvariantCulture, $"label value {v} at voxel ({x}, {y}, {z}) is not declared in dataset.json"),
                                file,
                                "labels",
                                "declare every value under \"labels\" in dataset.json (training supports values 0 to 255) or fix the label map");
                        }

                        output[x] = (byte)v;
                    }
                }
            });
        }
    }
}
