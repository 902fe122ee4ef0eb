using System.Globalization;
using MedVox.Evaluation.Segmentation;

namespace MedVox.Reporting;

/// <summary>
/// How the report prints metric values: overlap scores (Dice, IoU, NSD) with 3 decimals, distances in mm with 2,
/// volumes in mL (cm³) with 3, the relative volume difference in percent with 1 and a sign; "∞" for infinite values
/// (a structure missed entirely) and "n/a" for undefined ones (NaN). The CSV and JSON keep full precision.
/// </summary>
public static class MetricFormat
{
    /// <summary>The unit shown in table headings for a metric ("mm", "mL", "%" or empty).</summary>
    public static string Unit(SegmentationMetric metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        return Kind(metric) switch
        {
            ValueKind.Distance => "mm",
            ValueKind.Volume => "mL",
            ValueKind.Percent => "%",
            _ => string.Empty,
        };
    }

    /// <summary>One value as shown in the report.</summary>
    public static string Value(SegmentationMetric metric, double value)
    {
        ArgumentNullException.ThrowIfNull(metric);
        if (double.IsNaN(value))
        {
            return "n/a";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "∞" : "−∞";
        }

        var culture = CultureInfo.InvariantCulture;
        string text = Kind(metric) switch
        {
            ValueKind.Score => value.ToString("0.000", culture),
            ValueKind.Distance => value.ToString("0.00", culture),
            ValueKind.Volume => (value / 1000).ToString("0.000", culture),
            ValueKind.Percent => (value * 100).ToString("+0.0;-0.0;0.0", culture),
            _ => value.ToString("0.###", culture),
        };
        return text.StartsWith('-') ? "−" + text[1..] : text;
    }

    /// <summary>"mean ± SD", or the mean alone when the standard deviation is undefined (one value, or an infinite one).</summary>
    public static string MeanAndDeviation(SegmentationMetric metric, MetricStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(metric);
        string mean = Value(metric, statistics.Mean);
        return double.IsFinite(statistics.StandardDeviation)
            ? $"{mean} ± {Deviation(metric, statistics.StandardDeviation)}"
            : mean;
    }

    /// <summary>A standard deviation: as <see cref="Value"/> but never signed.</summary>
    public static string Deviation(SegmentationMetric metric, double deviation) => Value(metric, deviation).TrimStart('+');

    private static ValueKind Kind(SegmentationMetric metric)
    {
        if (metric == SegmentationMetric.Dice || metric == SegmentationMetric.Iou || metric == SegmentationMetric.Nsd)
        {
            return ValueKind.Score;
        }

        if (metric == SegmentationMetric.Hausdorff || metric == SegmentationMetric.Hausdorff95 || metric == SegmentationMetric.Assd
            || metric == SegmentationMetric.NsdTolerance)
        {
            return ValueKind.Distance;
        }

        if (metric == SegmentationMetric.ReferenceVolume || metric == SegmentationMetric.PredictionVolume || metric == SegmentationMetric.VolumeDifference)
        {
            return ValueKind.Volume;
        }

        return metric == SegmentationMetric.RelativeVolumeDifference ? ValueKind.Percent : ValueKind.Count;
    }

    private enum ValueKind
    {
        Score,
        Distance,
        Volume,
        Percent,
        Count,
    }
}
