using System.Text.Json;
using MedVox.Evaluation.Detection;
using MedVox.Geometry;
using MedVox.Testing;

namespace MedVox.Evaluation.Tests.Detection;

public class DetectionTests
{
    /// <summary>
    /// Case 1: lesions L1 (origin, 10 mm) and L2 (50, 0, 0; 4 mm). Candidates: 0.9 at 1.4 mm from L1 (hit), 0.6 at
    /// 3 mm from L1 (a second hit: ignored), 0.5 at 1 mm from L2 (hit), 0.8 at 3 mm from L2 (beyond its 2 mm radius:
    /// false positive), 0.5 far away (false positive). Case 2: no lesion, false positives 0.7 and 0.2. Case 3: one
    /// lesion, no candidate (missed).
    /// </summary>
    private static readonly DetectionCase[] Cases =
    [
        new("case_1",
            [new Lesion(new Vector3D(0, 0, 0), 10), new Lesion(new Vector3D(50, 0, 0), 4)],
            [
                new Candidate(new Vector3D(1, 1, 0), 0.9),
                new Candidate(new Vector3D(3, 0, 0), 0.6),
                new Candidate(new Vector3D(51, 0, 0), 0.5),
                new Candidate(new Vector3D(53, 0, 0), 0.8),
                new Candidate(new Vector3D(100, 0, 0), 0.5),
            ]),
        new("case_2", [], [new Candidate(new Vector3D(0, 0, 0), 0.7), new Candidate(new Vector3D(9, 9, 9), 0.2)]),
        new("case_3", [new Lesion(new Vector3D(0, 0, 0), 6)], []),
    ];

    [Fact]
    public void MatchesEachLesionOnceByItsBestHit()
    {
        var result = DetectionEvaluator.Evaluate(Cases);
        Assert.Equal(3, result.LesionCount);
        Assert.Equal(3, result.CaseCount);
        var first = result.Cases[0];
        Assert.Equal([0.9, 0.5], first.LesionScores);
        Assert.Equal(
            [CandidateOutcome.TruePositive, CandidateOutcome.Duplicate, CandidateOutcome.TruePositive, CandidateOutcome.FalsePositive, CandidateOutcome.FalsePositive],
            first.Outcomes);
        Assert.Equal([double.NegativeInfinity], result.Cases[2].LesionScores);
    }

    [Fact]
    public void FrocCurveByHand()
    {
        // Lesion scores 0.9, 0.5 (one missed); false positives 0.8, 0.5, 0.7, 0.2; 3 cases, 3 lesions.
        // Thresholds: 0.9 → (0 FP, 1/3); 0.8 → (1/3, 1/3); 0.7 → (2/3, 1/3); 0.5 → (1, 2/3) (a lesion and a false
        // positive at once); 0.2 → (4/3, 2/3).
        var result = DetectionEvaluator.Evaluate(Cases);
        Assert.Equal([double.PositiveInfinity, 0.9, 0.8, 0.7, 0.5, 0.2], result.Curve.Select(p => p.Threshold));
        Assert.Equal([0, 0, 1.0 / 3, 2.0 / 3, 1, 4.0 / 3], result.Curve.Select(p => p.FalsePositivesPerCase));
        Assert.Equal([0, 1.0 / 3, 1.0 / 3, 1.0 / 3, 2.0 / 3, 2.0 / 3], result.Curve.Select(p => p.Sensitivity));

        // At 0.8 FP/case: linear between (2/3, 1/3) and (1, 2/3) at 0.4 of the way: 1/3 + 0.4/3 = 7/15; step: 1/3.
        Assert.Equal(7.0 / 15, result.SensitivityAt(0.8), 15);
        Assert.Equal(1.0 / 3, result.SensitivityAt(0.8, FrocInterpolation.Step), 15);
        Assert.Equal(1.0 / 3, result.SensitivityAt(0), 15); // the first detection comes without false positives
        Assert.Equal(2.0 / 3, result.SensitivityAt(100), 15); // beyond the curve: its last value

        // LUNA16 rates 1/8 .. 8: 1/3, 1/3, 1/3, 2/3, 2/3, 2/3, 2/3 → CPM = 11/21.
        Assert.Equal([1.0 / 3, 1.0 / 3, 1.0 / 3, 2.0 / 3, 2.0 / 3, 2.0 / 3, 2.0 / 3], result.SensitivitiesAtRates);
        Assert.Equal(11.0 / 21, result.CompetitionPerformanceMetric, 15);
    }

    [Fact]
    public void HitFactorWidensTheHitRule()
    {
        // With a full diameter, the 0.8 candidate 3 mm from L2 (4 mm) becomes L2's best hit and the 0.5 a duplicate.
        var result = DetectionEvaluator.Evaluate(Cases, new DetectionOptions { HitDistanceFactor = 1.0 });
        Assert.Equal([0.9, 0.8], result.Cases[0].LesionScores);
        Assert.Equal(CandidateOutcome.Duplicate, result.Cases[0].Outcomes[2]);
        Assert.Equal(CandidateOutcome.TruePositive, result.Cases[0].Outcomes[3]);
    }

    [Fact]
    public void BoundaryDistanceCountsAsHit()
    {
        var result = DetectionEvaluator.Evaluate([new DetectionCase("c", [new Lesion(Vector3D.Zero, 8)], [new Candidate(new Vector3D(0, 4, 0), 1)])]);
        Assert.Equal(CandidateOutcome.TruePositive, result.Cases[0].Outcomes[0]);
    }

    [Fact]
    public void WritesCurveCsvAndJson()
    {
        var result = DetectionEvaluator.Evaluate(Cases);
        var csv = new StringWriter();
        DetectionReportWriter.WriteCurveCsv(result, csv);
        var lines = csv.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("threshold,sensitivity,false_positives_per_case,true_positives,false_positives", lines[0]);
        Assert.Equal("Infinity,0,0,0,0", lines[1]);
        Assert.Equal("0.5,0.6666666666666666,1,2,3", lines[5]);

        using var stream = new MemoryStream();
        DetectionReportWriter.WriteJson(result, stream);
        using var json = JsonDocument.Parse(stream.ToArray());
        Assert.Equal(11.0 / 21, json.RootElement.GetProperty("cpm").GetDouble(), 15);
        Assert.Equal(1, json.RootElement.GetProperty("cases")[0].GetProperty("duplicates").GetInt32());
    }

    [Fact]
    public void MatchesNumpyInterpolationOnRandomData()
    {
        TestData.RequirePython("numpy");
        var random = new Random(9);
        var cases = new List<DetectionCase>();
        for (int c = 0; c < 20; c++)
        {
            var lesions = Enumerable.Range(0, random.Next(3)).Select(_ => new Lesion(new Vector3D(random.Next(100), random.Next(100), random.Next(100)), 4 + random.Next(10))).ToList();
            var candidates = new List<Candidate>();
            foreach (var lesion in lesions)
            {
                if (random.NextDouble() < 0.7)
                {
                    candidates.Add(new Candidate(lesion.Centre + new Vector3D(1, 0, 0), Math.Round(random.NextDouble(), 2)));
                }
            }

            for (int i = random.Next(6); i > 0; i--)
            {
                candidates.Add(new Candidate(new Vector3D(200 + random.Next(100), 0, 0), Math.Round(random.NextDouble(), 2)));
            }

            cases.Add(new DetectionCase($"c{c}", lesions, candidates));
        }

        var result = DetectionEvaluator.Evaluate(cases);
        var lesionScores = result.Cases.SelectMany(c => c.LesionScores).Select(s => double.IsNegativeInfinity(s) ? -1 : s).ToArray();
        var fpScores = result.Cases.SelectMany(c => c.Outcomes.Select((o, i) => (o, i)).Where(p => p.o == CandidateOutcome.FalsePositive).Select(p => cases.First(x => x.CaseId == c.CaseId).Candidates[p.i].Score)).ToArray();
        double[] rates = [0.125, 0.25, 0.5, 1, 2, 4, 8, 0.3, 0.77];
        using var folder = TestData.CreateTempFolder();
        File.WriteAllText(folder.File("d.json"), JsonSerializer.Serialize(new { lesionScores, fpScores, cases = cases.Count, rates }));
        const string script = """
            import sys, json, numpy as np
            d = json.load(open(sys.argv[1]))
            tp, fp = np.array(d['lesionScores']), np.array(d['fpScores'])
            thresholds = np.unique(np.concatenate([tp[tp >= 0], fp]))[::-1]
            fps = [0.0] + [float((fp >= t).sum()) / d['cases'] for t in thresholds]
            sens = [0.0] + [float((tp >= t).sum()) / tp.size for t in thresholds]
            print(json.dumps(np.interp(d['rates'], fps, sens).tolist()))
            """;
        var expected = JsonSerializer.Deserialize<double[]>(ProcessRunner.Python(script, folder.File("d.json")))!;
        for (int i = 0; i < rates.Length; i++)
        {
            Assert.Equal(expected[i], result.SensitivityAt(rates[i]), 14);
        }
    }
}
