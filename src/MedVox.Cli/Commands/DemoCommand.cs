using System.CommandLine;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.IO;
using Spectre.Console;

namespace MedVox.Cli.Commands;

/// <summary>
/// <c>medvox demo</c>: the README's main command. Until the phantom, network and inference issues land it generates a
/// small synthetic CT-like volume, writes it as NIfTI and shows what <c>medvox info</c> reads back, and says so.
/// </summary>
internal static class DemoCommand
{
    public static Command Create(CliContext context)
    {
        var output = new Option<string>("--out") { Description = "Folder for the demo's files", DefaultValueFactory = _ => "medvox-demo" };
        var command = new Command("demo", "Run the main job on built-in synthetic data") { output };
        command.SetAction(parse => context.Execute(() => Run(context, parse.GetValue(output)!)));
        return command;
    }

    private static int Run(CliContext context, string folder)
    {
        var console = context.Console;
        console.MarkupLine("[bold]MedVox demo[/]");
        console.MarkupLine("The full demo generates an abdomen phantom dataset, segments a held-out case at full resolution with a 3D U-Net,");
        console.MarkupLine("evaluates it against the ground truth and writes masks, an HTML report and a per-organ Dice table.");
        console.MarkupLine("[yellow]Those parts are not built yet:[/] this run writes a synthetic CT-like volume and reads it back.");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "synthetic_ct.nii.gz");
        using (var volume = SyntheticVolume())
        {
            ImageFile.Write(volume, path);
        }

        var header = ImageFile.ReadHeader(path);
        using var image = ImageFile.Read(path);
        console.Write(InfoCommand.Describe(path, header.Format, header.StoredType, image, ImageStatistics.Compute(image)));
        console.MarkupLineInterpolated($"wrote [green]{path}[/]");
        return 0;
    }

    /// <summary>A 96x80x40 int16 volume in Hounsfield units: air, an elliptic body of soft tissue, a liver-like blob and a spine-like rod.</summary>
    private static Image SyntheticVolume()
    {
        var size = ImageSize.Of3D(96, 80, 40);
        var geometry = new ImageGeometry(size, new Vector3D(0.8, 0.8, 2.5), new Vector3D(-38.4, -32, -50), Matrix3D.Identity);
        var image = Image.Create(geometry, ElementType.Int16);
        Parallel.For(0, size.Z, z =>
        {
            for (int y = 0; y < size.Y; y++)
            {
                var row = image.GetRow<short>(y, z);
                for (int x = 0; x < size.X; x++)
                {
                    double bx = (x - 48) / 44.0, by = (y - 40) / 34.0;
                    double lx = (x - 30) / 16.0, ly = (y - 34) / 14.0, lz = (z - 20) / 14.0;
                    double sx = (x - 48) / 5.0, sy = (y - 66) / 5.0;
                    short value = -1000;
                    if ((bx * bx) + (by * by) <= 1)
                    {
                        value = 40;
                    }

                    if ((lx * lx) + (ly * ly) + (lz * lz) <= 1)
                    {
                        value = 60;
                    }

                    if ((sx * sx) + (sy * sy) <= 1)
                    {
                        value = 700;
                    }

                    row[x] = value;
                }
            }
        });
        return image;
    }
}
