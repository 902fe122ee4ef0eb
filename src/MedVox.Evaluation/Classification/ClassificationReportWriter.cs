using System.Text.Json;
using MedVox.IO;

namespace MedVox.Evaluation.Classification;

/// <summary>Writes classification results as JSON (snake_case names, invariant numbers, NaN as the string "NaN").</summary>
public static class ClassificationReportWriter
{
    public static void WriteJson(BinaryClassification result, string path) => Atomic(path, stream => WriteJson(result, stream));

    public static void WriteJson(MulticlassClassification result, string path) => Atomic(path, stream => WriteJson(result, stream));

    /// <summary>Counts, threshold, precision, recall, specificity, F1, accuracy, ROC AUC and the ROC curve.</summary>
    public static void WriteJson(BinaryClassification result, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(result);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        EvaluationFormat.WriteNumber(json, "threshold", result.Threshold);
        WriteCounts(json, result.Counts);
        EvaluationFormat.WriteNumber(json, "roc_auc", result.RocAuc);
        json.WriteStartObject("roc_curve");
        WriteArray(json, "thresholds", result.Roc.Thresholds);
        WriteArray(json, "false_positive_rates", result.Roc.FalsePositiveRates);
        WriteArray(json, "true_positive_rates", result.Roc.TruePositiveRates);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>Class names, confusion matrix (rows actual, columns predicted), per-class metrics, macro and micro averages.</summary>
    public static void WriteJson(MulticlassClassification result, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(result);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartArray("classes");
        foreach (string name in result.Matrix.ClassNames)
        {
            json.WriteStringValue(name);
        }

        json.WriteEndArray();
        json.WriteStartArray("confusion_matrix");
        foreach (var row in result.Matrix.ToArray())
        {
            json.WriteStartArray();
            foreach (long count in row)
            {
                json.WriteNumberValue(count);
            }

            json.WriteEndArray();
        }

        json.WriteEndArray();
        EvaluationFormat.WriteNumber(json, "accuracy", result.Accuracy);
        json.WriteStartObject("per_class");
        foreach (var c in result.Classes)
        {
            json.WriteStartObject(c.Name);
            json.WriteNumber("support", c.Support);
            WriteCounts(json, c.Counts);
            EvaluationFormat.WriteNumber(json, "roc_auc", c.RocAuc);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        WriteAverages(json, "macro", result.Macro);
        WriteAverages(json, "micro", result.Micro);
        json.WriteEndObject();
    }

    private static void WriteCounts(Utf8JsonWriter json, ClassCounts counts)
    {
        json.WriteNumber("true_positives", counts.TruePositives);
        json.WriteNumber("false_positives", counts.FalsePositives);
        json.WriteNumber("true_negatives", counts.TrueNegatives);
        json.WriteNumber("false_negatives", counts.FalseNegatives);
        EvaluationFormat.WriteNumber(json, "precision", counts.Precision);
        EvaluationFormat.WriteNumber(json, "recall", counts.Recall);
        EvaluationFormat.WriteNumber(json, "specificity", counts.Specificity);
        EvaluationFormat.WriteNumber(json, "f1", counts.F1);
        EvaluationFormat.WriteNumber(json, "accuracy", counts.Accuracy);
    }

    private static void WriteAverages(Utf8JsonWriter json, string name, AveragedMetrics averages)
    {
        json.WriteStartObject(name);
        EvaluationFormat.WriteNumber(json, "precision", averages.Precision);
        EvaluationFormat.WriteNumber(json, "recall", averages.Recall);
        EvaluationFormat.WriteNumber(json, "specificity", averages.Specificity);
        EvaluationFormat.WriteNumber(json, "f1", averages.F1);
        EvaluationFormat.WriteNumber(json, "roc_auc", averages.RocAuc);
        json.WriteEndObject();
    }

    private static void WriteArray(Utf8JsonWriter json, string name, IReadOnlyList<double> values)
    {
        json.WriteStartArray(name);
        foreach (double v in values)
        {
            EvaluationFormat.WriteNumberValue(json, v);
        }

        json.WriteEndArray();
    }

    private static void Atomic(string path, Action<Stream> write)
    {
        using var file = AtomicFile.Create(path);
        write(file.Stream);
        file.Commit();
    }
}
