using System.Diagnostics;
using System.Globalization;
using MedVox.Dicom.Series;
using MedVox.Dicom.Writing;
using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Benchmarks;

/// <summary>
/// Loads an uncompressed CT series folder into a volume (scan headers, sort by position, read pixels, rescale), as
/// bench/dicom-vs-pydicom.sh compares with pydicom + numpy. "generate DIR [slices] [size]" writes the synthetic series.
/// </summary>
public sealed class DicomComparison : IComparison
{
    public string Name => "dicom";

    public int Run(string[] args)
    {
        if (args.Length >= 2 && args[0] == "generate")
        {
            int slices = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 300;
            int size = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 512;
            Generate(args[1], slices, size);
            return 0;
        }

        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: compare dicom FOLDER [parallelism] | compare dicom generate FOLDER [slices] [size]");
            return 2;
        }

        int parallelism = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : Environment.ProcessorCount;
        var options = new DicomLoadOptions { MaxParallelism = parallelism };
        double best = double.MaxValue;
        string summary = string.Empty;
        for (int run = 0; run < 3; run++)
        {
            var watch = Stopwatch.StartNew();
            using var volume = DicomSeriesLoader.Load(args[0], options);
            watch.Stop();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
            summary = $"{volume.Image} warnings={volume.Warnings.Count}";
        }

        var scanWatch = Stopwatch.StartNew();
        var scan = DicomSeriesScanner.Scan(args[0], options.Scan with { MaxParallelism = parallelism });
        scanWatch.Stop();
        Console.Error.WriteLine($"{summary}; header scan alone {scanWatch.Elapsed.TotalSeconds:F4} s for {scan.Series.Sum(s => s.FileCount)} files");
        Console.WriteLine(FormattableString.Invariant($"medvox_load {best:F4}"));
        return 0;
    }

    private static void Generate(string folder, int slices, int size)
    {
        var geometry = new ImageGeometry(ImageSize.Of3D(size, size, slices), new Vector3D(0.7, 0.7, 1.25), new Vector3D(-180, -180, -400), Matrix3D.Identity);
        using var volume = Image.Create(geometry, ElementType.Int16);
        for (int z = 0; z < slices; z++)
        {
            var slice = volume.GetSlice<short>(z);
            for (int y = 0; y < size; y++)
            {
                for (int x = 0; x < size; x++)
                {
                    double r = Math.Sqrt(((x - (size / 2.0)) * (x - (size / 2.0))) + ((y - (size / 2.0)) * (y - (size / 2.0))));
                    slice[(y * size) + x] = (short)(r < size * 0.4 ? 40 + ((x + y + z) % 200) : -1000);
                }
            }
        }

        DicomCtWriter.WriteSeries(volume, folder, new DicomCtWriter.SeriesOptions { Shuffle = true, Seed = 7 });
    }
}
