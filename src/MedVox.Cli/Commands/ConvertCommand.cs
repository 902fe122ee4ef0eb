using System.CommandLine;
using System.IO.Compression;
using MedVox.Cli.Terminal;
using MedVox.Imaging;
using MedVox.IO;
using Spectre.Console;

namespace MedVox.Cli.Commands;

/// <summary><c>medvox convert IN OUT</c>: between image formats, chosen by file ending; geometry is kept.</summary>
internal static class ConvertCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("input") { Description = "Image to read" };
        var output = new Argument<string>("output") { Description = "Image to write; the ending picks the format (.nii, .nii.gz, .mha, .mhd, .nrrd, .nhdr)" };
        var compress = new Option<bool>("--compress") { Description = "Compress pixel data in MetaImage/NRRD output (.nii.gz always is)" };
        var level = new Option<CompressionLevel>("--level") { Description = "Compression level", DefaultValueFactory = _ => CompressionLevel.Fastest };
        var command = new Command("convert", "Convert an image between formats, keeping its geometry") { input, output, compress, level };
        command.SetAction(parse => context.Execute(() =>
            Run(context, parse.GetValue(input)!, parse.GetValue(output)!, new ImageWriteOptions { Compress = parse.GetValue(compress), Compression = parse.GetValue(level) })));
        return command;
    }

    private static int Run(CliContext context, string input, string output, ImageWriteOptions options)
    {
        var outputFormat = ImageFile.GetFormat(output);
        var header = ImageFile.ReadHeader(input);
        double bytes = header.Geometry.Size.VoxelCount * header.Channels * header.StoredType.Size();
        ProgressDisplay.Run(context.Console, $"{Path.GetFileName(input)} -> {Path.GetFileName(output)}", 2 * bytes, progress =>
        {
            using var image = ImageFile.Read(input, new ImageReadOptions { Progress = new Offset(progress, 0) });
            ImageFile.Write(image, output, options with { Progress = new Offset(progress, bytes) });
            return 0;
        });
        context.Console.MarkupLineInterpolated($"wrote [green]{output}[/] ({outputFormat.Name}, {header.Geometry.Size}, {header.ElementType.Name()})");
        return 0;
    }

    /// <summary>Maps the bytes of one stage onto a bar that covers reading and writing.</summary>
    private sealed class Offset(IProgress<double> target, double start) : IProgress<long>
    {
        public void Report(long value) => target.Report(start + value);
    }
}
