using MedVox.Evaluation.Classification;
using MedVox.Evaluation.Detection;
using ScottPlot;

namespace MedVox.Reporting.Plots;

/// <summary>The report's charts, drawn with ScottPlot in the embedded font and returned as PNG bytes.</summary>
public static class ReportPlots
{
    private static readonly Color BoxFill = Color.FromHex("#4c78a8").WithAlpha(0.25);
    private static readonly Color BoxLine = Color.FromHex("#2b4f7a");
    private static readonly Color PointColor = Color.FromHex("#e45756").WithAlpha(0.75);

    /// <summary>The distinct colours of curves, in order (Tableau 10).</summary>
    private static readonly string[] CurveColors = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

    /// <summary>
    /// One box per group (Tukey: quartiles, whiskers at 1.5 IQR) with every finite value drawn over it as a point,
    /// spread sideways by a fixed low-discrepancy offset so that equal values stay visible.
    /// </summary>
    public static byte[] BoxPlot(string title, string axisLabel, IReadOnlyList<string> groups, IReadOnlyList<IReadOnlyList<double>> values, double? lowerLimit, double? upperLimit)
    {
        var plot = NewPlot();
        var boxes = new List<Box>();
        var xs = new List<double>();
        var ys = new List<double>();
        for (int g = 0; g < groups.Count; g++)
        {
            if (BoxStatistics.Compute(values[g]) is not { } box)
            {
                continue;
            }

            boxes.Add(new Box
            {
                Position = g,
                BoxMin = box.Q1,
                BoxMax = box.Q3,
                BoxMiddle = box.Median,
                WhiskerMin = box.WhiskerLow,
                WhiskerMax = box.WhiskerHigh,
                Width = 0.6,
            });
            int k = 0;
            foreach (double v in values[g])
            {
                if (double.IsFinite(v))
                {
                    // Golden-ratio sequence in (−0.2, 0.2): deterministic, evenly spread.
                    xs.Add(g + ((((k * 0.6180339887) % 1) - 0.5) * 0.4));
                    ys.Add(v);
                    k++;
                }
            }
        }

        if (boxes.Count > 0)
        {
            var plottable = plot.Add.Boxes(boxes);
            plottable.FillColor = BoxFill;
            plottable.LineColor = BoxLine;
            plottable.LineWidth = 1.5f;
        }

        if (xs.Count > 0)
        {
            plot.Add.Markers(xs.ToArray(), ys.ToArray(), MarkerShape.FilledCircle, 5, PointColor);
        }

        double[] positions = [.. Enumerable.Range(0, groups.Count).Select(i => (double)i)];
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, [.. groups]);
        if (groups.Count > 4 || groups.Any(g => g.Length > 12))
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = -40;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
            plot.Axes.Bottom.MinimumSize = 28 + (5 * Math.Min(40, groups.Max(g => g.Length)));
        }

        plot.Axes.SetLimitsX(-0.6, groups.Count - 0.4);
        plot.Axes.AutoScaleY();
        var limits = plot.Axes.GetLimits();
        double low = lowerLimit ?? limits.Bottom, high = upperLimit ?? limits.Top;
        if (lowerLimit is not null || upperLimit is not null)
        {
            double margin = 0.03 * Math.Max(1e-9, high - low);
            plot.Axes.SetLimitsY(low - margin, high + margin);
        }

        plot.Title(title);
        plot.YLabel(axisLabel);
        plot.Axes.Title.Label.FontSize = 15;
        int width = Math.Max(420, 120 + (70 * groups.Count));
        return plot.GetImageBytes(width, 380, ImageFormat.Png);
    }

    /// <summary>ROC curves of binary classifiers with the chance diagonal; the legend gives each AUC.</summary>
    public static byte[] RocCurves(IReadOnlyList<NamedResult<BinaryClassification>> results)
    {
        var plot = NewPlot();
        var chance = plot.Add.Line(0, 0, 1, 1);
        chance.LinePattern = LinePattern.Dashed;
        chance.Color = Colors.Gray;
        chance.LineWidth = 1;
        for (int i = 0; i < results.Count; i++)
        {
            var roc = results[i].Result.Roc;
            var curve = plot.Add.ScatterLine(roc.FalsePositiveRates.ToArray(), roc.TruePositiveRates.ToArray(), Color.FromHex(CurveColors[i % CurveColors.Length]));
            curve.LineWidth = 2;
            curve.MarkerSize = 0;
            curve.LegendText = $"{results[i].Name} (AUC {Auc(results[i].Result.RocAuc)})";
        }

        plot.Axes.SetLimits(-0.02, 1.02, -0.02, 1.02);
        plot.Title("ROC");
        plot.XLabel("false positive rate (1 − specificity)");
        plot.YLabel("true positive rate (sensitivity)");
        plot.ShowLegend(Alignment.LowerRight);
        return plot.GetImageBytes(520, 500, ImageFormat.Png);
    }

    /// <summary>
    /// FROC curves (sensitivity against false positives per case) on a log₂ axis from 1/16 to the largest rate, with
    /// the sensitivities at the operating points of the competition metric marked.
    /// </summary>
    public static byte[] FrocCurves(IReadOnlyList<NamedResult<FrocResult>> results)
    {
        var plot = NewPlot();
        double maxRate = 8;
        for (int i = 0; i < results.Count; i++)
        {
            var froc = results[i].Result;
            var color = Color.FromHex(CurveColors[i % CurveColors.Length]);
            var xs = new List<double>();
            var ys = new List<double>();
            foreach (var point in froc.Curve)
            {
                if (point.FalsePositivesPerCase > 0)
                {
                    xs.Add(Math.Log2(point.FalsePositivesPerCase));
                    ys.Add(point.Sensitivity);
                    maxRate = Math.Max(maxRate, point.FalsePositivesPerCase);
                }
            }

            if (xs.Count > 0)
            {
                var curve = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray(), color);
                curve.ConnectStyle = ConnectStyle.StepHorizontal;
                curve.LineWidth = 2;
                curve.MarkerSize = 0;
                curve.LegendText = $"{results[i].Name} (CPM {Auc(froc.CompetitionPerformanceMetric)})";
            }

            var rates = froc.Options.FalsePositiveRates;
            var rx = new List<double>();
            var ry = new List<double>();
            for (int r = 0; r < rates.Count; r++)
            {
                if (rates[r] > 0 && double.IsFinite(froc.SensitivitiesAtRates[r]))
                {
                    rx.Add(Math.Log2(rates[r]));
                    ry.Add(froc.SensitivitiesAtRates[r]);
                }
            }

            if (rx.Count > 0)
            {
                plot.Add.Markers(rx.ToArray(), ry.ToArray(), MarkerShape.OpenCircle, 7, color);
            }
        }

        int top = (int)Math.Ceiling(Math.Log2(maxRate));
        var ticks = new List<double>();
        var labels = new List<string>();
        for (int e = -4; e <= top; e++)
        {
            ticks.Add(e);
            labels.Add(e < 0 ? $"1/{1 << -e}" : (1 << e).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks], [.. labels]);
        plot.Axes.SetLimits(-4.2, top + 0.2, -0.02, 1.02);
        plot.Title("FROC");
        plot.XLabel("mean false positives per case (log scale)");
        plot.YLabel("sensitivity");
        plot.ShowLegend(Alignment.LowerRight);
        return plot.GetImageBytes(560, 480, ImageFormat.Png);
    }

    private static Plot NewPlot()
    {
        var plot = new Plot();
        ReportFonts.Apply(plot);
        return plot;
    }

    private static string Auc(double value) =>
        double.IsNaN(value) ? "n/a" : value.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);
}
