namespace MedVox.Evaluation.Detection;

/// <summary>The matching of one case.</summary>
/// <param name="CaseId">The case.</param>
/// <param name="LesionScores">Per lesion, the score of its best hit; −∞ when no candidate hits it.</param>
/// <param name="Outcomes">Per candidate, in input order, what it counts as.</param>
public sealed record DetectionCaseResult(string CaseId, IReadOnlyList<double> LesionScores, IReadOnlyList<CandidateOutcome> Outcomes);
