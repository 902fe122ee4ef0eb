using System.Text.Json;
using MedVox.Evaluation.Classification;
using MedVox.Testing;

namespace MedVox.Evaluation.Tests.Classification;

public class ClassificationTests
{
    // Positives score 0.9, 0.8, 0.5; negatives 0.8, 0.5, 0.1 (two tied pairs).
    private static readonly double[] Scores = [0.9, 0.8, 0.8, 0.5, 0.5, 0.1];
    private static readonly bool[] Labels = [true, false, true, false, true, false];

    [Fact]
    public void AucCountsTiesAsOneHalf()
    {
        // Over the 9 (positive, negative) pairs: 0.9 beats all three (3); 0.8 ties 0.8 and beats 0.5, 0.1 (2.5);
        // 0.5 loses to 0.8, ties 0.5, beats 0.1 (1.5). AUC = 7/9.
        Assert.Equal(7.0 / 9, RocCurve.Auc(Scores, Labels), 15);
    }

    [Fact]
    public void AucIsNaNWithOneClass()
    {
        Assert.True(double.IsNaN(RocCurve.Auc([0.1, 0.7], [true, true])));
    }

    [Fact]
    public void CountsAndRatiosAtThreshold()
    {
        // Score ≥ 0.5 is positive: TP 3, FP 2 (0.8, 0.5), TN 1, FN 0.
        var result = BinaryClassification.Evaluate(Scores, Labels, threshold: 0.5);
        Assert.Equal(new ClassCounts(3, 2, 1, 0), result.Counts);
        Assert.Equal(3.0 / 5, result.Precision, 15);
        Assert.Equal(1.0, result.Recall);
        Assert.Equal(1.0 / 3, result.Specificity, 15);
        Assert.Equal(0.75, result.F1, 15);
        Assert.Equal(4.0 / 6, result.Accuracy, 15);
        Assert.Equal(7.0 / 9, result.RocAuc, 15);
    }

    [Fact]
    public void RocCurveHasOnePointPerDistinctScore()
    {
        var roc = RocCurve.Compute(Scores, Labels);
        Assert.Equal([double.PositiveInfinity, 0.9, 0.8, 0.5, 0.1], roc.Thresholds);
        Assert.Equal([0, 1.0 / 3, 2.0 / 3, 1, 1], roc.TruePositiveRates);
        Assert.Equal([0, 0, 1.0 / 3, 2.0 / 3, 1], roc.FalsePositiveRates);
    }

    [Fact]
    public void UndefinedRatiosAreNaN()
    {
        var result = BinaryClassification.Evaluate([0.1, 0.2], [true, false], threshold: 0.9);
        Assert.True(double.IsNaN(result.Precision)); // nothing predicted positive
        Assert.Equal(0, result.Recall);
        Assert.Equal(0, result.F1);
    }

    [Fact]
    public void MulticlassHandExample()
    {
        // 3 classes, 5 cases. Argmax predictions: 0, 1, 1, 2, 0 (case 4 ties 0 and 2: the first wins).
        double[] scores =
        [
            0.7, 0.2, 0.1,
            0.1, 0.8, 0.1,
            0.3, 0.4, 0.3,
            0.1, 0.1, 0.8,
            0.4, 0.2, 0.4,
        ];
        int[] labels = [0, 1, 2, 2, 2];
        var result = MulticlassClassification.Evaluate(scores, labels, ["a", "b", "c"]);
        Assert.Equal([[1L, 0, 0], [0L, 1, 0], [1L, 1, 1]], result.Matrix.ToArray());
        // Class c: TP 1, FP 0, FN 2, TN 2 → precision 1, recall 1/3, specificity 1, F1 2/4.
        var c = result.Classes[2];
        Assert.Equal(new ClassCounts(1, 0, 2, 2), c.Counts);
        Assert.Equal(3, c.Support);
        Assert.Equal(0.5, c.F1, 15);
        // Class a: TP 1, FP 1 → precision 1/2; recall 1; class b likewise. Macro precision = (1/2 + 1/2 + 1) / 3.
        Assert.Equal(2.0 / 3, result.Macro.Precision, 15);
        Assert.Equal((1 + 1 + (1.0 / 3)) / 3, result.Macro.Recall, 15);
        // Micro precision = recall = F1 = accuracy = 3/5 for single-label data.
        Assert.Equal(0.6, result.Accuracy, 15);
        Assert.Equal(0.6, result.Micro.Precision, 15);
        Assert.Equal(0.6, result.Micro.F1, 15);
        // Class a AUC: positive case 0 scores 0.7 against negatives 0.1, 0.3, 0.1, 0.4: 4/4 = 1.
        Assert.Equal(1.0, result.Classes[0].RocAuc);
    }

    [Fact]
    public void MatchesScikitLearn()
    {
        TestData.RequirePython("numpy", "sklearn");
        var random = new Random(3);
        int n = 300, k = 4;
        // Integer logits make many identical rows, so ties are common; softmax rows sum to 1 as sklearn requires.
        var scores = new double[n * k];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = random.Next(k);
            double sum = 0;
            for (int c = 0; c < k; c++)
            {
                double logit = random.Next(3) + (c == labels[i] ? random.Next(3) : 0);
                scores[(i * k) + c] = Math.Exp(logit);
                sum += scores[(i * k) + c];
            }

            for (int c = 0; c < k; c++)
            {
                scores[(i * k) + c] /= sum;
            }
        }

        var binaryScores = new double[n];
        var binaryLabels = new bool[n];
        for (int i = 0; i < n; i++)
        {
            binaryScores[i] = Math.Round(scores[i * k], 1);
            binaryLabels[i] = labels[i] == 0;
        }

        using var folder = TestData.CreateTempFolder();
        File.WriteAllText(folder.File("data.json"), JsonSerializer.Serialize(new { scores, labels, k, binaryScores, binaryLabels }));
        const string script = """
            import sys, json, numpy as np
            from sklearn.metrics import roc_auc_score, roc_curve, confusion_matrix, precision_recall_fscore_support
            from sklearn.preprocessing import label_binarize
            d = json.load(open(sys.argv[1]))
            k = d['k']; y = np.array(d['labels']); s = np.array(d['scores']).reshape(-1, k)
            bs = np.array(d['binaryScores']); by = np.array(d['binaryLabels'])
            pred = s.argmax(axis=1)
            cm = confusion_matrix(y, pred, labels=range(k))
            p, r, f, support = precision_recall_fscore_support(y, pred, labels=range(k), average=None, zero_division=0)
            tn = cm.sum() - cm.sum(axis=0) - cm.sum(axis=1) + np.diag(cm)
            fp = cm.sum(axis=0) - np.diag(cm)
            fpr, tpr, thr = roc_curve(by, bs, drop_intermediate=False)
            bp, br, bf, _ = precision_recall_fscore_support(by, bs >= 0.5, average='binary')
            print(json.dumps({
                'binary_auc': roc_auc_score(by, bs), 'fpr': fpr.tolist(), 'tpr': tpr.tolist(),
                'binary_prf': [bp, br, bf],
                'cm': cm.tolist(), 'precision': p.tolist(), 'recall': r.tolist(), 'f1': f.tolist(),
                'specificity': (tn / (tn + fp)).tolist(),
                'auc': [roc_auc_score(y == c, s[:, c]) for c in range(k)],
                'macro_auc': roc_auc_score(y, s, multi_class='ovr', average='macro'),
                'micro_auc': roc_auc_score(label_binarize(y, classes=list(range(k))), s, average='micro'),
                'macro_prf': list(precision_recall_fscore_support(y, pred, average='macro', zero_division=0)[:3]),
                'micro_prf': list(precision_recall_fscore_support(y, pred, average='micro', zero_division=0)[:3]),
            }))
            """;
        using var expected = JsonDocument.Parse(ProcessRunner.Python(script, folder.File("data.json")));
        var e = expected.RootElement;
        double[] Doubles(string name) => [.. e.GetProperty(name).EnumerateArray().Select(v => v.GetDouble())];

        var binary = BinaryClassification.Evaluate(binaryScores, binaryLabels);
        Assert.Equal(e.GetProperty("binary_auc").GetDouble(), binary.RocAuc, 14);
        Assert.Equal(Doubles("fpr"), binary.Roc.FalsePositiveRates);
        Assert.Equal(Doubles("tpr"), binary.Roc.TruePositiveRates);
        Assert.Equal(Doubles("binary_prf"), new[] { binary.Precision, binary.Recall, binary.F1 });

        var names = Enumerable.Range(0, k).Select(c => $"class {c}").ToList();
        var multi = MulticlassClassification.Evaluate(scores, labels, names);
        var cm = e.GetProperty("cm").EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToArray();
        Assert.Equal(cm, multi.Matrix.ToArray());
        for (int c = 0; c < k; c++)
        {
            Assert.Equal(Doubles("precision")[c], multi.Classes[c].Precision, 14);
            Assert.Equal(Doubles("recall")[c], multi.Classes[c].Recall, 14);
            Assert.Equal(Doubles("f1")[c], multi.Classes[c].F1, 14);
            Assert.Equal(Doubles("specificity")[c], multi.Classes[c].Specificity, 14);
            Assert.Equal(Doubles("auc")[c], multi.Classes[c].RocAuc, 14);
        }

        Assert.Equal(e.GetProperty("macro_auc").GetDouble(), multi.Macro.RocAuc, 14);
        Assert.Equal(e.GetProperty("micro_auc").GetDouble(), multi.Micro.RocAuc, 14);
        Assert.Equal(Doubles("macro_prf"), [multi.Macro.Precision, multi.Macro.Recall, multi.Macro.F1], new ToleranceComparer(1e-14));
        Assert.Equal(Doubles("micro_prf"), [multi.Micro.Precision, multi.Micro.Recall, multi.Micro.F1], new ToleranceComparer(1e-14));
    }

    [Fact]
    public void WritesJson()
    {
        using var stream = new MemoryStream();
        ClassificationReportWriter.WriteJson(BinaryClassification.Evaluate(Scores, Labels), stream);
        using var json = JsonDocument.Parse(stream.ToArray());
        Assert.Equal(7.0 / 9, json.RootElement.GetProperty("roc_auc").GetDouble(), 15);
        Assert.Equal(2, json.RootElement.GetProperty("false_positives").GetInt64());
        Assert.Equal("Infinity", json.RootElement.GetProperty("roc_curve").GetProperty("thresholds")[0].GetString());

        using var multi = new MemoryStream();
        ClassificationReportWriter.WriteJson(MulticlassClassification.Evaluate([0, 1, 1], [0, 1, 0], ["no", "yes"]), multi);
        using var multiJson = JsonDocument.Parse(multi.ToArray());
        Assert.Equal(1, multiJson.RootElement.GetProperty("confusion_matrix")[0][1].GetInt64());
        Assert.Equal("NaN", multiJson.RootElement.GetProperty("macro").GetProperty("roc_auc").GetString());
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
