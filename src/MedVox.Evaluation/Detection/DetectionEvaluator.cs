namespace MedVox.Evaluation.Detection;

/// <summary>
/// Lesion detection evaluated as in CAD challenges (LUNA16): a candidate hits a lesion when it lies within
/// <see cref="DetectionOptions.HitDistanceFactor"/> × diameter of the centre; each lesion is detected at most once, by
/// its highest-scoring hit, other hits of it are ignored; a candidate hitting several lesions counts for each;
/// candidates hitting nothing are false positives. The FROC curve then follows from thresholding the lesions' best
/// scores and the false positives' scores together.
/// </summary>
public static class DetectionEvaluator
{
    public static FrocResult Evaluate(IReadOnlyList<DetectionCase> cases, DetectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cases);
        options ??= DetectionOptions.Default;
        if (!(options.HitDistanceFactor > 0) || !double.IsFinite(options.HitDistanceFactor))
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"The hit distance factor must be positive, got {options.HitDistanceFactor}.");
        }

        if (cases.Count == 0)
        {
            throw new ArgumentException("No cases to evaluate.", nameof(cases));
        }

        var results = new List<DetectionCaseResult>(cases.Count);
        var lesionScores = new List<double>();
        var falsePositiveScores = new List<double>();
        foreach (var detectionCase in cases)
        {
            var result = Match(detectionCase, options.HitDistanceFactor);
            results.Add(result);
            lesionScores.AddRange(result.LesionScores);
            for (int i = 0; i < result.Outcomes.Count; i++)
            {
                if (result.Outcomes[i] == CandidateOutcome.FalsePositive)
                {
                    falsePositiveScores.Add(detectionCase.Candidates[i].Score);
                }
            }
        }

        return new FrocResult(Curve(lesionScores, falsePositiveScores, cases.Count), results, lesionScores.Count, options);
    }

    private static DetectionCaseResult Match(DetectionCase detectionCase, double factor)
    {
        ArgumentNullException.ThrowIfNull(detectionCase);
        var lesions = detectionCase.Lesions;
        var candidates = detectionCase.Candidates;
        foreach (var lesion in lesions)
        {
            if (!(lesion.Diameter > 0) || !double.IsFinite(lesion.Diameter) || !double.IsFinite(lesion.Centre.Length))
            {
                throw new ArgumentException($"Case {detectionCase.CaseId}: lesion at {lesion.Centre} has diameter {lesion.Diameter}; it must be positive and finite.", nameof(detectionCase));
            }
        }

        foreach (var candidate in candidates)
        {
            if (double.IsNaN(candidate.Score) || !double.IsFinite(candidate.Position.Length))
            {
                throw new ArgumentException($"Case {detectionCase.CaseId}: candidate at {candidate.Position} with score {candidate.Score} is not finite.", nameof(detectionCase));
            }
        }

        var best = new int[lesions.Count];
        var scores = new double[lesions.Count];
        Array.Fill(best, -1);
        Array.Fill(scores, double.NegativeInfinity);
        var hitsAny = new bool[candidates.Count];
        for (int l = 0; l < lesions.Count; l++)
        {
            double reach = factor * lesions[l].Diameter;
            for (int c = 0; c < candidates.Count; c++)
            {
                if ((candidates[c].Position - lesions[l].Centre).Length <= reach)
                {
                    hitsAny[c] = true;
                    if (best[l] < 0 || candidates[c].Score > scores[l])
                    {
                        best[l] = c;
                        scores[l] = candidates[c].Score;
                    }
                }
            }
        }

        var outcomes = new CandidateOutcome[candidates.Count];
        for (int c = 0; c < candidates.Count; c++)
        {
            outcomes[c] = hitsAny[c] ? CandidateOutcome.Duplicate : CandidateOutcome.FalsePositive;
        }

        foreach (int c in best)
        {
            if (c >= 0)
            {
                outcomes[c] = CandidateOutcome.TruePositive;
            }
        }

        return new DetectionCaseResult(detectionCase.CaseId, scores, outcomes);
    }

    private static List<FrocPoint> Curve(List<double> lesionScores, List<double> falsePositiveScores, int caseCount)
    {
        // Walk all scores from high to low; each distinct score is one operating point.
        var events = new List<(double Score, bool IsLesion)>(lesionScores.Count + falsePositiveScores.Count);
        foreach (double s in lesionScores)
        {
            if (s != double.NegativeInfinity)
            {
                events.Add((s, true));
            }
        }

        foreach (double s in falsePositiveScores)
        {
            events.Add((s, false));
        }

        events.Sort((a, b) => b.Score.CompareTo(a.Score));
        double lesions = lesionScores.Count;
        var curve = new List<FrocPoint> { new(double.PositiveInfinity, lesions == 0 ? double.NaN : 0, 0, 0, 0) };
        long tp = 0, fp = 0;
        for (int i = 0; i < events.Count; i++)
        {
            if (events[i].IsLesion)
            {
                tp++;
            }
            else
            {
                fp++;
            }

            if (i == events.Count - 1 || events[i + 1].Score != events[i].Score)
            {
                curve.Add(new FrocPoint(events[i].Score, lesions == 0 ? double.NaN : tp / lesions, (double)fp / caseCount, tp, fp));
            }
        }

        return curve;
    }
}
