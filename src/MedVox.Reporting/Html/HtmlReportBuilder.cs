using System.Globalization;
using System.Text;
using MedVox.Evaluation.Classification;
using MedVox.Evaluation.Segmentation;
using MedVox.Imaging;
using MedVox.IO;
using MedVox.Reporting.Plots;
using MedVox.Reporting.Snapshots;

namespace MedVox.Reporting.Html;

/// <summary>Writes the sections of the report into one string.</summary>
internal sealed class HtmlReportBuilder(string title, SegmentationReport? segmentation, HtmlReportOptions options)
{
    /// <summary>The metrics of the per-case table, in column order.</summary>
    internal static readonly SegmentationMetric[] TableMetrics =
    [
        SegmentationMetric.Dice, SegmentationMetric.Iou, SegmentationMetric.Hausdorff95, SegmentationMetric.Assd, SegmentationMetric.Nsd,
        SegmentationMetric.Hausdorff, SegmentationMetric.ReferenceVolume, SegmentationMetric.PredictionVolume, SegmentationMetric.VolumeDifference,
        SegmentationMetric.RelativeVolumeDifference,
    ];

    /// <summary>The metrics of the summary table (the volume difference, implied by the two volumes, only in the per-label statistics).</summary>
    internal static readonly SegmentationMetric[] SummaryMetrics = [.. TableMetrics.Where(m => m != SegmentationMetric.VolumeDifference)];

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private readonly StringBuilder _html = new(1 << 16);

    public string Build()
    {
        _html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
            .Append("<meta name=\"generator\" content=\"MedVox\"/>\n")
            .Append("<title>").Append(HtmlText.Escape(title)).Append("</title>\n<style>").Append(ReportStyle.Css).Append("</style>\n</head>\n<body>\n<main>\n");
        WriteHeader();
        WriteNotes();
        if (segmentation is not null)
        {
            WriteProblems(segmentation);
            WriteSummary(segmentation);
            WriteDistributions(segmentation);
            WriteSnapshots(segmentation);
            WriteCases(segmentation);
            WriteStatistics(segmentation);
        }

        WriteClassification();
        WriteDetection();
        _html.Append("<footer>Written by MedVox. Everything in this page is embedded in this one file.</footer>\n</main>\n</body>\n</html>\n");
        return _html.ToString();
    }

    private void WriteHeader()
    {
        _html.Append("<header>\n<h1>").Append(HtmlText.Escape(title)).Append("</h1>\n");
        var parts = new List<string>();
        if (segmentation is not null)
        {
            parts.Add($"{segmentation.EvaluatedCount} case{Plural(segmentation.EvaluatedCount)} evaluated");
            if (segmentation.SkippedCount > 0)
            {
                parts.Add($"{segmentation.SkippedCount} skipped");
            }

            parts.Add($"label{Plural(segmentation.Labels.Evaluated.Count)}: {string.Join(", ", segmentation.Labels.Evaluated.Select(l => l.Name))}");
        }

        if (options.BinaryClassifications.Count + options.MulticlassClassifications.Count > 0)
        {
            parts.Add($"{options.BinaryClassifications.Count + options.MulticlassClassifications.Count} classification result(s)");
        }

        if (options.Detections.Count > 0)
        {
            parts.Add($"{options.Detections.Count} detection result(s)");
        }

        _html.Append("<p class=\"lead\">").Append(HtmlText.Escape(string.Join(" · ", parts))).Append("</p>\n");

        _html.Append("<nav>");
        void Link(string id, string text) => _html.Append("<a href=\"#").Append(id).Append("\">").Append(HtmlText.Escape(text)).Append("</a>");
        if (options.Notes.Count > 0)
        {
            Link("run", "Run");
        }

        if (segmentation is not null)
        {
            if (segmentation.HasProblems)
            {
                Link("problems", "Problems");
            }

            Link("summary", "Summary");
            Link("distributions", "Distributions");
            Link("snapshots", "Snapshots");
            Link("cases", "Per case");
            Link("statistics", "Statistics");
        }

        if (options.BinaryClassifications.Count + options.MulticlassClassifications.Count > 0)
        {
            Link("classification", "Classification");
        }

        if (options.Detections.Count > 0)
        {
            Link("detection", "Detection");
        }

        _html.Append("</nav>\n</header>\n");
    }

    private void WriteNotes()
    {
        if (options.Notes.Count == 0)
        {
            return;
        }

        _html.Append("<section id=\"run\">\n<h2>Run</h2>\n<ul class=\"notes\">\n");
        foreach (string note in options.Notes)
        {
            _html.Append("<li>").Append(HtmlText.Escape(note)).Append("</li>\n");
        }

        _html.Append("</ul>\n</section>\n");
    }

    private void WriteProblems(SegmentationReport report)
    {
        if (!report.HasProblems)
        {
            return;
        }

        _html.Append("<section id=\"problems\" class=\"problems\">\n<h2>Problems: ")
            .Append(report.SkippedCount).Append(" case").Append(Plural(report.SkippedCount)).Append(" skipped</h2>\n")
            .Append("<p>These cases were not evaluated and are in none of the statistics below.</p>\n<ul>\n");
        foreach (var c in report.Cases)
        {
            foreach (string problem in c.Problems)
            {
                _html.Append("<li><b>").Append(HtmlText.Escape(c.CaseId)).Append("</b>: ").Append(HtmlText.Escape(problem)).Append("</li>\n");
            }
        }

        _html.Append("</ul>\n</section>\n");
    }

    private void WriteSummary(SegmentationReport report)
    {
        _html.Append("<section id=\"summary\">\n<h2>Segmentation summary</h2>\n")
            .Append("<p>Mean ± standard deviation over the ").Append(report.Summary.EvaluatedCases)
            .Append(" evaluated case").Append(Plural(report.Summary.EvaluatedCases)).Append(", median below. ")
            .Append("Undefined values (n/a) are left out; a missed structure makes its distances infinite (∞), and so the mean.</p>\n")
            .Append("<div class=\"scroll\">\n<table class=\"summary\">\n<thead>\n<tr><th>Label</th><th class=\"num\">n</th>");
        foreach (var metric in SummaryMetrics)
        {
            Heading(metric);
        }

        _html.Append("</tr>\n</thead>\n<tbody>\n");
        foreach (var label in report.Summary.Labels)
        {
            var dice = label[SegmentationMetric.Dice];
            _html.Append("<tr><th>").Append(HtmlText.Escape(label.Label.Name)).Append("</th><td class=\"num\">").Append(dice.Count + dice.NaNCount).Append("</td>");
            foreach (var metric in SummaryMetrics)
            {
                var statistics = label[metric];
                _html.Append("<td class=\"num\">").Append(HtmlText.Escape(MetricFormat.MeanAndDeviation(metric, statistics)))
                    .Append("<span class=\"sub\">median ").Append(HtmlText.Escape(MetricFormat.Value(metric, statistics.Median))).Append("</span></td>");
            }

            _html.Append("</tr>\n");
        }

        if (report.Summary.Labels.Count > 1)
        {
            _html.Append("<tr class=\"total\"><th>mean over labels</th><td></td>");
            foreach (var metric in SummaryMetrics)
            {
                _html.Append("<td class=\"num\">").Append(HtmlText.Escape(MetricFormat.Value(metric, report.Summary.ForegroundMean[metric.Name]))).Append("</td>");
            }

            _html.Append("</tr>\n");
        }

        _html.Append("</tbody>\n</table>\n</div>\n");
        WriteDefinitions(report);
        _html.Append("</section>\n");
    }

    private void WriteDefinitions(SegmentationReport report)
    {
        var o = report.Options;
        string tolerance = o.SurfaceToleranceByLabel is { Count: > 0 } byLabel
            ? string.Join(", ", report.Labels.Evaluated.Select(l => $"{l.Name} {o.ToleranceFor(l.Name).ToString("0.###", Invariant)} mm"))
            : $"{o.SurfaceTolerance.ToString("0.###", Invariant)} mm";
        string empty = o.EmptyMasks switch
        {
            EmptyMaskConvention.NnUNet => "nnU-Net (empty reference and prediction: Dice n/a; empty reference only: Dice 0)",
            EmptyMaskConvention.Decathlon => "Medical Segmentation Decathlon (both empty: Dice 1)",
            _ => "MONAI (an empty reference makes Dice and IoU n/a)",
        };
        _html.Append("<details class=\"definitions\">\n<summary>Definitions</summary>\n<ul>\n")
            .Append("<li><b>Dice</b> = 2|P∩R| / (|P| + |R|), <b>IoU</b> = |P∩R| / |P∪R| by voxel counts (P prediction, R reference).</li>\n")
            .Append("<li>Surface distances (mm, from the voxel spacing) between boundary voxels: <b>HD</b> the largest, <b>HD95</b> the larger of the two directed 95th percentiles, <b>ASSD</b> the mean of both directions together (MONAI's definitions).</li>\n")
            .Append("<li><b>NSD</b>: boundary voxels within the tolerance of the other boundary over all boundary voxels; tolerance ").Append(HtmlText.Escape(tolerance)).Append(".</li>\n")
            .Append("<li>Volumes in mL (cm³); <b>Vol. diff.</b> = prediction − reference; <b>Rel. vol. diff.</b> = difference / reference volume.</li>\n")
            .Append("<li>Empty masks: ").Append(HtmlText.Escape(empty)).Append(".</li>\n")
            .Append("</ul>\n</details>\n");
    }

    private void WriteDistributions(SegmentationReport report)
    {
        _html.Append("<section id=\"distributions\">\n<h2>Distributions</h2>\n");
        if (report.EvaluatedCount == 0)
        {
            _html.Append("<p class=\"muted\">No case was evaluated.</p>\n</section>\n");
            return;
        }

        _html.Append("<div class=\"figures\">\n");
        var labels = report.Labels.Evaluated;
        var names = labels.Select(l => l.Name).ToList();
        foreach (var (metric, lower, upper) in new (SegmentationMetric, double?, double?)[] { (SegmentationMetric.Dice, 0, 1), (SegmentationMetric.Hausdorff95, 0, null) })
        {
            var values = new List<IReadOnlyList<double>>();
            int infinite = 0, undefined = 0;
            foreach (var label in labels)
            {
                var list = new List<double>();
                foreach (var c in report.Cases)
                {
                    if (c[label.Name] is { } m)
                    {
                        double v = metric.ValueOf(m);
                        infinite += double.IsInfinity(v) ? 1 : 0;
                        undefined += double.IsNaN(v) ? 1 : 0;
                        list.Add(v);
                    }
                }

                values.Add(list);
            }

            string unit = MetricFormat.Unit(metric);
            byte[] png = ReportPlots.BoxPlot($"{metric.Title} per label", unit.Length > 0 ? $"{metric.Title} ({unit})" : metric.Title, names, values, lower, upper);
            var caption = new StringBuilder($"{metric.Description}: box from the first to the third quartile with the median, whiskers to the furthest value within 1.5 IQR, one point per case.");
            if (infinite > 0)
            {
                caption.Append(CultureInfo.InvariantCulture, $" {infinite} infinite value{Plural(infinite)} (structure missed) not drawn.");
            }

            if (undefined > 0)
            {
                caption.Append(CultureInfo.InvariantCulture, $" {undefined} undefined value{Plural(undefined)} (n/a) not drawn.");
            }

            Figure(png, $"{metric.Title} box plot per label", caption.ToString());
        }

        _html.Append("</div>\n</section>\n");
    }

    private void WriteSnapshots(SegmentationReport report)
    {
        _html.Append("<section id=\"snapshots\">\n<h2>Snapshots</h2>\n");
        var chosen = ChooseSnapshotCases(report);
        if (chosen.Count == 0)
        {
            _html.Append("<p class=\"muted\">").Append(options.SnapshotCases is { Count: 0 } ? "No snapshots were asked for." : "No evaluated case has a defined Dice to choose snapshots by.").Append("</p>\n</section>\n");
            return;
        }

        _html.Append("<p class=\"muted\">Slices through the centre of the reference foreground. Radiological convention: axial seen from the feet (patient's right on the image's left), coronal from the front, sagittal from the patient's left; each voxel is drawn to its physical size. ")
            .Append("References are outlined wide and beneath, predictions narrow and on top, along the voxel edges.</p>\n");
        foreach (var (id, caseResult, role) in chosen)
        {
            if (caseResult is null)
            {
                _html.Append("<article class=\"case\">\n<h3>").Append(HtmlText.Escape(id)).Append("</h3>\n");
                Note($"No snapshot: {id} is not a case of this evaluation.");
                _html.Append("</article>\n");
                continue;
            }

            WriteCaseSnapshot(report, caseResult, role);
        }

        _html.Append("</section>\n");
    }

    /// <summary>The cases to draw (null when an asked-for case is not in the evaluation): those asked for, else the worst and the median by mean Dice over labels.</summary>
    internal List<(string Id, CaseResult? Case, string Role)> ChooseSnapshotCases(SegmentationReport report)
    {
        var chosen = new List<(string, CaseResult?, string)>();
        if (options.SnapshotCases is { } asked)
        {
            foreach (string id in asked)
            {
                var found = report.Cases.FirstOrDefault(c => c.CaseId == id);
                double meanDice = found is null ? double.NaN : MeanDice(found);
                chosen.Add((id, found, double.IsNaN(meanDice) ? "chosen" : $"mean Dice {Score(meanDice)}"));
            }

            return chosen;
        }

        var ranked = report.Cases.Where(c => c.IsEvaluated && !double.IsNaN(MeanDice(c)))
            .OrderBy(MeanDice).ThenBy(c => c.CaseId, StringComparer.Ordinal).ToList();
        if (ranked.Count == 0)
        {
            return chosen;
        }

        chosen.Add((ranked[0].CaseId, ranked[0], $"worst mean Dice ({Score(MeanDice(ranked[0]))})"));
        int middle = (ranked.Count - 1) / 2;
        if (middle > 0)
        {
            chosen.Add((ranked[middle].CaseId, ranked[middle], $"median mean Dice ({Score(MeanDice(ranked[middle]))})"));
        }

        return chosen;
    }

    /// <summary>The mean Dice over the case's labels with a defined Dice; NaN when none has one.</summary>
    internal static double MeanDice(CaseResult c)
    {
        double sum = 0;
        int count = 0;
        foreach (var label in c.Labels)
        {
            if (!double.IsNaN(label.Metrics.Dice))
            {
                sum += label.Metrics.Dice;
                count++;
            }
        }

        return count == 0 ? double.NaN : sum / count;
    }

    private void WriteCaseSnapshot(SegmentationReport report, CaseResult caseResult, string role)
    {
        string id = caseResult.CaseId;
        _html.Append("<article class=\"case\" id=\"").Append(HtmlText.Id("snapshot", id)).Append("\">\n<h3>")
            .Append(HtmlText.Escape(id)).Append(" <span class=\"tag\">").Append(HtmlText.Escape(role)).Append("</span></h3>\n");
        if (caseResult.Labels.Count > 0)
        {
            _html.Append("<p class=\"muted\">Dice: ")
                .Append(HtmlText.Escape(string.Join(", ", caseResult.Labels.Select(l => $"{l.Label.Name} {MetricFormat.Value(SegmentationMetric.Dice, l.Metrics.Dice)}"))))
                .Append("</p>\n");
        }

        var sources = options.Images.FirstOrDefault(i => i.CaseId == id);
        var owned = new List<Image>();
        try
        {
            Image? Load(Image? given, string? path)
            {
                if (given is not null || path is null)
                {
                    return given;
                }

                var read = ImageFile.Read(path);
                owned.Add(read);
                return read;
            }

            var reference = Load(sources?.Reference, sources?.ReferencePath ?? caseResult.ReferencePath);
            var prediction = Load(sources?.Prediction, sources?.PredictionPath ?? caseResult.PredictionPath);
            var image = Load(sources?.Image, sources?.ImagePath);
            if (reference is null && prediction is null && image is null)
            {
                Note($"No snapshot: no image or label map of {id} is known (pass the images, or evaluate files so their paths are recorded).");
                return;
            }

            var snapshot = SnapshotRenderer.Render(image, prediction, reference, report.Labels, options.Snapshot, sources?.Point);
            WritePanels(id, snapshot, image is not null, prediction is not null, reference is not null);
        }
        catch (Exception ex) when (ex is MedVoxException or IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            Note($"No snapshot of {id}: {ex.Message}");
        }
        finally
        {
            foreach (var image in owned)
            {
                image.Dispose();
            }

            _html.Append("</article>\n");
        }
    }

    private void WritePanels(string id, CaseSnapshot snapshot, bool hasImage, bool hasPrediction, bool hasReference)
    {
        _html.Append("<div class=\"panels\">\n");
        foreach (var panel in snapshot.Panels)
        {
            string axis = "ijk"[panel.SourceAxis].ToString();
            string caption = $"{panel.View} · {axis} = {panel.SliceIndex} of {panel.SliceCount}";
            _html.Append("<figure class=\"panel\"><img src=\"").Append(HtmlText.PngDataUri(panel.Png)).Append("\" width=\"").Append(panel.Width)
                .Append("\" height=\"").Append(panel.Height).Append("\" alt=\"").Append(HtmlText.Escape($"{panel.View} slice of {id}")).Append("\"/>")
                .Append("<figcaption>").Append(HtmlText.Escape(caption)).Append("</figcaption></figure>\n");
        }

        _html.Append("</div>\n<ul class=\"legend\">\n");
        if (hasReference && hasPrediction)
        {
            _html.Append("<li class=\"key\">wide: reference · narrow: prediction</li>\n");
        }

        foreach (var style in snapshot.Styles)
        {
            _html.Append("<li><b>").Append(HtmlText.Escape(style.Label)).Append("</b> ");
            if (hasReference)
            {
                Swatch(style.ReferenceColor, 5, "reference");
            }

            if (hasPrediction)
            {
                Swatch(style.PredictionColor, 2.5, "prediction");
            }

            _html.Append("</li>\n");
        }

        _html.Append("</ul>\n");
        var details = new List<string>();
        if (snapshot.Window is { } window)
        {
            string how = !snapshot.WindowIsAutomatic ? "given"
                : window == IntensityWindow.CtSoftTissue ? "automatic: CT soft tissue"
                : $"automatic: {options.Snapshot.LowerPercentile.ToString("0.##", Invariant)}–{options.Snapshot.UpperPercentile.ToString("0.##", Invariant)} percentiles";
            details.Add($"window {window} ({how})");
        }
        else if (!hasImage)
        {
            details.Add("no image given: outlines on grey");
        }

        var c = snapshot.Centre;
        details.Add(string.Create(Invariant, $"centre (LPS) {c.X:0.#}, {c.Y:0.#}, {c.Z:0.#} mm"));
        details.Add(string.Create(Invariant, $"{snapshot.PixelsPerMillimetre:0.##} px/mm"));
        if (snapshot.IsOblique)
        {
            details.Add("oblique grid: views follow the nearest patient axes");
        }

        _html.Append("<p class=\"muted\">").Append(HtmlText.Escape(string.Join(" · ", details))).Append("</p>\n");
    }

    private void Swatch(string color, double width, string what)
    {
        _html.Append("<svg class=\"swatch\" width=\"26\" height=\"10\" viewBox=\"0 0 26 10\" role=\"img\" aria-label=\"").Append(what).Append("\"><title>").Append(what)
            .Append("</title><line x1=\"1\" y1=\"5\" x2=\"25\" y2=\"5\" stroke=\"").Append(color).Append("\" stroke-width=\"").Append(width.ToString(Invariant)).Append("\"/></svg>");
    }

    private void WriteCases(SegmentationReport report)
    {
        _html.Append("<section id=\"cases\">\n<h2>Per case</h2>\n<div class=\"scroll\">\n<table class=\"cases\">\n<thead>\n<tr><th>Case</th><th>Label</th>");
        foreach (var metric in TableMetrics)
        {
            Heading(metric);
        }

        _html.Append("</tr>\n</thead>\n<tbody>\n");
        foreach (var c in report.Cases)
        {
            if (!c.IsEvaluated)
            {
                _html.Append("<tr class=\"skipped\"><th>").Append(HtmlText.Escape(c.CaseId)).Append("</th><td colspan=\"").Append(TableMetrics.Length + 1)
                    .Append("\">skipped: ").Append(HtmlText.Escape(string.Join("; ", c.Problems))).Append("</td></tr>\n");
                continue;
            }

            for (int l = 0; l < c.Labels.Count; l++)
            {
                var result = c.Labels[l];
                _html.Append("<tr").Append(l == 0 ? " class=\"first\"" : string.Empty).Append('>');
                _html.Append(l == 0 ? "<th>" + HtmlText.Escape(c.CaseId) + "</th>" : "<th></th>");
                _html.Append("<td>").Append(HtmlText.Escape(result.Label.Name)).Append("</td>");
                foreach (var metric in TableMetrics)
                {
                    double value = metric.ValueOf(result.Metrics);
                    _html.Append("<td class=\"num\"");
                    if (metric == SegmentationMetric.Dice && double.IsFinite(value))
                    {
                        // Red (0) through yellow to green (1), faint, so that poor cases stand out when scrolling.
                        _html.Append(" style=\"background:hsl(").Append(Math.Round(Math.Clamp(value, 0, 1) * 120).ToString(Invariant)).Append(",75%,88%)\"");
                    }

                    _html.Append('>').Append(HtmlText.Escape(MetricFormat.Value(metric, value))).Append("</td>");
                }

                _html.Append("</tr>\n");
            }
        }

        _html.Append("</tbody>\n</table>\n</div>\n</section>\n");
    }

    private void WriteStatistics(SegmentationReport report)
    {
        _html.Append("<section id=\"statistics\">\n<h2>Statistics per label</h2>\n<div class=\"figures\">\n");
        foreach (var label in report.Summary.Labels)
        {
            _html.Append("<div>\n<h3>").Append(HtmlText.Escape(label.Label.Name)).Append("</h3>\n<table class=\"statistics\">\n<thead>\n<tr><th>Metric</th>")
                .Append("<th class=\"num\">mean</th><th class=\"num\">SD</th><th class=\"num\">median</th><th class=\"num\">min</th><th class=\"num\">max</th>")
                .Append("<th class=\"num\">n</th><th class=\"num\">n/a</th><th class=\"num\">∞</th></tr>\n</thead>\n<tbody>\n");
            foreach (var metric in SegmentationMetric.SummarizedMetrics)
            {
                var s = label[metric];
                string unit = MetricFormat.Unit(metric);
                _html.Append("<tr><th>").Append(HtmlText.Escape(metric.Title)).Append(unit.Length > 0 ? $" ({unit})" : string.Empty).Append("</th>");
                _html.Append("<td class=\"num\">").Append(HtmlText.Escape(MetricFormat.Value(metric, s.Mean))).Append("</td>")
                    .Append("<td class=\"num\">").Append(HtmlText.Escape(MetricFormat.Deviation(metric, s.StandardDeviation))).Append("</td>");
                foreach (double v in (ReadOnlySpan<double>)[s.Median, s.Min, s.Max])
                {
                    _html.Append("<td class=\"num\">").Append(HtmlText.Escape(MetricFormat.Value(metric, v))).Append("</td>");
                }

                _html.Append("<td class=\"num\">").Append(s.Count).Append("</td><td class=\"num\">").Append(s.NaNCount)
                    .Append("</td><td class=\"num\">").Append(s.InfiniteCount).Append("</td></tr>\n");
            }

            _html.Append("</tbody>\n</table>\n</div>\n");
        }

        _html.Append("</div>\n</section>\n");
    }

    private void WriteClassification()
    {
        if (options.BinaryClassifications.Count + options.MulticlassClassifications.Count == 0)
        {
            return;
        }

        _html.Append("<section id=\"classification\">\n<h2>Classification</h2>\n");
        if (options.BinaryClassifications.Count > 0)
        {
            _html.Append("<div class=\"scroll\">\n<table>\n<thead>\n<tr><th>Result</th><th class=\"num\">n</th><th class=\"num\">positives</th><th class=\"num\">threshold</th>")
                .Append("<th class=\"num\">TP</th><th class=\"num\">FP</th><th class=\"num\">TN</th><th class=\"num\">FN</th>")
                .Append("<th class=\"num\">sensitivity</th><th class=\"num\">specificity</th><th class=\"num\">precision</th><th class=\"num\">F1</th>")
                .Append("<th class=\"num\">accuracy</th><th class=\"num\">ROC AUC</th></tr>\n</thead>\n<tbody>\n");
            foreach (var (name, result) in options.BinaryClassifications)
            {
                var k = result.Counts;
                _html.Append("<tr><th>").Append(HtmlText.Escape(name)).Append("</th>");
                foreach (long count in (ReadOnlySpan<long>)[k.TruePositives + k.FalsePositives + k.TrueNegatives + k.FalseNegatives, k.TruePositives + k.FalseNegatives])
                {
                    _html.Append("<td class=\"num\">").Append(count).Append("</td>");
                }

                _html.Append("<td class=\"num\">").Append(HtmlText.Escape(result.Threshold.ToString("0.###", Invariant))).Append("</td>");
                foreach (long count in (ReadOnlySpan<long>)[k.TruePositives, k.FalsePositives, k.TrueNegatives, k.FalseNegatives])
                {
                    _html.Append("<td class=\"num\">").Append(count).Append("</td>");
                }

                foreach (double v in (ReadOnlySpan<double>)[result.Recall, result.Specificity, result.Precision, result.F1, result.Accuracy, result.RocAuc])
                {
                    _html.Append("<td class=\"num\">").Append(Score(v)).Append("</td>");
                }

                _html.Append("</tr>\n");
            }

            _html.Append("</tbody>\n</table>\n</div>\n<div class=\"figures\">\n");
            Figure(ReportPlots.RocCurves(options.BinaryClassifications), "ROC curves",
                "Sensitivity against 1 − specificity at every distinct score threshold; dashed: chance. AUC by the rank statistic (ties count one half).");
            _html.Append("</div>\n");
        }

        foreach (var (name, result) in options.MulticlassClassifications)
        {
            WriteMulticlass(name, result);
        }

        _html.Append("</section>\n");
    }

    private void WriteMulticlass(string name, MulticlassClassification result)
    {
        _html.Append("<h3>").Append(HtmlText.Escape(name)).Append(" <span class=\"tag\">accuracy ").Append(Score(result.Accuracy)).Append("</span></h3>\n<div class=\"figures\">\n<div>\n")
            .Append("<table>\n<thead>\n<tr><th>Class</th><th class=\"num\">support</th><th class=\"num\">precision</th><th class=\"num\">recall</th>")
            .Append("<th class=\"num\">specificity</th><th class=\"num\">F1</th><th class=\"num\">ROC AUC</th></tr>\n</thead>\n<tbody>\n");
        foreach (var c in result.Classes)
        {
            _html.Append("<tr><th>").Append(HtmlText.Escape(c.Name)).Append("</th><td class=\"num\">").Append(c.Support).Append("</td>");
            foreach (double v in (ReadOnlySpan<double>)[c.Precision, c.Recall, c.Specificity, c.F1, c.RocAuc])
            {
                _html.Append("<td class=\"num\">").Append(Score(v)).Append("</td>");
            }

            _html.Append("</tr>\n");
        }

        foreach (var (averaging, m) in new[] { ("macro", result.Macro), ("micro", result.Micro) })
        {
            _html.Append("<tr class=\"total\"><th>").Append(averaging).Append(" average</th><td></td>");
            foreach (double v in (ReadOnlySpan<double>)[m.Precision, m.Recall, m.Specificity, m.F1, m.RocAuc])
            {
                _html.Append("<td class=\"num\">").Append(Score(v)).Append("</td>");
            }

            _html.Append("</tr>\n");
        }

        _html.Append("</tbody>\n</table>\n</div>\n<div>\n<table class=\"confusion\">\n<thead>\n<tr><th>actual ↓ / predicted →</th>");
        var matrix = result.Matrix;
        foreach (string c in matrix.ClassNames)
        {
            _html.Append("<th class=\"num\">").Append(HtmlText.Escape(c)).Append("</th>");
        }

        _html.Append("</tr>\n</thead>\n<tbody>\n");
        for (int a = 0; a < matrix.ClassCount; a++)
        {
            _html.Append("<tr><th>").Append(HtmlText.Escape(matrix.ClassNames[a])).Append("</th>");
            for (int p = 0; p < matrix.ClassCount; p++)
            {
                _html.Append("<td class=\"num").Append(a == p ? " diagonal" : string.Empty).Append("\">").Append(matrix[a, p]).Append("</td>");
            }

            _html.Append("</tr>\n");
        }

        _html.Append("</tbody>\n</table>\n</div>\n</div>\n");
    }

    private void WriteDetection()
    {
        if (options.Detections.Count == 0)
        {
            return;
        }

        var rates = options.Detections[0].Result.Options.FalsePositiveRates;
        bool sameRates = options.Detections.All(d => d.Result.Options.FalsePositiveRates.SequenceEqual(rates));
        _html.Append("<section id=\"detection\">\n<h2>Detection</h2>\n<div class=\"scroll\">\n<table>\n<thead>\n<tr><th>Result</th><th class=\"num\">cases</th><th class=\"num\">lesions</th>");
        if (sameRates)
        {
            foreach (double rate in rates)
            {
                _html.Append("<th class=\"num\">sens. @ ").Append(HtmlText.Escape(Rate(rate))).Append(" FP</th>");
            }
        }

        _html.Append("<th class=\"num\">CPM</th></tr>\n</thead>\n<tbody>\n");
        foreach (var (name, result) in options.Detections)
        {
            _html.Append("<tr><th>").Append(HtmlText.Escape(name)).Append("</th><td class=\"num\">").Append(result.CaseCount)
                .Append("</td><td class=\"num\">").Append(result.LesionCount).Append("</td>");
            if (sameRates)
            {
                foreach (double s in result.SensitivitiesAtRates)
                {
                    _html.Append("<td class=\"num\">").Append(Score(s)).Append("</td>");
                }
            }

            _html.Append("<td class=\"num\">").Append(Score(result.CompetitionPerformanceMetric)).Append("</td></tr>\n");
        }

        _html.Append("</tbody>\n</table>\n</div>\n<div class=\"figures\">\n");
        Figure(ReportPlots.FrocCurves(options.Detections), "FROC curves",
            "Sensitivity against mean false positives per case at every distinct score; circles: the operating points of the competition performance metric (CPM, their mean).");
        _html.Append("</div>\n</section>\n");
    }

    private void Heading(SegmentationMetric metric)
    {
        string unit = MetricFormat.Unit(metric);
        _html.Append("<th class=\"num\" title=\"").Append(HtmlText.Escape(metric.Description)).Append("\">").Append(HtmlText.Escape(metric.Title));
        if (unit.Length > 0)
        {
            _html.Append("<span class=\"unit\">").Append(HtmlText.Escape(unit)).Append("</span>");
        }

        _html.Append("</th>");
    }

    private void Figure(byte[] png, string alt, string caption)
    {
        var (width, height) = PngSize(png);
        _html.Append("<figure><img src=\"").Append(HtmlText.PngDataUri(png)).Append("\" width=\"").Append(width).Append("\" height=\"").Append(height)
            .Append("\" alt=\"").Append(HtmlText.Escape(alt)).Append("\"/><figcaption>").Append(HtmlText.Escape(caption)).Append("</figcaption></figure>\n");
    }

    private void Note(string text) => _html.Append("<p class=\"warning\">").Append(HtmlText.Escape(text)).Append("</p>\n");

    /// <summary>Width and height from a PNG's IHDR chunk.</summary>
    private static (int Width, int Height) PngSize(byte[] png) =>
        (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));

    private static string Score(double value) => double.IsNaN(value) ? "n/a" : value.ToString("0.000", Invariant);

    private static string Rate(double rate) => rate < 1 && rate > 0 && Math.Abs((1 / rate) - Math.Round(1 / rate)) < 1e-9
        ? $"1/{Math.Round(1 / rate).ToString(Invariant)}"
        : rate.ToString("0.###", Invariant);

    private static string Plural(int count) => count == 1 ? string.Empty : "s";
}
