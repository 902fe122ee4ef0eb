using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MedVox.Evaluation;

/// <summary>
/// Invariant-culture number formatting shared by the CSV and JSON writers: shortest round-trip decimals, "NaN",
/// "Infinity" and "-Infinity" (which Python's float(), pandas and .NET all parse). JSON has no such numbers, so they are
/// written as those strings there.
/// </summary>
public static class EvaluationFormat
{
    public static string Number(double value) => value switch
    {
        double.PositiveInfinity => "Infinity",
        double.NegativeInfinity => "-Infinity",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).</summary>
    public static string CsvField(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            return value;
        }

        return new StringBuilder(value.Length + 2).Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"').ToString();
    }

    public static void WriteNumber(Utf8JsonWriter writer, string name, double value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WritePropertyName(name);
        WriteNumberValue(writer, value);
    }

    public static void WriteNumberValue(Utf8JsonWriter writer, double value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(Number(value));
        }
    }
}
