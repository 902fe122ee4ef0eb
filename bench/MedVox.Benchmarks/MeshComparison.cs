using System.Diagnostics;
using System.Globalization;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Meshing;

namespace MedVox.Benchmarks;

/// <summary>
/// The MedVox half of bench/mesh-vs-skimage.sh: marching cubes on a 512³ label map holding one liver-sized object.
/// <c>compare mesh generate DIR [N]</c> writes DIR/labels.u8 (N³ uint8, 0/1, x fastest);
/// <c>compare mesh core DIR [N]</c> times <see cref="MarchingCubes.Extract(Image, double)"/> on the whole map at 0.5
/// (what skimage.measure.marching_cubes does with it);
/// <c>compare mesh pipeline DIR [N]</c> times what <c>medvox mesh</c> does with one label (box, Gaussian, volume-matched
/// level, extraction). Each prints "name seconds" (best of 3) and the peak memory beyond the loaded input (MB, from
/// VmHWM after resetting it through /proc/self/clear_refs once the input is in memory).
/// </summary>
public sealed class MeshComparison : IComparison
{
    /// <summary>Voxel spacing of the benchmark map (mm): a thin-slice abdominal CT.</summary>
    public static readonly Vector3D Spacing = new(0.75, 0.75, 0.8);

    public string Name => "mesh";

    public int Run(string[] args)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine("usage: compare mesh generate|core|pipeline DIR [N]");
            return 2;
        }

        string dir = args[1];
        int n = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 512;
        var geometry = new ImageGeometry(ImageSize.Of3D(n, n, n), Spacing, Vector3D.Zero, Matrix3D.Identity);
        string file = Path.Combine(dir, "labels.u8");
        switch (args[0])
        {
            case "generate":
                Directory.CreateDirectory(dir);
                using (var labels = Liver(geometry))
                {
                    File.WriteAllBytes(file, labels.AsSpan<byte>().ToArray());
                }

                return 0;
            case "core":
            case "pipeline":
                using (var labels = Image.Create(geometry, ElementType.UInt8))
                {
                    using (var stream = File.OpenRead(file))
                    {
                        stream.ReadExactly(labels.AsSpan<byte>());
                    }

                    ResetPeakMemory();
                    long baseline = Status("VmRSS");
                    bool core = args[0] == "core";
                    TriangleMesh mesh = TriangleMesh.Empty;
                    double best = double.MaxValue;
                    for (int run = 0; run < 3; run++)
                    {
                        var watch = Stopwatch.StartNew();
                        mesh = core ? MarchingCubes.Extract(labels, 0.5) : LabelSurface.Extract(labels, [1]).Mesh;
                        best = Math.Min(best, watch.Elapsed.TotalSeconds);
                    }

                    long peak = Status("VmHWM");
                    string name = core ? "medvox_core" : "medvox_pipeline";
                    Console.WriteLine(FormattableString.Invariant($"{name} {best:F3}"));
                    Console.WriteLine(FormattableString.Invariant($"{name}_mb {(peak - baseline) / 1024.0:F0}"));
                    Console.WriteLine(FormattableString.Invariant($"{name}_triangles {mesh.TriangleCount}"));
                    Console.WriteLine(FormattableString.Invariant($"{name}_volume_ml {mesh.EnclosedVolume() / 1000:F2}"));
                    Console.WriteLine(FormattableString.Invariant($"{name}_area_mm2 {mesh.SurfaceArea():F0}"));
                    Console.WriteLine(FormattableString.Invariant($"cores {Environment.ProcessorCount}"));
                }

                return 0;
            default:
                Console.Error.WriteLine($"unknown step {args[0]}");
                return 2;
        }
    }

    /// <summary>
    /// A liver-sized object (about 1.5 L): an ellipsoid of 190 x 140 x 130 mm with a smooth bumpy surface and a
    /// concave notch, centred in the volume.
    /// </summary>
    private static Image Liver(ImageGeometry geometry)
    {
        var image = Image.Create(geometry, ElementType.UInt8);
        var size = geometry.Size;
        var center = geometry.IndexToPhysical((size.X - 1) / 2.0, (size.Y - 1) / 2.0, (size.Z - 1) / 2.0);
        var notch = center + new Vector3D(30, 55, -10);
        Parallel.For(0, size.Z, z =>
        {
            for (int y = 0; y < size.Y; y++)
            {
                var row = image.GetRow<byte>(y, z);
                for (int x = 0; x < size.X; x++)
                {
                    var p = geometry.IndexToPhysical(x, y, z);
                    var d = p - center;
                    var q = new Vector3D(d.X / 95, d.Y / 70, d.Z / 65);
                    double bump = 1 + (0.06 * Math.Sin((4 * q.X) + 1) * Math.Cos(3 * q.Y) * Math.Sin((2 * q.Z) + 0.5));
                    row[x] = q.Length <= bump && (p - notch).Length > 40 ? (byte)1 : (byte)0;
                }
            }
        });
        return image;
    }

    private static void ResetPeakMemory()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>A kB figure from /proc/self/status (VmRSS, VmHWM).</summary>
    private static long Status(string key)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
