using System.Globalization;
using System.Text;
using System.Text.Json;
using MedVox.IO;
using TorchSharp.Modules;

namespace MedVox.Learning.Training;

/// <summary>One row of the training log: the step's loss and learning rate, and validation Dice when it ran.</summary>
/// <param name="Iteration">Optimiser steps done.</param>
/// <param name="Loss">Mean loss of the step.</param>
/// <param name="LearningRate">Learning rate the step used.</param>
/// <param name="ElapsedSeconds">Training time so far, over all resumed runs.</param>
/// <param name="ValidationDice">Dice per foreground label name on the validation cases, when validation ran after this step.</param>
public sealed record TrainingLogEntry(int Iteration, double Loss, double LearningRate, double ElapsedSeconds, IReadOnlyDictionary<string, double>? ValidationDice = null)
{
    /// <summary>Mean of the labels' validation Dice (labels absent from both prediction and reference left out).</summary>
    public double ValidationMeanDice => ValidationDice is null ? double.NaN : Mean(ValidationDice.Values);

    internal static double Mean(IEnumerable<double> values)
    {
        double sum = 0;
        int count = 0;
        foreach (double v in values)
        {
            if (!double.IsNaN(v))
            {
                sum += v;
                count++;
            }
        }

        return count == 0 ? double.NaN : sum / count;
    }
}

/// <summary>
/// Writes training metrics three ways in a model folder: <see cref="CsvFile"/> (one row per step, validation columns
/// filled when validation ran), <see cref="JsonLinesFile"/> (the same as one JSON object per line), and TensorBoard event
/// files under <see cref="TensorBoardFolder"/> (train/loss, train/learning_rate, validation/mean_dice,
/// validation/dice/LABEL). A resumed run first drops the rows after its checkpoint, so the log reads as one run.
/// </summary>
public sealed class TrainingLog
{
    public const string CsvFile = "log.csv";
    public const string JsonLinesFile = "log.jsonl";
    public const string TensorBoardFolder = "tensorboard";

    private readonly string _csv;
    private readonly string _jsonl;
    private readonly IReadOnlyList<string> _labels;
    private readonly SummaryWriter? _tensorBoard;

    /// <param name="folder">The model folder.</param>
    /// <param name="labels">Foreground label names, in column order.</param>
    /// <param name="keepThrough">Resuming: keep the rows up to this iteration and drop later ones; null starts new logs.</param>
    /// <param name="tensorBoard">Also write TensorBoard event files.</param>
    public TrainingLog(string folder, IReadOnlyList<string> labels, int? keepThrough, bool tensorBoard = true)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(labels);
        Directory.CreateDirectory(folder);
        _csv = Path.Combine(folder, CsvFile);
        _jsonl = Path.Combine(folder, JsonLinesFile);
        _labels = labels;
        string header = string.Join(',', ["iteration", "loss", "learning_rate", "elapsed_seconds", "validation_mean_dice", .. labels.Select(l => "dice_" + l)]);
        if (keepThrough is int last && File.Exists(_csv))
        {
            Truncate(_csv, last, skipHeader: true, header);
            if (File.Exists(_jsonl))
            {
                Truncate(_jsonl, last, skipHeader: false, header: null);
            }

            ElapsedBefore = LastElapsed(_csv);
        }
        else
        {
            File.WriteAllText(_csv, header + "\n");
            File.WriteAllText(_jsonl, string.Empty);
        }

        if (tensorBoard)
        {
            _tensorBoard = TorchSharp.torch.utils.tensorboard.SummaryWriter(Path.Combine(folder, TensorBoardFolder), string.Empty, false);
        }
    }

    /// <summary>Training seconds the kept rows already account for (0 for a new log).</summary>
    public double ElapsedBefore { get; }

    public void Add(TrainingLogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var csv = new StringBuilder();
        csv.Append(CultureInfo.InvariantCulture, $"{entry.Iteration},{Number(entry.Loss)},{Number(entry.LearningRate)},{entry.ElapsedSeconds:F3},");
        csv.Append(entry.ValidationDice is null ? string.Empty : Number(entry.ValidationMeanDice));
        foreach (var label in _labels)
        {
            csv.Append(',');
            if (entry.ValidationDice is not null && entry.ValidationDice.TryGetValue(label, out double dice))
            {
                csv.Append(Number(dice));
            }
        }

        File.AppendAllText(_csv, csv.Append('\n').ToString());

        var json = new Dictionary<string, object?>
        {
            ["iteration"] = entry.Iteration,
            ["loss"] = Finite(entry.Loss),
            ["learning_rate"] = entry.LearningRate,
            ["elapsed_seconds"] = Math.Round(entry.ElapsedSeconds, 3),
        };
        if (entry.ValidationDice is not null)
        {
            json["validation_mean_dice"] = Finite(entry.ValidationMeanDice);
            json["validation_dice"] = entry.ValidationDice.ToDictionary(p => p.Key, p => Finite(p.Value));
        }

        File.AppendAllText(_jsonl, JsonSerializer.Serialize(json) + "\n");

        if (_tensorBoard is not null)
        {
            _tensorBoard.add_scalar("train/loss", (float)entry.Loss, entry.Iteration);
            _tensorBoard.add_scalar("train/learning_rate", (float)entry.LearningRate, entry.Iteration);
            if (entry.ValidationDice is not null)
            {
                _tensorBoard.add_scalar("validation/mean_dice", (float)entry.ValidationMeanDice, entry.Iteration);
                foreach (var (label, dice) in entry.ValidationDice)
                {
                    _tensorBoard.add_scalar("validation/dice/" + label, (float)dice, entry.Iteration);
                }
            }
        }
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static string Number(double value) => double.IsNaN(value) ? string.Empty : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Rewrites a log without the rows after iteration <paramref name="last"/> (atomically).</summary>
    private static void Truncate(string path, int last, bool skipHeader, string? header)
    {
        var kept = new StringBuilder();
        bool first = true;
        foreach (var line in File.ReadLines(path))
        {
            if (first && skipHeader)
            {
                kept.Append(header).Append('\n');
                first = false;
                continue;
            }

            first = false;
            if (line.Length > 0 && IterationOf(line) <= last)
            {
                kept.Append(line).Append('\n');
            }
        }

        using var file = AtomicFile.Create(path);
        file.Stream.Write(Encoding.UTF8.GetBytes(kept.ToString()));
        file.Commit();
    }

    private static int IterationOf(string line)
    {
        if (line.StartsWith('{'))
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.GetProperty("iteration").GetInt32();
        }

        int comma = line.IndexOf(',', StringComparison.Ordinal);
        return int.TryParse(comma < 0 ? line : line[..comma], NumberStyles.Integer, CultureInfo.InvariantCulture, out int iteration) ? iteration : int.MaxValue;
    }

    private static double LastElapsed(string csv)
    {
        double elapsed = 0;
        foreach (var line in File.ReadLines(csv).Skip(1))
        {
            var parts = line.Split(',');
            if (parts.Length > 3 && double.TryParse(parts[3], NumberStyles.Float, CultureInfo.InvariantCulture, out double e))
            {
                elapsed = e;
            }
        }

        return elapsed;
    }
}
