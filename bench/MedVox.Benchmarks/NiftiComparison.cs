using System.Diagnostics;
using System.Globalization;
using MedVox.IO;
using MedVox.Memory;

namespace MedVox.Benchmarks;

/// <summary>
/// MedVox's half of bench/nifti-vs-nibabel.sh: reads a .nii.gz into memory and writes it back gzipped (fastest
/// level), best of 3 each. Usage: <c>compare nifti INPUT.nii.gz OUTPUT.nii.gz</c>.
/// </summary>
public sealed class NiftiComparison : IComparison
{
    private const int Repeats = 3;

    public string Name => "nifti";

    public int Run(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: compare nifti INPUT.nii.gz OUTPUT.nii.gz");
            return 2;
        }

        string input = args[0], output = args[1];
        var readOptions = new ImageReadOptions { Allocation = new AllocationOptions { Mode = AllocationMode.Memory } };
        var writeOptions = new ImageWriteOptions { Compression = System.IO.Compression.CompressionLevel.Fastest };

        double bestRead = double.MaxValue;
        for (int i = 0; i < Repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            using var image = ImageFile.Read(input, readOptions);
            bestRead = Math.Min(bestRead, clock.Elapsed.TotalSeconds);
        }

        using var source = ImageFile.Read(input, readOptions);
        double bestWrite = double.MaxValue;
        for (int i = 0; i < Repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            ImageFile.Write(source, output, writeOptions);
            bestWrite = Math.Min(bestWrite, clock.Elapsed.TotalSeconds);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"medvox_read {bestRead:F4}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"medvox_write {bestWrite:F4}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"medvox_write_bytes {new FileInfo(output).Length}"));
        return 0;
    }
}
