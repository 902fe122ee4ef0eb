using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using MedVox.Evaluation.Segmentation;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.IO;
using MedVox.Testing;

namespace MedVox.Evaluation.Tests.Segmentation;

public class FolderEvaluationTests
{
    private static readonly ImageGeometry Geometry = Masks.Geometry(ImageSize.Of3D(10, 10, 6), new Vector3D(1, 1, 2));

    private static readonly LabelSet Labels = LabelSet.FromValues([new("background", 0), new("organ", 1), new("lesion", 2)]);

    // The columns medvox evaluate promises (issue 4), then the remaining metrics.
    private const string Header = "case,label,name,dice,iou,hd95,assd,nsd,volume_pred_ml,volume_gt_ml,hd,nsd_tolerance_mm,volume_difference_ml,relative_volume_difference,prediction_voxels,reference_voxels,true_positive_voxels,false_positive_voxels,false_negative_voxels";

    public FolderEvaluationTests() => TestLabelFormat.Register();

    [Fact]
    public void EvaluatesWhatItCanAndReportsEveryProblem()
    {
        using var folder = TestData.CreateTempFolder();
        string predictions = Directory.CreateDirectory(folder.File("pred")).FullName;
        string references = Directory.CreateDirectory(folder.File("ref")).FullName;

        // case_a: organ x 2..5 vs 2..6 (Dice 2·4/9), lesion absent in both.
        Write(references, "case_a", Masks.Create(Geometry, (x, _, _) => x is >= 2 and <= 6 ? 1 : 0));
        Write(predictions, "case_a", Masks.Create(Geometry, (x, _, _) => x is >= 2 and <= 5 ? 1 : 0));
        // case_b: perfect, with a lesion.
        Write(references, "case_b", Masks.Create(Geometry, (x, _, _) => x == 1 ? 2 : x == 2 ? 1 : 0));
        Write(predictions, "case_b", Masks.Create(Geometry, (x, _, _) => x == 1 ? 2 : x == 2 ? 1 : 0));
        // case_c: no prediction; case_d: no reference; case_e: geometry mismatch; case_f: undeclared value 5;
        // case_g: unreadable prediction.
        Write(references, "case_c", Masks.Create(Geometry, (_, _, _) => 1));
        Write(predictions, "case_d", Masks.Create(Geometry, (_, _, _) => 1));
        Write(references, "case_e", Masks.Create(Geometry, (_, _, _) => 1));
        Write(predictions, "case_e", Masks.Create(Geometry.WithSpacing(new Vector3D(1, 1, 2.5)), (_, _, _) => 1));
        Write(references, "case_f", Masks.Create(Geometry, (_, _, _) => 1));
        Write(predictions, "case_f", Masks.Create(Geometry, (x, _, _) => x == 0 ? 5 : 1));
        Write(references, "case_g", Masks.Create(Geometry, (_, _, _) => 1));
        File.WriteAllText(Path.Combine(predictions, "case_g.mvlab"), "garbage");
        // Ignored: files of no registered format and hidden files.
        File.WriteAllText(Path.Combine(predictions, "plans.json"), "{}");
        File.WriteAllText(Path.Combine(predictions, ".case_a.mvlab"), "hidden");

        var seen = new ConcurrentBag<string>();
        var report = SegmentationEvaluator.EvaluateFolders(predictions, references, Labels, new SegmentationOptions { MaxParallelCases = 3 }, new SyncProgress(r => seen.Add(r.CaseId)), TestContext.Current.CancellationToken);

        Assert.Equal(["case_a", "case_b", "case_c", "case_d", "case_e", "case_f", "case_g"], report.Cases.Select(c => c.CaseId));
        Assert.Equal(["case_a", "case_b", "case_c", "case_d", "case_e", "case_f", "case_g"], seen.Order(StringComparer.Ordinal));
        Assert.True(report.HasProblems);
        Assert.Equal(2, report.EvaluatedCount);
        Assert.Equal(5, report.SkippedCount);

        var a = report.Cases[0];
        Assert.Equal(8.0 / 9, a["organ"]!.Dice, 15);
        Assert.True(double.IsNaN(a["lesion"]!.Dice));
        Assert.Equal(Path.Combine(predictions, "case_a.mvlab"), a.PredictionPath);
        Assert.Equal(1.0, report.Cases[1]["lesion"]!.Dice);

        var problems = report.ProblemLines.ToList();
        Assert.Equal($"case_c: no prediction in {predictions}", problems[0]);
        Assert.Equal($"case_d: no reference in {references}", problems[1]);
        Assert.StartsWith("case_e: prediction and reference geometry differ: spacing (1, 1, 2.5) vs (1, 1, 2) mm", problems[2]);
        Assert.Equal("case_f: prediction has label values not declared in the label set: 5 (60 voxels)", problems[3]);
        Assert.Equal($"case_g: prediction {Path.Combine(predictions, "case_g.mvlab")}: is not a test label map (field header)", problems[4]);
        Assert.Equal(5, problems.Count);

        // Summary: organ Dice over the two evaluated cases; lesion Dice has one NaN (case_a) left out.
        var organ = report.Summary.Labels[0][SegmentationMetric.Dice];
        Assert.Equal(2, organ.Count);
        Assert.Equal(((8.0 / 9) + 1) / 2, organ.Mean, 15);
        var lesion = report.Summary.Labels[1][SegmentationMetric.Dice];
        Assert.Equal(1, lesion.Count);
        Assert.Equal(1, lesion.NaNCount);
        Assert.Equal(1.0, lesion.Mean);
        Assert.Equal((organ.Mean + lesion.Mean) / 2, report.Summary.ForegroundMean["dice"], 15);
    }

    [Fact]
    public void DuplicateCaseFilesAreAProblem()
    {
        using var folder = TestData.CreateTempFolder();
        string predictions = Directory.CreateDirectory(folder.File("pred")).FullName;
        string references = Directory.CreateDirectory(folder.File("ref")).FullName;
        Write(references, "case_1", Masks.Create(Geometry, (_, _, _) => 1));
        Write(predictions, "case_1", Masks.Create(Geometry, (_, _, _) => 1));
        File.Copy(Path.Combine(predictions, "case_1.mvlab"), Path.Combine(predictions, "case_1.MVLAB"));
        var report = SegmentationEvaluator.EvaluateFolders(predictions, references, Labels, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("case_1: several predictions: case_1.MVLAB, case_1.mvlab", Assert.Single(report.ProblemLines));
    }

    [Fact]
    public void MissingFoldersAndEmptyReferencesAreErrors()
    {
        using var folder = TestData.CreateTempFolder();
        string empty = Directory.CreateDirectory(folder.File("empty")).FullName;
        string missing = folder.File("missing");
        Assert.Equal($"{missing}: no such prediction folder", Assert.Throws<MedVoxException>(() => SegmentationEvaluator.EvaluateFolders(missing, empty, Labels, cancellationToken: TestContext.Current.CancellationToken)).Message);
        var error = Assert.Throws<MedVoxException>(() => SegmentationEvaluator.EvaluateFolders(empty, empty, Labels, cancellationToken: TestContext.Current.CancellationToken));
        Assert.StartsWith($"{empty}: holds no reference image file; name label maps <case>{{", error.Message);
    }

    [Fact]
    public void WritesCsvAndJsonInInvariantCulture()
    {
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            using var reference = Masks.Create(Geometry, (x, y, _) => x is >= 2 and <= 6 && y is >= 2 and <= 6 ? 1 : 0);
            using var prediction = Masks.Create(Geometry, (x, y, _) => x is >= 3 and <= 7 && y is >= 2 and <= 6 ? 1 : 0);
            var evaluated = SegmentationEvaluator.EvaluateCase("case,1", prediction, reference, Labels);
            var skipped = CaseResult.Skipped("case_2", "no prediction in /p");
            var report = new SegmentationReport([skipped, evaluated], Labels);

            var csv = new StringWriter();
            SegmentationReportWriter.WriteCsv(report, csv);
            var lines = csv.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(Header, lines[0]);
            Assert.Equal(3, lines.Length); // two labels of the evaluated case; the skipped case has no rows
            Assert.StartsWith("\"case,1\",1,organ,0.8,", lines[1]);
            Assert.StartsWith("\"case,1\",2,lesion,NaN,NaN,NaN,NaN,NaN,0,0,NaN,1,0,NaN,0,0,0,0,0", lines[2]);

            using var stream = new MemoryStream();
            SegmentationReportWriter.WriteJson(report, stream);
            using var json = JsonDocument.Parse(stream.ToArray());
            var root = json.RootElement;
            Assert.True(root.GetProperty("has_problems").GetBoolean());
            Assert.Equal(1, root.GetProperty("skipped_count").GetInt32());
            Assert.Equal("no prediction in /p", root.GetProperty("problems")[0].GetProperty("problem").GetString());
            var dice = root.GetProperty("summary").GetProperty("organ").GetProperty("dice");
            Assert.Equal(0.8, dice.GetProperty("mean").GetDouble());
            Assert.Equal("NaN", dice.GetProperty("std").GetString());
            Assert.Equal(1, dice.GetProperty("count").GetInt32());
            Assert.Equal(0, root.GetProperty("summary").GetProperty("lesion").GetProperty("dice").GetProperty("count").GetInt32());
            Assert.Equal("monai", root.GetProperty("options").GetProperty("empty_mask_convention").GetString());
            Assert.Equal("Infinity", root.GetProperty("options").GetProperty("missing_surface_distance_mm").GetString());
            Assert.Equal(0.8, root.GetProperty("cases")[0].GetProperty("metrics").GetProperty("organ").GetProperty("dice").GetDouble());
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void WritesFilesAtomically()
    {
        using var folder = TestData.CreateTempFolder();
        var report = new SegmentationReport([CaseResult.Skipped("c", "x")], Labels);
        SegmentationReportWriter.WriteCsv(report, folder.File("metrics.csv"));
        SegmentationReportWriter.WriteJson(report, folder.File("summary.json"));
        Assert.Equal(Header + "\n", File.ReadAllText(folder.File("metrics.csv")));
        Assert.Equal(2, Directory.GetFiles(folder.Path).Length);
    }

    [Fact]
    public void CaseIdStripsTheFormatEnding()
    {
        Assert.Equal("case_001", SegmentationEvaluator.CaseIdOf("/a/b/case_001.mvlab"));
        Assert.Equal("Case.v2", SegmentationEvaluator.CaseIdOf("Case.v2.MVLAB"));
        Assert.Null(SegmentationEvaluator.CaseIdOf("notes.txt"));
        Assert.Null(SegmentationEvaluator.CaseIdOf(".mvlab"));
    }

    private static void Write(string folder, string caseId, Image image)
    {
        using (image)
        {
            ImageFile.Write(image, Path.Combine(folder, caseId + ".mvlab"));
        }
    }

    private sealed class SyncProgress(Action<CaseResult> report) : IProgress<CaseResult>
    {
        public void Report(CaseResult value) => report(value);
    }
}
