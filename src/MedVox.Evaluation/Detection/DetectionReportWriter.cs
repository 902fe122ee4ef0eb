using System.Text;
using System.Text.Json;
using MedVox.IO;

namespace MedVox.Evaluation.Detection;

/// <summary>Writes a <see cref="FrocResult"/>: the curve as CSV, and a JSON summary with the operating points, CPM and per-case counts.</summary>
public static class DetectionReportWriter
{
    /// <summary>Header <c>threshold,sensitivity,false_positives_per_case,true_positives,false_positives</c>, one row per curve point.</summary>
    public static void WriteCurveCsv(FrocResult result, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(writer);
        writer.NewLine = "\n";
        writer.WriteLine("threshold,sensitivity,false_positives_per_case,true_positives,false_positives");
        var line = new StringBuilder();
        foreach (var point in result.Curve)
        {
            line.Clear()
                .Append(EvaluationFormat.Number(point.Threshold)).Append(',')
                .Append(EvaluationFormat.Number(point.Sensitivity)).Append(',')
                .Append(EvaluationFormat.Number(point.FalsePositivesPerCase)).Append(',')
                .Append(point.TruePositives.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(',')
                .Append(point.FalsePositives.ToString(System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteLine(line);
        }
    }

    public static void WriteCurveCsv(FrocResult result, string path)
    {
        using var file = AtomicFile.Create(path);
        using (var writer = new StreamWriter(file.Stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true))
        {
            WriteCurveCsv(result, writer);
        }

        file.Commit();
    }

    public static void WriteJson(FrocResult result, string path)
    {
        using var file = AtomicFile.Create(path);
        WriteJson(result, file.Stream);
        file.Commit();
    }

    public static void WriteJson(FrocResult result, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(result);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteNumber("case_count", result.CaseCount);
        json.WriteNumber("lesion_count", result.LesionCount);
        EvaluationFormat.WriteNumber(json, "hit_distance_factor", result.Options.HitDistanceFactor);
        json.WriteString("interpolation", result.Options.Interpolation == FrocInterpolation.Linear ? "linear" : "step");
        json.WriteStartArray("sensitivity_at_false_positives_per_case");
        for (int i = 0; i < result.SensitivitiesAtRates.Count; i++)
        {
            json.WriteStartObject();
            EvaluationFormat.WriteNumber(json, "false_positives_per_case", result.Options.FalsePositiveRates[i]);
            EvaluationFormat.WriteNumber(json, "sensitivity", result.SensitivitiesAtRates[i]);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        EvaluationFormat.WriteNumber(json, "cpm", result.CompetitionPerformanceMetric);
        json.WriteStartArray("cases");
        foreach (var c in result.Cases)
        {
            json.WriteStartObject();
            json.WriteString("case", c.CaseId);
            json.WriteNumber("lesions", c.LesionScores.Count);
            json.WriteNumber("detected", c.LesionScores.Count(s => s != double.NegativeInfinity));
            json.WriteNumber("candidates", c.Outcomes.Count);
            json.WriteNumber("false_positives", c.Outcomes.Count(o => o == CandidateOutcome.FalsePositive));
            json.WriteNumber("duplicates", c.Outcomes.Count(o => o == CandidateOutcome.Duplicate));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
