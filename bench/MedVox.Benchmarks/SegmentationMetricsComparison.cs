using System.Diagnostics;
using System.Globalization;
using MedVox.Evaluation.Segmentation;
using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Benchmarks;

/// <summary>
/// All segmentation metrics of one pair of large masks (default 256³, anisotropic spacing), timed in MedVox and, on
/// the same masks, with the MONAI definitions in numpy/scipy (/usr/bin/python3) for reference:
/// <c>dotnet run -c Release --project bench/MedVox.Benchmarks -- compare segmentation-metrics [size] [--medvox-only]</c>.
/// </summary>
public sealed class SegmentationMetricsComparison : IComparison
{
    private const string Script = """
        import sys, time, numpy as np
        from scipy.ndimage import binary_erosion, distance_transform_edt
        n = int(sys.argv[2]); sampling = (1.5, 0.8, 0.8)
        p = np.fromfile(sys.argv[1] + '/p.raw', np.uint8).reshape(n, n, n).astype(bool)
        g = np.fromfile(sys.argv[1] + '/g.raw', np.uint8).reshape(n, n, n).astype(bool)
        t = time.perf_counter()
        tp = (p & g).sum(); dice = 2 * tp / (p.sum() + g.sum())
        ep, eg = binary_erosion(p) ^ p, binary_erosion(g) ^ g
        dpg = distance_transform_edt(~eg, sampling=sampling)[ep]
        dgp = distance_transform_edt(~ep, sampling=sampling)[eg]
        hd95 = max(np.percentile(dpg, 95), np.percentile(dgp, 95))
        assd = np.concatenate([dpg, dgp]).mean()
        nsd = ((dpg <= 1).sum() + (dgp <= 1).sum()) / (dpg.size + dgp.size)
        print(f'scipy {time.perf_counter() - t:.3f}')
        print(f'scipy-values dice={dice:.6f} hd95={hd95:.4f} assd={assd:.4f} nsd={nsd:.6f}')
        """;

    public string Name => "segmentation-metrics";

    public int Run(string[] args)
    {
        int n = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out int given) ? given : 256;
        var geometry = new ImageGeometry(ImageSize.Of3D(n, n, n), new Vector3D(0.8, 0.8, 1.5), Vector3D.Zero, Matrix3D.Identity);
        using var reference = Ball(geometry, new Vector3D(0.5, 0.5, 0.5), 0.35, 0);
        using var prediction = Ball(geometry, new Vector3D(0.52, 0.49, 0.5), 0.33, 0.04);

        SegmentationMetrics metrics = SegmentationEvaluator.CompareMasks(prediction, reference);
        var times = new List<double>();
        for (int run = 0; run < 5; run++)
        {
            var watch = Stopwatch.StartNew();
            metrics = SegmentationEvaluator.CompareMasks(prediction, reference);
            times.Add(watch.Elapsed.TotalSeconds);
        }

        Console.WriteLine(FormattableString.Invariant($"medvox {times.Min():F3}"));
        Console.WriteLine(FormattableString.Invariant(
            $"medvox-values dice={metrics.Dice:F6} hd95={metrics.HausdorffDistance95:F4} assd={metrics.AverageSymmetricSurfaceDistance:F4} nsd={metrics.NormalizedSurfaceDice:F6} surface={metrics.PredictionSurfaceVoxels}+{metrics.ReferenceSurfaceVoxels} cores={Environment.ProcessorCount}"));

        if (!File.Exists("/usr/bin/python3") || args.Contains("--medvox-only"))
        {
            return 0;
        }

        string folder = Directory.CreateTempSubdirectory("medvox-bench-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(folder, "p.raw"), prediction.AsSpan<byte>().ToArray());
            File.WriteAllBytes(Path.Combine(folder, "g.raw"), reference.AsSpan<byte>().ToArray());
            var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true };
            foreach (string a in (string[])["-c", Script, folder, n.ToString(CultureInfo.InvariantCulture)])
            {
                info.ArgumentList.Add(a);
            }

            using var python = Process.Start(info)!;
            Console.Write(python.StandardOutput.ReadToEnd());
            python.WaitForExit();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        return 0;
    }

    /// <summary>A ball (centre and radius as fractions of the physical extent) with a wavy surface of relative amplitude <paramref name="wave"/>.</summary>
    private static Image Ball(ImageGeometry geometry, Vector3D centre, double radius, double wave)
    {
        var image = Image.Create(geometry, ElementType.UInt8);
        var size = geometry.Size;
        var extent = new Vector3D(size.X * geometry.Spacing.X, size.Y * geometry.Spacing.Y, size.Z * geometry.Spacing.Z);
        double r = radius * Math.Min(extent.X, Math.Min(extent.Y, extent.Z));
        var c = Vector3D.Scale(centre, extent);
        Parallel.For(0, size.Z, z =>
        {
            for (int y = 0; y < size.Y; y++)
            {
                var row = image.GetRow<byte>(y, z);
                for (int x = 0; x < size.X; x++)
                {
                    var p = new Vector3D(x * geometry.Spacing.X, y * geometry.Spacing.Y, z * geometry.Spacing.Z) - c;
                    double bumps = 1 + (wave * Math.Sin(p.X * 0.15) * Math.Cos(p.Y * 0.11) * Math.Sin(p.Z * 0.09));
                    row[x] = p.Length <= r * bumps ? (byte)1 : (byte)0;
                }
            }
        });
        return image;
    }
}
