using System.CommandLine;
using System.Globalization;
using MedVox.Cli.Terminal;
using MedVox.Learning.Runtime;
using MedVox.Learning.Training;
using MedVox.Slides;
using MedVox.Slides.Models;
using MedVox.Slides.Synthetic;
using Spectre.Console;

namespace MedVox.Cli.Commands;

/// <summary>
/// <c>medvox wsi info|train|predict</c>: whole-slide pathology images, processed tile by tile in bounded memory.
/// </summary>
internal static class WsiCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("wsi", "Whole-slide pathology images: inspect, train a tumour model, predict tile by tile");
        command.Subcommands.Add(Info(context));
        command.Subcommands.Add(Train(context));
        command.Subcommands.Add(Predict(context));
        return command;
    }

    private static Command Info(CliContext context)
    {
        var input = new Argument<string>("slide") { Description = "Slide file (tiled TIFF/BigTIFF, SVS, or a format OpenSlide reads)" };
        var command = new Command("info", "Reader, levels (size, downsample, tiles), microns per pixel and vendor of a slide") { input };
        command.SetAction(parse => context.Execute(() =>
        {
            using var slide = SlideFile.Open(parse.GetValue(input)!);
            var console = context.Console;
            console.MarkupLineInterpolated($"[bold]{slide.Path}[/]: {slide.Format}, {slide.Channels} channel(s)");
            console.MarkupLineInterpolated($"microns per pixel: {(slide.MicronsPerPixel is { } mpp ? $"{mpp.X.ToString("G6", CultureInfo.InvariantCulture)} x {mpp.Y.ToString("G6", CultureInfo.InvariantCulture)}" : "unknown")}");
            var table = new Table().AddColumns("level", "width", "height", "downsample", "tile");
            foreach (var level in slide.Levels)
            {
                table.AddRow(
                    level.Index.ToString(CultureInfo.InvariantCulture),
                    level.Width.ToString(CultureInfo.InvariantCulture),
                    level.Height.ToString(CultureInfo.InvariantCulture),
                    level.Downsample.ToString("0.###", CultureInfo.InvariantCulture),
                    level.TileWidth > 0 ? $"{level.TileWidth}x{level.TileHeight}" : "-");
            }

            console.Write(table);
            if (context.Verbose)
            {
                foreach (var (key, value) in slide.Properties.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    console.WriteLine($"{key} = {value.ReplaceLineEndings(" ")}");
                }
            }

            return 0;
        }));
        return command;
    }

    private static Command Train(CliContext context)
    {
        var slides = new Option<string[]>("--slide") { Description = "Training slide (repeat for several)", Required = true, AllowMultipleArgumentsPerToken = true };
        var masks = new Option<string[]>("--mask") { Description = "Tumour mask of each slide, in order (default: NAME.mask.tiff beside each slide)", AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--out") { Description = "Model folder to write (model.json + weights.safetensors)", Required = true };
        var level = new Option<int>("--level") { Description = "Pyramid level to train at (the model then runs at that resolution)", DefaultValueFactory = _ => 2 };
        var iterations = new Option<int>("--iterations") { Description = "Optimiser steps", DefaultValueFactory = _ => 200 };
        var patch = new Option<int>("--patch") { Description = "Patch size in pixels (multiple of 8)", DefaultValueFactory = _ => 256 };
        var batch = new Option<int>("--batch") { Description = "Patches per step", DefaultValueFactory = _ => 8 };
        var seed = new Option<int>("--seed") { Description = "Seed of weights and patch sampling", DefaultValueFactory = _ => 1 };
        var device = DeviceOption.Create();
        var command = new Command("train", "Train a small 2D U-Net tumour model on slides with tumour masks (e.g. from medvox phantom slide)")
        {
            slides, masks, output, level, iterations, patch, batch, seed, device,
        };
        command.SetAction(parse => context.Execute(() =>
        {
            var slidePaths = parse.GetValue(slides) ?? [];
            var maskPaths = parse.GetValue(masks) ?? [];
            if (maskPaths.Length > 0 && maskPaths.Length != slidePaths.Length)
            {
                throw new MedVoxException($"{slidePaths.Length} slide(s) but {maskPaths.Length} mask(s)", field: "--mask", hint: "give one mask per slide, or none to use NAME.mask.tiff");
            }

            var pairs = slidePaths.Select((s, i) => (s, maskPaths.Length > 0 ? maskPaths[i] : SlidePhantomOptions.DefaultMaskPath(s))).ToList();
            var options = new SlideTrainingOptions
            {
                Level = parse.GetValue(level),
                Iterations = parse.GetValue(iterations),
                PatchSize = parse.GetValue(patch),
                BatchSize = parse.GetValue(batch),
                Seed = parse.GetValue(seed),
            };
            var torchDevice = TorchRuntime.Resolve(parse.GetValue(device));
            string folder = parse.GetValue(output)!;
            SlideModelInfo? info = null;
            ProgressDisplay.Run(context.Console, ctx =>
            {
                var task = ctx.AddTask("training", maxValue: options.Iterations);
                var progress = new SyncProgress<TrainingProgress>(p =>
                {
                    task.Value = p.Iteration;
                    task.Description = Markup.Escape($"training: loss {p.Loss:F3}");
                });
                using var model = SlideTrainer.Train(pairs, options, folder, progress: progress, device: torchDevice);
                info = model.Info;
            });
            context.Console.MarkupLineInterpolated($"wrote model [green]{folder}[/]: level {info!.Level} (downsample {info.Downsample:0.##}, {info.MicronsPerPixel?.ToString("G4", CultureInfo.InvariantCulture) ?? "?"} um/pixel), {info.Iterations} iterations, final loss {info.FinalLoss:F3}");
            return 0;
        }));
        return command;
    }

    private static Command Predict(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "Model folder (from medvox wsi train)", Required = true };
        var input = new Option<string>("--in") { Description = "Slide to process", Required = true };
        var output = new Option<string>("--out") { Description = "Output folder: probability.tiff, heatmap.png, summary.json", Required = true };
        var level = new Option<int?>("--level") { Description = "Level to process (default: the one matching the model's resolution)" };
        var tile = new Option<int>("--tile") { Description = "Output tile size in pixels", DefaultValueFactory = _ => 512 };
        var overlap = new Option<int>("--overlap") { Description = "Context around each tile; neighbours blend over twice this", DefaultValueFactory = _ => 64 };
        var batch = new Option<int>("--batch") { Description = "Tiles per forward pass (1 suits a CPU; raise it on a GPU)", DefaultValueFactory = _ => 1 };
        var workers = new Option<int>("--workers") { Description = "Background tile readers", DefaultValueFactory = _ => 2 };
        var truth = new Option<string?>("--truth") { Description = "Ground-truth tumour mask (0/255 pyramid) to report Dice against" };
        var restart = new Option<bool>("--restart") { Description = "Start over instead of continuing an interrupted run" };
        var device = DeviceOption.Create();
        var command = new Command("predict", "Tumour probability over a whole slide, tile by tile in bounded memory; resumes interrupted runs")
        {
            model, input, output, level, tile, overlap, batch, workers, truth, restart, device,
        };
        command.SetAction(parse => context.Execute(() =>
        {
            string modelFolder = parse.GetValue(model)!;
            using var network = SlideModel.Load(modelFolder, TorchRuntime.Resolve(parse.GetValue(device)));
            var options = new SlidePredictionOptions
            {
                Level = parse.GetValue(level),
                TileSize = parse.GetValue(tile),
                Overlap = parse.GetValue(overlap),
                BatchSize = parse.GetValue(batch),
                ReadWorkers = parse.GetValue(workers),
                TruthMask = parse.GetValue(truth),
                Resume = !parse.GetValue(restart),
            };
            SlidePredictionResult? result = null;
            ProgressDisplay.Run(context.Console, ctx =>
            {
                var task = ctx.AddTask("tiles", maxValue: 1);
                var progress = new SyncProgress<SlidePredictionProgress>(p =>
                {
                    task.MaxValue = Math.Max(p.Total, 1);
                    task.Value = p.Done;
                    task.Description = Markup.Escape($"tiles {p.Done}/{p.Total}, {p.TilesPerSecond:F2} tiles/s");
                });
                result = SlidePredictor.Run(network, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelFolder))), parse.GetValue(input)!, parse.GetValue(output)!, options, progress);
            });
            var r = result!;
            if (r.Warning is not null)
            {
                context.Console.MarkupLineInterpolated($"[yellow]warning:[/] {r.Warning}");
            }

            context.Console.MarkupLineInterpolated($"level {r.Level} ({r.Width}x{r.Height}, {r.MicronsPerPixel?.ToString("G4", CultureInfo.InvariantCulture) ?? "?"} um/pixel): {r.TilesProcessed} tile(s) processed ({r.TilesResumed} resumed) of {r.TissueTiles} with tissue, {r.Tiles} in all, {r.TilesPerSecond:F2} tiles/s, {r.Seconds:F1} s");
            context.Console.MarkupLineInterpolated($"tumour area: [bold]{(r.TumourAreaMm2 is { } a ? a.ToString("F3", CultureInfo.InvariantCulture) + " mm2" : r.TumourPixels + " pixels")}[/]{(r.Dice is { } d ? $", Dice against the truth {d:F3}" : string.Empty)}");
            context.Console.MarkupLineInterpolated($"wrote [green]{r.ProbabilityPath}[/], [green]{r.HeatmapPath}[/], summary.json");
            return 0;
        }));
        return command;
    }

    /// <summary>Reports on the calling thread (Spectre's tasks are thread-safe), unlike <see cref="Progress{T}"/>, which posts to a context.</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
