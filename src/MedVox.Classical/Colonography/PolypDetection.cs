namespace MedVox.Classical.Colonography;

/// <summary>What <see cref="PolypDetector.Detect"/> found: candidates by decreasing score, and the lumen it searched.</summary>
public sealed record PolypDetection(IReadOnlyList<PolypCandidate> Candidates, double LumenVolumeMl, long SurfaceVoxels);
