using MedVox.Geometry;

namespace MedVox.Evaluation.Detection;

/// <summary>A detection: its position (physical mm, same frame as the lesions) and its score (higher = more confident).</summary>
public readonly record struct Candidate(Vector3D Position, double Score);
