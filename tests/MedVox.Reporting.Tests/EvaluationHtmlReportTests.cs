using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using MedVox.Evaluation.Classification;
using MedVox.Evaluation.Detection;
using MedVox.Evaluation.Segmentation;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.IO;
using MedVox.Testing;

namespace MedVox.Reporting.Tests;

public partial class EvaluationHtmlReportTests
{
    private static readonly LabelSet Labels = LabelSet.FromValues([new("liver", 1), new("tumour", 2)]);

    /// <summary>24 × 24 × 12 voxels of 1 × 1 × 2.5 mm: 24 × 24 × 30 mm.</summary>
    private static readonly ImageGeometry Grid = Volumes.Geometry(24, 24, 12, new Vector3D(1, 1, 2.5));

    [Fact]
    public void ReportOfASmallEvaluationIsCompleteAndSelfContained()
    {
        using var folder = TestData.CreateTempFolder();
        var report = Evaluate(folder);
        string path = folder.File("report.html");

        EvaluationHtmlReport.Write(path, "Liver <test> & co", report, new HtmlReportOptions
        {
            Notes = ["method: classical baseline", "command: medvox report --x"],
            Images = [.. new[] { "case_a", "case_b", "case_c" }.Select(id => new CaseImages(id) { ImagePath = folder.File($"{id}_0000.nii.gz") })],
        });

        // Written atomically: the report and the inputs, no temporary file left beside it.
        Assert.Empty(Directory.GetFiles(folder.Path, ".*"));
        string html = File.ReadAllText(path);
        var document = Parse(html);

        // Self-contained: no script, no stylesheet link, every image a PNG data URI, no link out of the page.
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        Assert.All(Elements(document, "a"), a => Assert.StartsWith("#", (string?)a.Attribute("href")));
        Assert.All(Elements(document, "img"), img => Assert.StartsWith("data:image/png;base64,", (string?)img.Attribute("src")));
        Assert.Equal("Liver <test> & co", document.Root!.Element("head")!.Element("title")!.Value);
        Assert.Contains(Elements(document, "li"), li => li.Value == "method: classical baseline");

        // Problems are listed.
        var problems = Elements(document, "section").Single(s => (string?)s.Attribute("id") == "problems");
        Assert.Contains("case_d", problems.Value, StringComparison.Ordinal);
        Assert.Contains("no prediction file", problems.Value, StringComparison.Ordinal);

        // Summary: liver Dice by hand is 2/3, 1 and 2·1792/(2048+1792) = 14/15 (mean, sample SD, median).
        double[] liverDice = [2.0 / 3, 1, 14.0 / 15];
        double mean = liverDice.Average();
        double sd = Math.Sqrt(liverDice.Sum(d => (d - mean) * (d - mean)) / 2);
        var summary = Rows(document, "summary");
        var liver = summary.Single(r => r[0] == "liver");
        Assert.Equal("3", liver[1]);
        Assert.Equal($"{F3(mean)} ± {F3(sd)}", FirstText(liver, 2));
        Assert.Equal($"median {F3(14.0 / 15)}", Sub(liver, 2));

        // Every summary cell: the report's own statistics in the documented format (3 decimals; mm 2; mL 3; % 1 signed).
        var headings = Headings(document, "summary");
        foreach (var label in report.Summary.Labels)
        {
            var row = summary.Single(r => r[0] == label.Label.Name);
            foreach (var metric in new[] { SegmentationMetric.Dice, SegmentationMetric.Iou, SegmentationMetric.Nsd, SegmentationMetric.Hausdorff95, SegmentationMetric.Assd, SegmentationMetric.ReferenceVolume, SegmentationMetric.PredictionVolume })
            {
                int column = headings.IndexOf(metric.Title);
                var s = label[metric];
                Assert.Equal(Expected(metric, s.Mean, s.StandardDeviation), FirstText(row, column));
                Assert.Equal("median " + Expected(metric, s.Median), Sub(row, column));
            }
        }

        // The tumour was missed in case_c: its HD95 is infinite, so are the mean and the summary cell.
        var tumour = summary.Single(r => r[0] == "tumour");
        Assert.Equal("∞", FirstText(tumour, headings.IndexOf("HD95")));

        // Statistics per label: the liver's Dice row by hand; the tumour's HD95 counts one infinite value (case_c).
        var statistics = Rows(document, "statistics");
        Assert.Equal(["Dice", F3(mean), F3(sd), F3(14.0 / 15), F3(2.0 / 3), "1.000", "3", "0", "0"], statistics.First(r => r[0] == "Dice"));
        Assert.Equal(["HD95 (mm)", "∞", "n/a", "0.00", "0.00", "∞", "3", "0", "1"], statistics.Where(r => r[0] == "HD95 (mm)").ElementAt(1));

        // Per case: the hand values, the missed tumour, the skipped case.
        var cases = Rows(document, "cases");
        var caseHeadings = Headings(document, "cases");
        int dice = caseHeadings.IndexOf("Dice");
        Assert.Equal("0.667", cases.Single(r => r[0] == "case_a")[dice]);
        Assert.Equal("1.000", cases.Single(r => r[0] == "case_b")[dice]);
        var caseC = cases.SkipWhile(r => r[0] != "case_c").Take(2).ToList();
        Assert.Equal(("liver", "0.933"), (caseC[0][1], caseC[0][dice]));
        Assert.Equal(("tumour", "0.000", "∞"), (caseC[1][1], caseC[1][dice], caseC[1][caseHeadings.IndexOf("HD95")]));
        Assert.Contains("skipped: no prediction file", cases.Single(r => r[0] == "case_d")[1], StringComparison.Ordinal);

        // Reference volume of the liver in case_a: 2048 voxels of 2.5 mm³ = 5.12 mL.
        Assert.Equal("5.120", cases.Single(r => r[0] == "case_a")[caseHeadings.IndexOf("Ref. vol.")]);

        // Images: two box plots and three views of each snapshot case; all decode to their stated size.
        var images = Elements(document, "img").ToList();
        Assert.Equal(2 + 6, images.Count);
        foreach (var img in images)
        {
            var png = Png.Decode(Convert.FromBase64String(((string)img.Attribute("src")!)["data:image/png;base64,".Length..]));
            Assert.Equal(((int)img.Attribute("width")!, (int)img.Attribute("height")!), (png.Width, png.Height));
        }

        // Snapshots of the worst (case_c, mean Dice (14/15 + 0)/2) and the median case (case_a, (2/3 + 1)/2), in that order.
        var snapshots = Elements(document, "article").Select(a => (string?)a.Attribute("id")).ToList();
        Assert.Equal(["snapshot-case_c", "snapshot-case_a"], snapshots);

        // Views keep the physical aspect: 24 mm wide, 24 mm (axial) or 30 mm (coronal, sagittal) high, at 360 px / 30 mm.
        var views = images.Where(i => ((string?)i.Attribute("alt"))!.Contains("case_c", StringComparison.Ordinal))
            .Select(i => ((string)i.Attribute("alt")!, (int)i.Attribute("width")!, (int)i.Attribute("height")!)).ToList();
        Assert.Equal([("Axial slice of case_c", 288, 288), ("Coronal slice of case_c", 288, 360), ("Sagittal slice of case_c", 288, 360)], views);
    }

    [Fact]
    public void MarkupIsBalancedForPythonsHtmlParser()
    {
        TestData.RequirePython();
        using var folder = TestData.CreateTempFolder();
        var report = Evaluate(folder);
        string path = folder.File("report.html");
        EvaluationHtmlReport.Write(path, "Balanced", report, new HtmlReportOptions { Notes = ["a <b> & \"c\""] });

        const string script = """
            import sys, html.parser
            VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
            class P(html.parser.HTMLParser):
                def __init__(self):
                    super().__init__()
                    self.stack, self.errors, self.images, self.texts = [], [], 0, []
                def handle_starttag(self, tag, attrs):
                    self.images += tag == "img"
                    if tag not in VOID:
                        self.stack.append(tag)
                def handle_startendtag(self, tag, attrs):
                    self.images += tag == "img"
                def handle_endtag(self, tag):
                    if self.stack and self.stack[-1] == tag:
                        self.stack.pop()
                    else:
                        self.errors.append(tag)
                def handle_data(self, data):
                    self.texts.append(data)
            p = P()
            p.feed(open(sys.argv[1], encoding="utf-8").read())
            p.close()
            print(len(p.errors), len(p.stack), p.images, int('a <b> & "c"' in p.texts))
            """;
        string output = ProcessRunner.Python(script, path).Trim();

        // No mismatched or unclosed element; 2 box plots + 2 cases × 3 views (outlines on grey: no image given);
        // the note comes back as the text it was.
        Assert.Equal("0 0 8 1", output);
    }

    [Fact]
    public void ClassificationAndDetectionResultsHaveTablesAndCurves()
    {
        // scikit-learn's roc_auc_score example: labels 0 0 1 1, scores 0.1 0.4 0.35 0.8 give AUC 0.75.
        var binary = BinaryClassification.Evaluate([0.1, 0.4, 0.35, 0.8], [false, false, true, true]);
        var multiclass = MulticlassClassification.Evaluate([0, 1, 2, 2, 1], [0, 1, 2, 1, 1], ["normal", "benign", "malignant"]);

        // Two cases, one lesion each: hits scoring 0.9 and 0.6, false positives 0.8 and 0.7. Sensitivity is 1/2 up to
        // one false positive per case and 1 from there: CPM = (3 · 0.5 + 4 · 1) / 7.
        var froc = DetectionEvaluator.Evaluate(
        [
            new DetectionCase("a", [new Lesion(new Vector3D(0, 0, 0), 10)], [new Candidate(new Vector3D(1, 0, 0), 0.9), new Candidate(new Vector3D(100, 0, 0), 0.8)]),
            new DetectionCase("b", [new Lesion(new Vector3D(50, 0, 0), 10)], [new Candidate(new Vector3D(200, 0, 0), 0.7), new Candidate(new Vector3D(51, 0, 0), 0.6)]),
        ]);

        string html = EvaluationHtmlReport.Render("Classifiers", null, new HtmlReportOptions
        {
            BinaryClassifications = [new("model A", binary)],
            MulticlassClassifications = [new("grading", multiclass)],
            Detections = [new("detector", froc)],
        });
        var document = Parse(html);

        var binaryRow = Rows(document, null).Single(r => r[0] == "model A");
        Assert.Equal(["model A", "4", "2", "0.5", "1", "0", "2", "1", "0.500", "1.000", "1.000", "0.667", "0.750", "0.750"], binaryRow);

        // Confusion matrix rows are the actual classes: benign was predicted once as malignant.
        var confusion = Rows(document, "confusion");
        Assert.Equal(["benign", "0", "2", "1"], confusion.Single(r => r[0] == "benign"));
        Assert.Equal(["malignant", "0", "0", "1"], confusion.Single(r => r[0] == "malignant"));

        var detection = Rows(document, null).Single(r => r[0] == "detector");
        Assert.Equal(["detector", "2", "2", "0.500", "0.500", "0.500", "1.000", "1.000", "1.000", "1.000", F3(5.5 / 7)], detection);

        var figures = Elements(document, "img").Select(i => (string?)i.Attribute("alt")).ToList();
        Assert.Equal(["ROC curves", "FROC curves"], figures);
        Assert.DoesNotContain("Segmentation summary", html, StringComparison.Ordinal);
    }

    [Fact]
    public void SnapshotThatCannotBeDrawnIsNotedAndTheRestIsWritten()
    {
        using var folder = TestData.CreateTempFolder();
        var report = Evaluate(folder);
        File.Delete(folder.File("case_c_pred.nii.gz"));

        string html = EvaluationHtmlReport.Render("Missing file", report, new HtmlReportOptions { SnapshotCases = ["case_c", "case_b", "nope"] });

        var document = Parse(html);
        var warnings = Elements(document, "p").Where(p => (string?)p.Attribute("class") == "warning").Select(p => p.Value).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains("case_c_pred.nii.gz", warnings[0], StringComparison.Ordinal);
        Assert.Contains("nope", warnings[1], StringComparison.Ordinal);
        Assert.Equal(3, Elements(document, "img").Count(i => ((string?)i.Attribute("alt"))!.EndsWith("case_b", StringComparison.Ordinal)));
    }

    [Fact]
    public void MissedStructuresAndInMemoryImagesAreDrawn()
    {
        // Every prediction empty: Dice 0 and every distance infinite, so the HD95 plot has nothing finite to draw.
        using var reference = Volumes.Box(Grid, new Index3(6, 6, 3), new Index3(17, 17, 8));
        using var empty = Image.Create(Grid, ElementType.UInt8);
        using var image = Volumes.Create(Grid, (x, y, z) => x * 10, ElementType.Int16);
        var binary = LabelSet.Binary;
        var report = new SegmentationReport(
            [SegmentationEvaluator.EvaluateCase("m1", empty, reference, binary), SegmentationEvaluator.EvaluateCase("m2", empty, reference, binary)], binary);

        string html = EvaluationHtmlReport.Render("Missed", report, new HtmlReportOptions
        {
            Images = [new CaseImages("m1") { Image = image, Prediction = empty, Reference = reference }],
            SnapshotCases = ["m1"],
        });

        var document = Parse(html);
        var caption = Elements(document, "figcaption").Select(f => f.Value).Single(c => c.StartsWith("95th", StringComparison.Ordinal));
        Assert.Contains("2 infinite values (structure missed) not drawn", caption, StringComparison.Ordinal);
        Assert.Equal(2 + 3, Elements(document, "img").Count());
        Assert.Equal("0.000 ± 0.000", FirstText(Rows(document, "summary").Single(r => r[0] == "foreground"), 2));

        // The images given in memory are the caller's: still usable after the report.
        Assert.Equal(230, image.GetValue(23, 0, 0));
        Assert.Equal(1, reference.GetValue(6, 6, 3));
    }

    [Fact]
    public void ImagesAreFoundByCaseInAFolder()
    {
        using var folder = TestData.CreateTempFolder();
        using var image = Image.Create(Volumes.Geometry(4, 4, 2, Vector3D.One), ElementType.Int16);
        ImageFile.Write(image, folder.File("case_a_0000.nii.gz"));
        ImageFile.Write(image, folder.File("case_a_0001.nii.gz"));
        ImageFile.Write(image, folder.File("case_b.mha"));
        ImageFile.Write(image, folder.File("case_bb_0000.nrrd"));
        File.WriteAllText(folder.File("case_c.txt"), "not an image");

        var found = CaseImages.FromImageFolder(folder.Path, ["case_a", "case_b", "case_c"]);

        Assert.Equal([("case_a", folder.File("case_a_0000.nii.gz")), ("case_b", folder.File("case_b.mha"))], found.Select(f => (f.CaseId, f.ImagePath!)));
        Assert.Throws<MedVoxException>(() => CaseImages.FromImageFolder(folder.File("none"), ["case_a"]));
    }

    [Fact]
    public void BadArgumentsGiveClearErrors()
    {
        using var folder = TestData.CreateTempFolder();
        var report = new SegmentationReport([CaseResult.Skipped("x", "missing")], Labels);

        var error = Assert.Throws<MedVoxException>(() => EvaluationHtmlReport.Write(Path.Combine(folder.Path, "no", "such", "r.html"), "t", report));
        Assert.Contains("folder does not exist", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => EvaluationHtmlReport.Render("t", null));
        Assert.Throws<ArgumentException>(() => EvaluationHtmlReport.Render(" ", report));
        Assert.Throws<ArgumentOutOfRangeException>(() => EvaluationHtmlReport.Render("t", report, new HtmlReportOptions { Snapshot = new() { PanelSize = 3 } }));

        // A report of skipped cases only still renders (problems, empty statistics, no snapshot).
        var document = Parse(EvaluationHtmlReport.Render("all skipped", report));
        Assert.Contains("missing", Elements(document, "section").Single(s => (string?)s.Attribute("id") == "problems").Value, StringComparison.Ordinal);
        Assert.DoesNotContain(Elements(document, "img"), i => ((string?)i.Attribute("alt"))!.Contains("slice", StringComparison.Ordinal));
    }

    /// <summary>
    /// Three cases written as .nii.gz and evaluated from the files (so their paths are recorded) and one skipped:
    /// liver = box x, y 4–19, z 2–9 (2048 voxels), tumour = 4 × 4 × 2 voxels above it; case_a predicts the liver's
    /// lower four slices (Dice 2/3) and the tumour, case_b everything right, case_c the liver from x = 6 (Dice 14/15)
    /// and no tumour.
    /// </summary>
    private static SegmentationReport Evaluate(TempFolder folder)
    {
        static int Reference(int x, int y, int z) =>
            x is >= 8 and <= 11 && y is >= 8 and <= 11 && z is >= 10 and <= 11 ? 2
            : x is >= 4 and <= 19 && y is >= 4 and <= 19 && z is >= 2 and <= 9 ? 1
            : 0;

        var predictions = new Dictionary<string, Func<int, int, int, int>>
        {
            ["case_a"] = (x, y, z) => z <= 5 || Reference(x, y, z) == 2 ? Reference(x, y, z) : 0,
            ["case_b"] = Reference,
            ["case_c"] = (x, y, z) => x >= 6 && Reference(x, y, z) == 1 ? 1 : 0,
        };

        var results = new List<CaseResult>();
        foreach (var (id, predict) in predictions)
        {
            using var image = Volumes.Create(Grid, (x, y, z) => (x - 11.5) * (x - 11.5) + ((y - 11.5) * (y - 11.5)) < 121 ? 40 + (Reference(x, y, z) * 30) : -1000, ElementType.Int16);
            using var reference = Volumes.Create(Grid, (x, y, z) => Reference(x, y, z));
            using var prediction = Volumes.Create(Grid, (x, y, z) => predict(x, y, z));
            ImageFile.Write(image, folder.File($"{id}_0000.nii.gz"));
            ImageFile.Write(reference, folder.File($"{id}_ref.nii.gz"));
            ImageFile.Write(prediction, folder.File($"{id}_pred.nii.gz"));
            results.Add(SegmentationEvaluator.EvaluateFiles(id, folder.File($"{id}_pred.nii.gz"), folder.File($"{id}_ref.nii.gz"), Labels));
        }

        results.Add(CaseResult.Skipped("case_d", "no prediction file"));
        return new SegmentationReport(results, Labels);
    }

    private static XDocument Parse(string html)
    {
        using var reader = XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        return XDocument.Load(reader);
    }

    private static IEnumerable<XElement> Elements(XDocument document, string name) => document.Descendants(name);

    /// <summary>The body rows of the tables of class <paramref name="tableClass"/> (any table when null), as cell texts.</summary>
    private static List<List<string>> Rows(XDocument document, string? tableClass) =>
        [.. Elements(document, "table")
            .Where(t => tableClass is null || (string?)t.Attribute("class") == tableClass)
            .SelectMany(t => t.Descendants("tbody").Elements("tr"))
            .Select(tr => tr.Elements().Select(c => c.Value).ToList())];

    private static List<string> Headings(XDocument document, string tableClass) =>
        [.. Elements(document, "table").Single(t => (string?)t.Attribute("class") == tableClass)
            .Descendants("thead").Elements("tr").Single().Elements("th").Select(th => th.Nodes().OfType<XText>().FirstOrDefault()?.Value ?? string.Empty)];

    /// <summary>A cell's own first text (without the "median" line).</summary>
    private static string FirstText(List<string> row, int column) => SubPattern().Split(row[column])[0];

    private static string Sub(List<string> row, int column) => SubPattern().Match(row[column]).Value;

    [GeneratedRegex("median .*$")]
    private static partial Regex SubPattern();

    private static string F3(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>The documented display format, written out here independently of the library's formatter.</summary>
    private static string Expected(SegmentationMetric metric, double value, double? sd = null)
    {
        string One(double v)
        {
            if (double.IsPositiveInfinity(v))
            {
                return "∞";
            }

            string text = metric == SegmentationMetric.Hausdorff95 || metric == SegmentationMetric.Assd ? v.ToString("0.00", CultureInfo.InvariantCulture)
                : metric == SegmentationMetric.ReferenceVolume || metric == SegmentationMetric.PredictionVolume ? (v / 1000).ToString("0.000", CultureInfo.InvariantCulture)
                : v.ToString("0.000", CultureInfo.InvariantCulture);
            return text.Replace('-', '−');
        }

        return sd is double s && double.IsFinite(s) ? $"{One(value)} ± {One(s)}" : One(value);
    }
}
