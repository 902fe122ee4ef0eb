using System.Diagnostics;
using System.Globalization;
using MedVox.Slides;

namespace MedVox.Benchmarks;

/// <summary>
/// MedVox's half of the reader comparison in bench/wsi.sh: reads the regions listed in a file ("x y width height" in
/// level-0 pixels, one a line) from level 0 of a slide with a freshly opened <see cref="TiffSlideReader"/>, on one
/// thread (as OpenSlide's read_region in Python) and on two; best of 3. Usage: <c>compare wsi-read SLIDE REGIONS</c>.
/// </summary>
public sealed class SlideReadComparison : IComparison
{
    private const int Repeats = 3;

    public string Name => "wsi-read";

    public int Run(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: compare wsi-read SLIDE REGIONS");
            return 2;
        }

        var regions = File.ReadAllLines(args[1])
            .Where(l => l.Length > 0)
            .Select(l => l.Split(' ').Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray())
            .ToArray();
        long bytes = regions.Sum(r => r[2] * r[3] * 3);
        foreach (int threads in new[] { 1, 2 })
        {
            double best = double.MaxValue;
            for (int repeat = 0; repeat < Repeats; repeat++)
            {
                var clock = Stopwatch.StartNew();
                using (var reader = TiffSlideReader.Open(args[0]))
                {
                    Parallel.For(0, regions.Length, new ParallelOptions { MaxDegreeOfParallelism = threads }, () => Array.Empty<byte>(), (i, _, buffer) =>
                    {
                        var r = regions[i];
                        int size = (int)(r[2] * r[3] * 3);
                        if (buffer.Length < size)
                        {
                            buffer = new byte[size];
                        }

                        reader.ReadRegion(0, r[0], r[1], (int)r[2], (int)r[3], buffer);
                        return buffer;
                    }, _ => { });
                }

                best = Math.Min(best, clock.Elapsed.TotalSeconds);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"medvox_read_{threads}thread {best:F3} {regions.Length / best:F1} {bytes / best / 1e6:F1}"));
        }

        return 0;
    }
}
