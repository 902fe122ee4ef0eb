using System.CommandLine;
using MedVox.Cli.Terminal;
using MedVox.Dicom.Series;
using MedVox.Imaging;
using MedVox.IO;
using Spectre.Console;

namespace MedVox.Cli.Commands;

/// <summary>
/// An image argument that may be a file in any registered format or a folder of DICOM files (one series chosen with
/// <c>--series</c>): commands read inputs through here so that every command accepts both.
/// </summary>
internal static class ImageInput
{
    public static Option<string?> SeriesOption() => new("--series")
    {
        Description = "For a DICOM folder: the SeriesInstanceUID (or stack id UID#n) to read; see medvox dicom ls",
    };

    /// <summary>What to do with a DICOM series whose slices are missing or unevenly spaced.</summary>
    public static Option<IrregularSpacingPolicy> IrregularOption() => new("--irregular")
    {
        Description = "For a DICOM series with missing or unevenly spaced slices: Warn (keep the median spacing), Refuse, or Resample to even spacing",
        DefaultValueFactory = _ => IrregularSpacingPolicy.Warn,
    };

    /// <summary>Reads the image (with a progress bar) and its header; DICOM warnings are printed.</summary>
    public static (Image Image, string Format, ElementType StoredType) Read(CliContext context, string path, string? series, double? progressStart = null, IProgress<double>? progress = null, IrregularSpacingPolicy irregular = IrregularSpacingPolicy.Warn)
    {
        if (Directory.Exists(path))
        {
            var options = new DicomLoadOptions { SeriesUid = series, IrregularSpacing = irregular, Progress = progress is null ? null : new DicomStageProgress(progress, progressStart ?? 0) };
            using var volume = progress is null
                ? ProgressDisplay.Run(context.Console, $"reading DICOM {Path.GetFileName(Path.TrimEndingDirectorySeparator(path))}", 2, p => DicomSeriesLoader.Load(path, options with { Progress = new DicomStageProgress(p, 0) }))
                : DicomSeriesLoader.Load(path, options);
            foreach (var warning in volume.Warnings)
            {
                context.Console.MarkupLineInterpolated($"[yellow]warning:[/] {warning}");
            }

            return (volume.TakeImage(), "DICOM series " + volume.Series.Id, volume.Series.StoredType);
        }

        if (series is not null)
        {
            throw new MedVoxException("--series applies to DICOM folders only", path);
        }

        var header = ImageFile.ReadHeader(path);
        var image = ImageFile.Read(path, new ImageReadOptions { Progress = progress is null ? null : new ByteProgress(progress, progressStart ?? 0, header) });
        return (image, header.Format, header.StoredType);
    }

    /// <summary>Maps the loader's scan and load stages onto two units of a bar.</summary>
    private sealed class DicomStageProgress(IProgress<double> target, double start) : IProgress<DicomProgress>
    {
        public void Report(DicomProgress value) =>
            target.Report(start + (value.Stage == "scan" ? 0 : 1) + (value.Total == 0 ? 1 : (double)value.Done / value.Total));
    }

    /// <summary>Maps bytes read onto one unit of a bar.</summary>
    private sealed class ByteProgress(IProgress<double> target, double start, ImageHeader header) : IProgress<long>
    {
        private readonly double _total = Math.Max(1, header.Geometry.Size.VoxelCount * header.Channels * header.StoredType.Size());

        public void Report(long value) => target.Report(start + (value / _total));
    }
}
