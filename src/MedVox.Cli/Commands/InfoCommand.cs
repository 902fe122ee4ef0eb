using System.CommandLine;
using System.Globalization;
using MedVox.Imaging;
using Spectre.Console;

namespace MedVox.Cli.Commands;

/// <summary><c>medvox info FILE</c>: type, size, geometry, orientation and value range of an image.</summary>
internal static class InfoCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Argument<string>("file") { Description = "Image file (NIfTI, MetaImage, NRRD) or DICOM folder" };
        var series = ImageInput.SeriesOption();
        var command = new Command("info", "Print type, size, spacing, origin, direction, orientation code and min/max/mean of an image") { file, series };
        command.SetAction(parse => context.Execute(() => Run(context, parse.GetValue(file)!, parse.GetValue(series))));
        return command;
    }

    private static int Run(CliContext context, string path, string? series)
    {
        var (image, format, stored) = ImageInput.Read(context, path, series);
        using (image)
        {
            context.Console.Write(Describe(path, format, stored, image, ImageStatistics.Compute(image)));
        }

        return 0;
    }

    internal static Table Describe(string path, string format, ElementType storedType, Image image, ImageStatistics stats)
    {
        var geometry = image.Geometry;
        var table = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("field").AddColumn("value");
        void Row(string name, string value) => table.AddRow(new Text(name, new Style(Color.Grey)), new Text(value));

        Row("file", path);
        Row("format", format);
        string type = image.ElementType.Name() + (image.Channels > 1 ? $" x {image.Channels} channels{(image.IsColor ? " (colour)" : string.Empty)}" : string.Empty);
        if (storedType != image.ElementType)
        {
            type += $" (stored as {storedType.Name()}, scaled)";
        }

        Row("type", type);
        Row("size", image.Size.ToString());
        Row("spacing (mm)", Format(geometry.Spacing.X, geometry.Spacing.Y, geometry.Spacing.Z) + (image.Size.T > 1 ? $", t {Number(geometry.TimeSpacing)} s" : string.Empty));
        Row("origin (mm, LPS)", Format(geometry.Origin.X, geometry.Origin.Y, geometry.Origin.Z));
        var d = geometry.Direction;
        Row("direction", $"{Format(d[0, 0], d[1, 0], d[2, 0])} {Format(d[0, 1], d[1, 1], d[2, 1])} {Format(d[0, 2], d[1, 2], d[2, 2])}");
        Row("orientation", geometry.OrientationCode);
        Row("memory", $"{image.ByteLength / 1048576.0:F1} MB{(image.IsMapped ? " (memory-mapped)" : string.Empty)}");
        Row("min / max / mean", stats.Count == 0 ? "no finite values" : $"{Number(stats.Min)} / {Number(stats.Max)} / {Number(stats.Mean)}");
        return table;
    }

    private static string Format(double x, double y, double z) => $"({Number(x)}, {Number(y)}, {Number(z)})";

    private static string Number(double value) => Math.Round(value, 6).ToString("G7", CultureInfo.InvariantCulture);
}
