using System.CommandLine;
using MedVox.Cli.Terminal;
using MedVox.IO.Datasets;
using MedVox.Learning.Data;
using MedVox.Learning.Planning;
using MedVox.Learning.Runtime;
using MedVox.Learning.Training;
using Spectre.Console;

namespace MedVox.Cli.Commands;

/// <summary>
/// <c>medvox plan DATASET --memory 24GB [--device] --out PLAN.json</c>: fingerprints the dataset and plans spacing,
/// patch, batch and network within the memory budget; the plan JSON lists the reason for each choice.
/// </summary>
internal static class PlanCommand
{
    public static Command Create(CliContext context)
    {
        var dataset = new Argument<string>("dataset") { Description = "Dataset folder (nnU-Net/Decathlon layout: dataset.json, imagesTr/, labelsTr/)" };
        var memory = new Option<string>("--memory") { Description = "Memory one training run may use: RAM on the CPU, GPU memory on CUDA (e.g. 24GB, 512MB)", Required = true };
        var output = new Option<string>("--out") { Description = "Plan file to write (JSON)", Required = true };
        var device = DeviceOption.Create();
        var settings = TrainingSettings.Create();
        var command = new Command("plan", "Fingerprint a dataset and plan preprocessing, patch, batch and network within a memory budget") { dataset, memory, output, device };
        settings.AddTo(command);
        command.SetAction(parse => context.Execute(() =>
        {
            long budget = MemorySize.Parse(parse.GetValue(memory)!, "--memory");
            var target = TorchRuntime.Resolve(parse.GetValue(device));
            var plan = Make(context, parse.GetValue(dataset)!, budget, target.type == TorchSharp.DeviceType.CUDA ? MemoryDevice.Cuda : MemoryDevice.Cpu, settings.Read(parse));
            string path = parse.GetValue(output)!;
            ModelFolder.SavePlan(plan, path);
            Print(context, plan);
            context.Console.MarkupLineInterpolated($"wrote [green]{path}[/]");
            return 0;
        }));
        return command;
    }

    /// <summary>Fingerprints (with a progress bar) and plans.</summary>
    internal static SegmentationPlan Make(CliContext context, string datasetFolder, long budget, MemoryDevice device, TrainingOptions training)
    {
        var dataset = DecathlonDataset.Read(datasetFolder);
        var fingerprint = ProgressDisplay.Run(context.Console, "fingerprinting", 1.0, progress => DatasetFingerprint.Compute(dataset, progress: progress));
        var plan = new SegmentationPlanner().Plan(fingerprint, dataset.Description, new PlannerOptions { MemoryBudgetBytes = budget, Device = device, Training = training });
        return plan with { DatasetPath = dataset.Directory };
    }

    internal static void Print(CliContext context, SegmentationPlan plan)
    {
        var table = new Table().AddColumn("choice").AddColumn("value");
        table.AddRow("patch", string.Join(" x ", plan.PatchSize));
        table.AddRow("batch", plan.BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("network", Markup.Escape($"{plan.Network.Stages} stages, features {string.Join(", ", plan.Network.Features)}"));
        table.AddRow("spacing (mm)", Markup.Escape(string.Join(" x ", plan.Preprocessing.TargetSpacing.Select(s => s.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)))));
        if (plan.Memory is { } memory)
        {
            table.AddRow("memory", Markup.Escape($"{MemoryEstimate.Format(memory.EstimatedBytes)} of {MemoryEstimate.Format(memory.BudgetBytes)} ({memory.Device})"));
        }

        context.Console.Write(table);
        if (context.Verbose)
        {
            foreach (var reason in plan.Reasons)
            {
                context.Console.WriteLine(reason);
            }
        }
    }
}

/// <summary>The options of plan and train that change a training step's memory: precision, checkpointing, compact norm, optimiser, iterations.</summary>
internal sealed class TrainingSettings
{
    private Option<string> _precision = null!;
    private Option<bool> _checkpointing = null!;
    private Option<bool> _compactNorm = null!;
    private Option<string> _optimizer = null!;
    private Option<int?> _iterations = null!;

    public static TrainingSettings Create() => new()
    {
        _precision = new Option<string>("--precision") { Description = "float32 or bf16 (bfloat16 compute, float32 master weights)", DefaultValueFactory = _ => "float32" },
        _checkpointing = new Option<bool>("--checkpointing") { Description = "Recompute activations in the backward pass (less memory, about a third more time)" },
        _compactNorm = new Option<bool>("--compact-norm") { Description = "Keep one map per conv-norm-LeakyReLU block for the backward pass instead of two (less memory without checkpointing, some extra time)" },
        _optimizer = new Option<string>("--optimizer") { Description = "sgd (Nesterov, nnU-Net's) or adamw", DefaultValueFactory = _ => "sgd" },
        _iterations = new Option<int?>("--iterations") { Description = "Optimiser steps (default 1000)" },
    };

    public Option<int?> Iterations => _iterations;

    public void AddTo(Command command)
    {
        command.Options.Add(_precision);
        command.Options.Add(_checkpointing);
        command.Options.Add(_compactNorm);
        command.Options.Add(_optimizer);
        command.Options.Add(_iterations);
    }

    public TrainingOptions Read(ParseResult parse)
    {
        var precision = parse.GetValue(_precision)!.ToLowerInvariant() switch
        {
            "float32" or "fp32" => PrecisionMode.Float32,
            "bf16" or "bfloat16" => PrecisionMode.BFloat16,
            var other => throw new MedVoxException($"unknown precision '{other}'", field: "--precision", hint: "use float32 or bf16"),
        };
        var optimizer = parse.GetValue(_optimizer)!.ToLowerInvariant() switch
        {
            "sgd" => OptimizerKind.Sgd,
            "adamw" => OptimizerKind.AdamW,
            var other => throw new MedVoxException($"unknown optimizer '{other}'", field: "--optimizer", hint: "use sgd or adamw"),
        };
        var options = new TrainingOptions { Precision = precision, Optimizer = optimizer, ActivationCheckpointing = parse.GetValue(_checkpointing), CompactNormalization = parse.GetValue(_compactNorm) };
        if (optimizer == OptimizerKind.AdamW)
        {
            options = options with { LearningRate = 1e-3, WeightDecay = 1e-2 };
        }

        if (parse.GetValue(_iterations) is int n)
        {
            if (n < 1)
            {
                throw new MedVoxException($"--iterations must be positive, got {n}", field: "--iterations");
            }

            options = options with { Iterations = n };
        }

        return options;
    }
}
