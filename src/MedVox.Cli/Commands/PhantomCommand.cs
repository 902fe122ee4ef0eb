using System.CommandLine;
using MedVox.Cli.Terminal;
using MedVox.Synthetic;
using MedVox.Synthetic.Abdomen;
using Spectre.Console;

namespace MedVox.Cli.Commands;

/// <summary><c>medvox phantom KIND --out DIR</c>: a deterministic synthetic dataset with exact labels.</summary>
internal static class PhantomCommand
{
    public static Command Create(CliContext context)
    {
        var kind = new Argument<string>("kind") { Description = "abdomen, head, colon, xray, fundus or slide" };
        var output = new Option<string>("--out") { Description = "Dataset folder to write (slide: the .tiff file)", Required = true };
        var cases = new Option<int>("--cases") { Description = "Number of cases", DefaultValueFactory = _ => 4 };
        var size = new Option<int?>("--size") { Description = "Grid size in voxels (in-plane; the kind's default when absent)" };
        var seed = new Option<int>("--seed") { Description = "Random seed: identical arguments give identical bytes", DefaultValueFactory = _ => 1 };
        var contrast = new Option<string>("--contrast") { Description = "Abdomen only: native or portal-venous", DefaultValueFactory = _ => "native" };
        var command = new Command("phantom", "Generate a synthetic dataset (nnU-Net/Decathlon layout) with exact ground truth") { kind, output, cases, size, seed, contrast };
        var slide = SlidePhantomCommand.AddOptions(command);
        command.SetAction(parse => context.Execute(() =>
        {
            if (SlidePhantomCommand.Handles(parse.GetValue(kind)!))
            {
                return SlidePhantomCommand.Run(context, parse, slide, parse.GetValue(output)!, parse.GetValue(seed));
            }

            var phantom = PhantomDatasets.ParseKind(parse.GetValue(kind)!);
            int count = parse.GetValue(cases);
            if (count < 1)
            {
                throw new MedVoxException($"--cases must be at least 1, got {count}");
            }

            var options = new PhantomOptions
            {
                Cases = count,
                Size = parse.GetValue(size),
                Seed = parse.GetValue(seed),
                Abdomen = new AbdomenOptions { Size = parse.GetValue(size) ?? 128, Contrast = ParseContrast(parse.GetValue(contrast)!) },
            };
            string folder = parse.GetValue(output)!;
            var result = ProgressDisplay.Run(context.Console, $"{PhantomDatasets.KindName(phantom)} phantoms", 1.0, progress => PhantomDatasets.Generate(phantom, folder, options, progress));
            context.Console.MarkupLineInterpolated($"wrote {result.Cases} {PhantomDatasets.KindName(phantom)} case(s) to [green]{result.Directory}[/] ({result.Layout}, {result.Files.Count} files)");
            return 0;
        }));
        return command;
    }

    internal static ContrastPhase ParseContrast(string text) => text.Replace("-", string.Empty, StringComparison.Ordinal).ToLowerInvariant() switch
    {
        "native" => ContrastPhase.Native,
        "portalvenous" or "venous" or "contrast" => ContrastPhase.PortalVenous,
        _ => throw new MedVoxException($"unknown contrast phase '{text}'", field: "--contrast", hint: "use native or portal-venous"),
    };
}
