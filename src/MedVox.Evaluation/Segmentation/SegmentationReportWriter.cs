using System.Text;
using System.Text.Json;
using MedVox.IO;

namespace MedVox.Evaluation.Segmentation;

/// <summary>
/// Writes a <see cref="SegmentationReport"/> as a per-case CSV (one row per evaluated case and label, the columns of
/// <see cref="SegmentationMetric.All"/>) and as a JSON summary (labels, options, statistics per label and metric,
/// problems, and the per-case values). Numbers use the invariant culture; see <see cref="EvaluationFormat"/>.
/// </summary>
public static class SegmentationReportWriter
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes the CSV atomically to <paramref name="path"/>.</summary>
    public static void WriteCsv(SegmentationReport report, string path)
    {
        using var file = AtomicFile.Create(path);
        using (var writer = new StreamWriter(file.Stream, Utf8, 1 << 16, leaveOpen: true))
        {
            WriteCsv(report, writer);
        }

        file.Commit();
    }

    /// <summary>
    /// The CSV columns: first those <c>medvox evaluate</c> promises (case, label value, label name, Dice, IoU, HD95, ASSD,
    /// NSD, predicted and reference volume in mL), then the remaining metrics. Region labels list their values as "1|2".
    /// </summary>
    public static IReadOnlyList<string> CsvColumns { get; } =
    [
        "case", "label", "name", "dice", "iou", "hd95", "assd", "nsd", "volume_pred_ml", "volume_gt_ml",
        "hd", "nsd_tolerance_mm", "volume_difference_ml", "relative_volume_difference",
        "prediction_voxels", "reference_voxels", "true_positive_voxels", "false_positive_voxels", "false_negative_voxels",
    ];

    /// <summary>Header <see cref="CsvColumns"/>, then one row per evaluated case and label. Skipped cases have no rows; their problems are in the JSON and in <see cref="SegmentationReport.ProblemLines"/>.</summary>
    public static void WriteCsv(SegmentationReport report, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(writer);
        writer.NewLine = "\n";
        writer.WriteLine(string.Join(',', CsvColumns));
        var line = new StringBuilder();
        foreach (var result in report.Cases)
        {
            foreach (var label in result.Labels)
            {
                var m = label.Metrics;
                line.Clear()
                    .Append(EvaluationFormat.CsvField(result.CaseId)).Append(',')
                    .Append(string.Join('|', label.Label.Values)).Append(',')
                    .Append(EvaluationFormat.CsvField(label.Label.Name));
                foreach (double value in (ReadOnlySpan<double>)[
                    m.Dice, m.Iou, m.HausdorffDistance95, m.AverageSymmetricSurfaceDistance, m.NormalizedSurfaceDice,
                    m.PredictionVolume / 1000, m.ReferenceVolume / 1000, m.HausdorffDistance, m.SurfaceTolerance,
                    m.VolumeDifference / 1000, m.RelativeVolumeDifference,
                    m.PredictionVoxels, m.ReferenceVoxels, m.TruePositiveVoxels, m.FalsePositiveVoxels, m.FalseNegativeVoxels])
                {
                    line.Append(',').Append(EvaluationFormat.Number(value));
                }

                writer.WriteLine(line);
            }
        }
    }

    /// <summary>Writes the JSON atomically to <paramref name="path"/>.</summary>
    public static void WriteJson(SegmentationReport report, string path)
    {
        using var file = AtomicFile.Create(path);
        WriteJson(report, file.Stream);
        file.Commit();
    }

    public static void WriteJson(SegmentationReport report, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(stream);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();

        json.WriteStartArray("labels");
        foreach (var label in report.Labels.Evaluated)
        {
            json.WriteStartObject();
            json.WriteString("name", label.Name);
            json.WriteStartArray("values");
            foreach (long value in label.Values)
            {
                json.WriteNumberValue(value);
            }

            json.WriteEndArray();
            EvaluationFormat.WriteNumber(json, "nsd_tolerance_mm", report.Options.ToleranceFor(label.Name));
            json.WriteEndObject();
        }

        json.WriteEndArray();

        json.WriteStartObject("options");
        json.WriteString("empty_mask_convention", report.Options.EmptyMasks.ToString().ToLowerInvariant());
        EvaluationFormat.WriteNumber(json, "missing_surface_distance_mm", report.Options.MissingSurfaceDistance);
        EvaluationFormat.WriteNumber(json, "geometry_tolerance", report.Options.GeometryTolerance);
        json.WriteEndObject();

        if (report.PredictionFolder is not null)
        {
            json.WriteString("prediction_folder", report.PredictionFolder);
        }

        if (report.ReferenceFolder is not null)
        {
            json.WriteString("reference_folder", report.ReferenceFolder);
        }

        json.WriteNumber("case_count", report.Cases.Count);
        json.WriteNumber("evaluated_count", report.EvaluatedCount);
        json.WriteNumber("skipped_count", report.SkippedCount);
        json.WriteBoolean("has_problems", report.HasProblems);

        json.WriteStartArray("problems");
        foreach (var result in report.Cases)
        {
            foreach (string problem in result.Problems)
            {
                json.WriteStartObject();
                json.WriteString("case", result.CaseId);
                json.WriteString("problem", problem);
                json.WriteEndObject();
            }
        }

        json.WriteEndArray();

        json.WriteStartObject("summary");
        foreach (var label in report.Summary.Labels)
        {
            json.WriteStartObject(label.Label.Name);
            foreach (var (name, statistics) in label.Metrics)
            {
                json.WriteStartObject(name);
                EvaluationFormat.WriteNumber(json, "mean", statistics.Mean);
                EvaluationFormat.WriteNumber(json, "std", statistics.StandardDeviation);
                EvaluationFormat.WriteNumber(json, "median", statistics.Median);
                EvaluationFormat.WriteNumber(json, "min", statistics.Min);
                EvaluationFormat.WriteNumber(json, "max", statistics.Max);
                json.WriteNumber("count", statistics.Count);
                json.WriteNumber("nan_count", statistics.NaNCount);
                json.WriteNumber("infinite_count", statistics.InfiniteCount);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();

        json.WriteStartObject("foreground_mean");
        foreach (var (name, mean) in report.Summary.ForegroundMean)
        {
            EvaluationFormat.WriteNumber(json, name, mean);
        }

        json.WriteEndObject();

        json.WriteStartArray("cases");
        foreach (var result in report.Cases)
        {
            json.WriteStartObject();
            json.WriteString("case", result.CaseId);
            json.WriteBoolean("evaluated", result.IsEvaluated);
            if (result.PredictionPath is not null)
            {
                json.WriteString("prediction", result.PredictionPath);
            }

            if (result.ReferencePath is not null)
            {
                json.WriteString("reference", result.ReferencePath);
            }

            json.WriteStartObject("metrics");
            foreach (var label in result.Labels)
            {
                json.WriteStartObject(label.Label.Name);
                foreach (var metric in SegmentationMetric.All)
                {
                    EvaluationFormat.WriteNumber(json, metric.Name, metric.ValueOf(label.Metrics));
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteStartArray("problems");
            foreach (string problem in result.Problems)
            {
                json.WriteStringValue(problem);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
