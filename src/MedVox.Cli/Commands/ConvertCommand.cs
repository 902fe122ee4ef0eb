using System.CommandLine;
using System.IO.Compression;
using MedVox.Cli.Terminal;
using MedVox.Dicom.Series;
using MedVox.Imaging;
using MedVox.IO;
using Spectre.Console;

namespace MedVox.Cli.Commands;

/// <summary><c>medvox convert IN OUT</c>: between image formats, chosen by file ending; geometry is kept.</summary>
internal static class ConvertCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("input") { Description = "Image to read: a file, or a DICOM folder (with --series when it holds several)" };
        var series = ImageInput.SeriesOption();
        var irregular = ImageInput.IrregularOption();
        var output = new Argument<string>("output") { Description = "Image to write; the ending picks the format (.nii, .nii.gz, .mha, .mhd, .nrrd, .nhdr)" };
        var compress = new Option<bool>("--compress") { Description = "Compress pixel data in MetaImage/NRRD output (.nii.gz always is)" };
        var level = new Option<CompressionLevel>("--level") { Description = "Compression level", DefaultValueFactory = _ => CompressionLevel.Fastest };
        var command = new Command("convert", "Convert an image between formats, keeping its geometry") { input, output, compress, level, series, irregular };
        command.SetAction(parse => context.Execute(() =>
            Run(context, parse.GetValue(input)!, parse.GetValue(series), parse.GetValue(irregular), parse.GetValue(output)!, new ImageWriteOptions { Compress = parse.GetValue(compress), Compression = parse.GetValue(level) })));
        return command;
    }

    private static int Run(CliContext context, string input, string? series, IrregularSpacingPolicy irregular, string output, ImageWriteOptions options)
    {
        var outputFormat = ImageFile.GetFormat(output);
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(input));
        var image = ProgressDisplay.Run(context.Console, $"{name} -> {Path.GetFileName(output)}", 3, progress =>
        {
            var (read, _, _) = ImageInput.Read(context, input, series, 0, progress, irregular);
            try
            {
                double bytes = Math.Max(1, read.ByteLength);
                ImageFile.Write(read, output, options with { Progress = new Offset(progress, 2, bytes) });
                return read;
            }
            catch
            {
                read.Dispose();
                throw;
            }
        });
        using (image)
        {
            context.Console.MarkupLineInterpolated($"wrote [green]{output}[/] ({outputFormat.Name}, {image.Size}, {image.ElementType.Name()})");
        }

        return 0;
    }

    /// <summary>Maps the bytes written onto the last unit of a bar that covers reading (two units) and writing.</summary>
    private sealed class Offset(IProgress<double> target, double start, double total) : IProgress<long>
    {
        public void Report(long value) => target.Report(start + (value / total));
    }
}
