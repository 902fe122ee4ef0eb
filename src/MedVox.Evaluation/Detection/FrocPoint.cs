namespace MedVox.Evaluation.Detection;

/// <summary>One operating point: candidates scoring at least <see cref="Threshold"/> are kept.</summary>
public readonly record struct FrocPoint(double Threshold, double Sensitivity, double FalsePositivesPerCase, long TruePositives, long FalsePositives);
