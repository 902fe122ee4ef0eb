using System.CommandLine;
using System.Globalization;
using MedVox.Cli.Terminal;
using MedVox.Imaging;
using MedVox.Learning.Inference;
using MedVox.Learning.Planning;
using MedVox.Learning.Training;
using Spectre.Console;

namespace MedVox.Cli.Commands;

/// <summary>
/// <c>medvox predict --model DIR --in PATH --out DIR</c>: full-resolution sliding-window segmentation of one image, a
/// DICOM folder, a folder of images, a dataset or a manifest, in a memory budget, optionally one shard of the cases.
/// </summary>
internal static class PredictCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "Model folder (plan.json + weights.safetensors)", Required = true };
        var input = new Option<string>("--in") { Description = "An image, a DICOM folder, a folder of images (CASE_0000...), a dataset, or a manifest (text file of paths, one case per line)", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for CASE{ending} label maps and CASE.prediction.json sidecars", Required = true };
        var device = DeviceOption.Create();
        var memory = new Option<long>("--memory")
        {
            Description = "Memory budget, e.g. 8GB or 512MB (units of 1024); default: half of the available RAM",
            CustomParser = result => ParseBytes(result),
        };
        var overlap = new Option<double>("--overlap") { Description = "Overlap of neighbouring windows (0 <= overlap < 1)", DefaultValueFactory = _ => 0.5 };
        var tta = new Option<bool>("--tta") { Description = "Test-time augmentation: average over all mirrorings (8x the work in 3D)" };
        var shard = new Option<string?>("--shard") { Description = "Predict shard K of N (K from 0) of the sorted cases, e.g. 0/3; finished cases are skipped on re-runs" };
        var probabilities = new Option<bool>("--probabilities") { Description = "Also write per-class probabilities to probabilities/CASE{ending}" };
        var batch = new Option<int>("--batch") { Description = "Windows per forward pass; default: from the budget (1 on the CPU, up to 4 on a GPU)" };
        var placement = new Option<AccumulatorPlacement>("--placement") { Description = "Where the accumulated logits live: auto (from the budget), device, host or mapped", DefaultValueFactory = _ => AccumulatorPlacement.Auto };
        var precision = new Option<AccumulatorPrecision>("--precision") { Description = "Accumulator numbers: auto (float16, float32 if logits outgrow it), float16 or float32", DefaultValueFactory = _ => AccumulatorPrecision.Auto };
        var compute = new Option<string>("--compute") { Description = "Network numbers: float32, or bf16 (bfloat16 weights and activations: half the memory, tensor cores on a GPU)", DefaultValueFactory = _ => "float32" };
        var layout = new Option<string>("--layout") { Description = "Network memory layout: auto (channels-last on the CPU, where it is faster; standard on a GPU), channels-last or standard", DefaultValueFactory = _ => "auto" };
        var ending = new Option<string?>("--ending") { Description = "Output file ending (.nii.gz, .nrrd, .mha...); default: the input's (.nii.gz for DICOM)" };
        var series = ImageInput.SeriesOption();
        var cascade = new Option<string?>("--cascade") { Description = "Coarse-to-fine: this low-resolution model folder localises the region of interest first; --model segments only inside it, at full resolution" };
        var margin = new Option<double>("--cascade-margin") { Description = "Millimetres added around the coarse model's region on every side", DefaultValueFactory = _ => 10 };
        var keepLargest = new Option<string?>("--keep-largest") { Description = "Labels (names or values, comma-separated, or 'all') whose largest connected component alone is kept; their other components become background" };
        var command = new Command("predict", "Segment images with a trained model: sliding windows at full resolution, in bounded memory")
        {
            model, input, output, device, memory, overlap, tta, shard, probabilities, batch, placement, precision, compute, layout, ending, series, cascade, margin, keepLargest,
        };
        command.SetAction((parse, cancellation) => Task.FromResult(context.Execute(() =>
        {
            var options = new PredictionOptions
            {
                Device = parse.GetValue(device),
                MemoryBudgetBytes = parse.GetValue(memory),
                Overlap = parse.GetValue(overlap),
                Mirroring = parse.GetValue(tta),
                BatchSize = parse.GetValue(batch),
                Placement = parse.GetValue(placement),
                Precision = parse.GetValue(precision),
                Compute = parse.GetValue(compute)!.ToLowerInvariant() switch
                {
                    "float32" or "fp32" => PrecisionMode.Float32,
                    "bf16" or "bfloat16" => PrecisionMode.BFloat16,
                    var other => throw new MedVoxException($"unknown compute precision '{other}'", field: "--compute", hint: "use float32 or bf16"),
                },
                Probabilities = parse.GetValue(probabilities),
                Layout = PredictionOptions.ParseLayout(parse.GetValue(layout)!),
                Log = line => context.Console.MarkupLineInterpolated($"[grey]{line}[/]"),
            };
            options = options with { KeepLargestComponent = KeepLargestLabels(parse.GetValue(keepLargest), parse.GetValue(model)!) };
            var stages = new ModelStages(parse.GetValue(model)!, parse.GetValue(cascade), parse.GetValue(margin));
            return Run(context, stages, parse.GetValue(input)!, parse.GetValue(output)!, parse.GetValue(shard), parse.GetValue(ending), parse.GetValue(series), options, cancellation);
        })));
        return command;
    }

    /// <summary>The label values of <c>--keep-largest</c>: names or values of the model's labels, or "all" (every foreground label).</summary>
    internal static int[] KeepLargestLabels(string? text, string modelFolder)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        var labels = ModelFolder.LoadPlan(Path.Combine(modelFolder, ModelFolder.PlanFile)).Labels;
        if (text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            return [.. labels.Values.Where(v => v != 0).Order()];
        }

        var values = new List<int>();
        foreach (string item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (labels.TryGetValue(item, out int value) || (int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out value) && labels.Values.Contains(value)))
            {
                if (value != 0)
                {
                    values.Add(value);
                    continue;
                }
            }

            throw new MedVoxException($"'{item}' is not a foreground label of the model", field: "--keep-largest", hint: "use its labels: " + string.Join(", ", labels.Where(l => l.Value != 0).OrderBy(l => l.Value).Select(l => $"{l.Key}={l.Value}")) + ", or all");
        }

        return [.. values.Distinct()];
    }

    /// <summary>The model folder, and the coarse model folder and margin of a cascade.</summary>
    private sealed record ModelStages(string Fine, string? Coarse, double MarginMillimetres);

    private static int Run(CliContext context, ModelStages stages, string input, string output, string? shardText, string? ending, string? series, PredictionOptions options, CancellationToken cancellation)
    {
        options.Validate();
        string modelFolder = stages.Fine;
        if (stages.Coarse is not null && options.Probabilities)
        {
            throw new MedVoxException("a cascade writes labels only, no probabilities", field: "--probabilities", hint: "leave out --probabilities, or predict without --cascade");
        }

        if (stages.Coarse is not null && !(stages.MarginMillimetres >= 0 && double.IsFinite(stages.MarginMillimetres)))
        {
            throw new MedVoxException($"the margin must be a number of millimetres >= 0, got {stages.MarginMillimetres.ToString(CultureInfo.InvariantCulture)}", field: "--cascade-margin");
        }

        var all = PredictionCases.Resolve(input);
        var cases = all;
        string shardNote = string.Empty;
        if (shardText is not null)
        {
            var (index, count) = PredictionCases.ParseShard(shardText);
            cases = PredictionCases.Shard(all, index, count);
            shardNote = $", shard {index}/{count}";
        }

        using var predictor = Predictor.Load(modelFolder, options);
        using var coarse = stages.Coarse is null ? null : Predictor.Load(stages.Coarse, options);
        using var cascade = coarse is null ? null : new CascadePredictor(coarse, predictor, stages.MarginMillimetres);
        Func<string, Image> folderReader = path => ImageInput.Read(context, path, series, 0, new Progress<double>()).Image;
        var job = cascade is null
            ? new PredictionJob(predictor, PredictionSidecar.HashModel(modelFolder), output, ending, folderReader)
            : new PredictionJob(cascade, PredictionSidecar.HashCascade(stages.Coarse!, modelFolder, stages.MarginMillimetres), output, ending, folderReader);
        job.Prepare();
        context.Console.MarkupLineInterpolated($"{cases.Count} of {all.Count} case(s){shardNote}; model {Describe(modelFolder, predictor)} on {predictor.Device.type.ToString().ToLowerInvariant()}");
        if (coarse is not null)
        {
            context.Console.MarkupLineInterpolated($"cascade: coarse model {Describe(stages.Coarse!, coarse)} localises, margin {stages.MarginMillimetres.ToString("0.##", CultureInfo.InvariantCulture)} mm");
        }

        int written = 0, skipped = 0, failed = 0;
        foreach (var predictionCase in cases)
        {
            cancellation.ThrowIfCancellationRequested();
            var report = ProgressDisplay.Run(context.Console, predictionCase.Id, 1, progress => job.Run(predictionCase, progress, cancellation));
            switch (report.Outcome)
            {
                case CaseOutcome.Written:
                    written++;
                    context.Console.MarkupLineInterpolated($"wrote [green]{Path.Combine(job.OutputDirectory, report.Files[0])}[/] ({report.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s, logits in {report.Placement?.ToString().ToLowerInvariant()})");
                    break;
                case CaseOutcome.Skipped:
                    skipped++;
                    context.Console.MarkupLineInterpolated($"skipped {predictionCase.Id}: already predicted with this model, input and settings");
                    break;
                default:
                    failed++;
                    SpectreWriter.WriteError(context.Console, report.Error!.Message);
                    break;
            }
        }

        context.Console.MarkupLineInterpolated($"{written} written, {skipped} skipped, {failed} failed");
        return failed > 0 ? 1 : 0;
    }

    private static string Describe(string folder, Predictor predictor) => string.Create(
        CultureInfo.InvariantCulture,
        $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(folder))} ({predictor.Plan.Network.Dimensions}D, patch {string.Join("x", predictor.Plan.PatchSize)} at {string.Join("x", predictor.Plan.Preprocessing.TargetSpacing.Select(s => s.ToString("0.##", CultureInfo.InvariantCulture)))} mm)");

    /// <summary>Parses "8GB", "1.5G", "512MB", "64KiB" or a number of bytes (units of 1024).</summary>
    internal static long ParseBytes(System.CommandLine.Parsing.ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value.Trim() : "0";
        int split = 0;
        while (split < text.Length && (char.IsDigit(text[split]) || text[split] == '.'))
        {
            split++;
        }

        string unit = text[split..].Trim().ToUpperInvariant().Replace("IB", "B", StringComparison.Ordinal);
        long scale = unit switch
        {
            "" or "B" => 1,
            "K" or "KB" => 1L << 10,
            "M" or "MB" => 1L << 20,
            "G" or "GB" => 1L << 30,
            "T" or "TB" => 1L << 40,
            _ => 0,
        };
        if (scale == 0 || !double.TryParse(text[..split], NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value > 0))
        {
            result.AddError($"'{text}' is not a memory size: write e.g. 8GB or 512MB");
            return 0;
        }

        return (long)(value * scale);
    }
}
