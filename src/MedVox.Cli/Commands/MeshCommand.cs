using System.CommandLine;
using System.Globalization;
using System.Text;
using MedVox.Cli.Terminal;
using MedVox.Meshing;
using Spectre.Console;

namespace MedVox.Cli.Commands;

/// <summary>
/// <c>medvox mesh LABELMAP --out DIR</c>: closed organ surfaces in LPS millimetres for 3D printing and viewing, one
/// file per organ (or one 3MF with all), with triangles, area, enclosed and voxel volume, watertightness, manifoldness
/// and Euler characteristic per organ.
/// </summary>
internal static class MeshCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("labelmap") { Description = "Label map (NIfTI, MetaImage, NRRD) with one integer per structure" };
        var output = new Option<string>("--out") { Description = "Folder for the surface files", Required = true };
        var labels = new Option<string?>("--labels") { Description = "Labels to mesh: all (default), names (liver,kidney_left), values (1,3), and/or name=value pairs; names come from a dataset.json beside the map or one folder up" };
        var format = new Option<string>("--format") { Description = "stl (binary, default), stl-ascii, obj, ply (both with normals) or 3mf (all organs in one file, coloured)", DefaultValueFactory = _ => "stl" };
        var smooth = new Option<int>("--smooth") { Description = "Taubin smoothing passes after extraction (volume-preserving; 0: none)", DefaultValueFactory = _ => 0 };
        var decimate = new Option<double>("--decimate") { Description = "Fraction of triangles to remove by quadric-error decimation, 0 to below 1 (0.5 halves them)", DefaultValueFactory = _ => 0 };
        var sigma = new Option<double>("--sigma") { Description = "Gaussian smoothing of the label mask before extraction, in voxels (0: plain marching cubes on the binary mask)", DefaultValueFactory = _ => SurfaceOptions.DefaultSigma };
        var command = new Command("mesh", "Closed organ surfaces (STL, OBJ, PLY, 3MF) in millimetres from a label map, for 3D printing and viewing")
        {
            input, output, labels, format, smooth, decimate, sigma,
        };
        command.SetAction(parse => context.Execute(() => Run(context, parse.GetValue(input)!, parse.GetValue(output)!, parse.GetValue(labels),
            parse.GetValue(format)!, parse.GetValue(smooth), parse.GetValue(decimate), parse.GetValue(sigma))));
        return command;
    }

    private static int Run(CliContext context, string path, string outDir, string? labelText, string formatText, int smooth, double decimate, double sigma)
    {
        var format = MeshFormats.Parse(formatText);
        var options = new SurfaceOptions { SmoothingIterations = smooth, Decimation = decimate, SmoothingSigma = sigma };
        if (smooth is < 0 or > 10_000)
        {
            throw new MedVoxException($"--smooth must be 0 to 10000 passes, got {smooth}", field: "--smooth");
        }

        if (!(decimate >= 0 && decimate < 1))
        {
            throw new MedVoxException($"--decimate must be at least 0 and below 1 (the fraction of triangles removed), got {decimate.ToString(CultureInfo.InvariantCulture)}", field: "--decimate");
        }

        if (!(sigma >= 0 && sigma <= 5))
        {
            throw new MedVoxException($"--sigma must be 0 to 5 voxels, got {sigma.ToString(CultureInfo.InvariantCulture)}", field: "--sigma");
        }

        var (image, formatName, _) = ImageInput.Read(context, path, series: null);
        using (image)
        {
            var inventory = LabelInventory.Scan(image, path);
            var (declared, source) = LabelSelection.DeclaredLabels(path);
            var selected = LabelSelection.Resolve(labelText, declared, inventory, path);
            if (selected.Count == 0)
            {
                throw new MedVoxException("holds no label: every voxel is background (0)", path, hint: "mesh a label map with structures");
            }

            var g = image.Geometry;
            context.Console.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"[grey]{formatName}, {g.Size}, spacing {g.Spacing} mm, {g.OrientationCode}; names from {source ?? "--labels / label values"}; surfaces in LPS mm, mask smoothed by a Gaussian of {sigma} voxels[/]");

            Directory.CreateDirectory(outDir);
            var organs = new List<OrganSurface>();
            ProgressDisplay.Run(context.Console, "meshing", selected.Count, progress =>
            {
                for (int i = 0; i < selected.Count; i++)
                {
                    organs.Add(OrganSurface.Build(image, selected[i], inventory, options));
                    progress.Report(i + 1);
                }

                return organs;
            });

            var files = Write(organs, outDir, format, path);
            Print(context, organs, files, options);
            if (files.Count == 0)
            {
                throw new MedVoxException("no surface written: every selected label is empty", path, hint: "choose labels that occur in the map (see the values listed)");
            }

            return 0;
        }
    }

    /// <summary>Writes the files; returns the file of each written organ (all organs share the 3MF).</summary>
    private static Dictionary<OrganSurface, string> Write(List<OrganSurface> organs, string outDir, MeshFormat format, string labelMap)
    {
        var files = new Dictionary<OrganSurface, string>();
        var written = organs.Where(o => !o.IsEmpty).ToList();
        if (format.OneFilePerMesh())
        {
            var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < written.Count; i++)
            {
                var organ = written[i];
                string name = FileName(organ.Label.Name);
                while (!used.Add(name))
                {
                    name += "_" + organ.Label.Values[0].ToString(CultureInfo.InvariantCulture);
                }

                string file = Path.Combine(outDir, name + format.Extension());
                MeshFile.Write(file, new MeshObject(organ.Label.Name, organ.Mesh, MeshColor.ForLabel(organ.Label.Name, i)), format);
                files[organ] = file;
            }
        }
        else if (written.Count > 0)
        {
            string file = Path.Combine(outDir, Stem(labelMap) + format.Extension());
            MeshFile.WriteThreeMf(file, [.. written.Select((o, i) => new MeshObject(o.Label.Name, o.Mesh, MeshColor.ForLabel(o.Label.Name, i)))]);
            foreach (var organ in written)
            {
                files[organ] = file;
            }
        }

        return files;
    }

    private static void Print(CliContext context, List<OrganSurface> organs, Dictionary<OrganSurface, string> files, SurfaceOptions options)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("label")
            .AddColumn(new TableColumn("triangles").RightAligned())
            .AddColumn(new TableColumn("area mm²").RightAligned())
            .AddColumn(new TableColumn("volume mL").RightAligned())
            .AddColumn(new TableColumn("voxel mL").RightAligned());
        if (options.SmoothingIterations > 0)
        {
            table.AddColumn(new TableColumn("Δ smooth").RightAligned());
        }

        if (options.Decimation > 0)
        {
            table.AddColumn(new TableColumn("Δ decimate").RightAligned());
        }

        table.AddColumn("watertight").AddColumn("manifold").AddColumn(new TableColumn("χ").RightAligned());
        foreach (var organ in organs)
        {
            var t = organ.Topology;
            var cells = new List<string>
            {
                $"{string.Join('+', organ.Label.Values)} {Markup.Escape(organ.Label.Name)}",
                organ.IsEmpty ? "-" : t.Triangles.ToString(CultureInfo.InvariantCulture),
                organ.IsEmpty ? "-" : organ.AreaMm2.ToString("0", CultureInfo.InvariantCulture),
                organ.IsEmpty ? "-" : organ.VolumeMl.ToString("0.000", CultureInfo.InvariantCulture),
                organ.VoxelVolumeMl.ToString("0.000", CultureInfo.InvariantCulture),
            };
            if (options.SmoothingIterations > 0)
            {
                cells.Add(Percent(organ.SmoothingVolumeChange));
            }

            if (options.Decimation > 0)
            {
                cells.Add(Percent(organ.DecimationVolumeChange));
            }

            cells.Add(organ.IsEmpty ? "-" : t.IsWatertight ? "yes" : "[red]no[/]");
            cells.Add(organ.IsEmpty ? "-" : t.IsManifold ? "yes" : "[red]no[/]");
            cells.Add(organ.IsEmpty ? "-" : t.EulerCharacteristic.ToString(CultureInfo.InvariantCulture));
            table.AddRow([.. cells]);
        }

        context.Console.Write(table);
        foreach (var organ in organs)
        {
            if (organ.IsEmpty)
            {
                context.Console.MarkupLineInterpolated($"[yellow]{organ.Label.Name}:[/] empty label (no voxel holds {string.Join(" or ", organ.Label.Values)}); no file written");
            }
            else if (organ.BorderSides.Count > 0)
            {
                context.Console.MarkupLineInterpolated($"[yellow]{organ.Label.Name}:[/] touches the image border ({string.Join(", ", organ.BorderSides)}); the surface is closed there as if the image were padded with background, so it is cut flat");
            }
        }

        var written = files.Values.Distinct().Select(Path.GetFileName).ToList();
        if (written.Count > 0)
        {
            context.Console.MarkupLineInterpolated($"wrote {written.Count} file(s) to [green]{Path.GetDirectoryName(Path.GetFullPath(files.Values.First()))}[/]: {string.Join(", ", written)}");
            context.Console.MarkupLine("[grey]coordinates in LPS millimetres; χ (Euler characteristic) is 2 per closed sphere-like piece, 0 per ring[/]");
        }
    }

    private static string Percent(double? change) =>
        change is double c ? (c * 100).ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture) + "%" : "-";

    /// <summary>A label name as a file name: letters, digits, '-', '_' and '.' kept, anything else '_'.</summary>
    internal static string FileName(string label)
    {
        var builder = new StringBuilder(label.Length);
        foreach (char c in label.Trim())
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        }

        string name = builder.ToString().Trim('.');
        return name.Length == 0 ? "label" : name;
    }

    /// <summary>The label map's name without its ending(s): case_001.nii.gz gives case_001.</summary>
    private static string Stem(string path)
    {
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(path));
        foreach (string ending in new[] { ".nii.gz", ".nii", ".mha", ".mhd", ".nrrd", ".nhdr", ".hdr", ".img" })
        {
            if (name.EndsWith(ending, StringComparison.OrdinalIgnoreCase))
            {
                return FileName(name[..^ending.Length]);
            }
        }

        return FileName(Path.GetFileNameWithoutExtension(name));
    }
}
