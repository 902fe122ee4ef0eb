namespace MedVox.Evaluation.Detection;

/// <summary>The lesions and the candidates of one case (a case without lesions still counts in false positives per case).</summary>
public sealed record DetectionCase(string CaseId, IReadOnlyList<Lesion> Lesions, IReadOnlyList<Candidate> Candidates);
