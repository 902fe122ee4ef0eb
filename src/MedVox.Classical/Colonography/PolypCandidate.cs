using MedVox.Geometry;

namespace MedVox.Classical.Colonography;

/// <summary>
/// One detection: a cluster of cap-like colon surface. <paramref name="Center"/> is the estimated centre of the polyp
/// head (each surface voxel moved into the tissue by its radius of curvature, averaged), not a point on its surface.
/// </summary>
/// <param name="Center">Estimated centre (LPS, mm).</param>
/// <param name="Score">Higher is more polyp-like: the volume of the cap-like surface layer (mm^3).</param>
/// <param name="Voxels">Surface voxels in the cluster.</param>
/// <param name="MeanShapeIndex">Mean shape index of those voxels (1 = cap).</param>
/// <param name="MeanCurvedness">Mean curvedness (1/mm).</param>
/// <param name="DiameterMm">Estimated head diameter: twice the mean radius of curvature.</param>
public sealed record PolypCandidate(Vector3D Center, double Score, int Voxels, double MeanShapeIndex, double MeanCurvedness, double DiameterMm);
