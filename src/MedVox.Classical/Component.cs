using MedVox.Geometry;

namespace MedVox.Classical;

/// <summary>One connected component: its label, size, extent and centre.</summary>
/// <param name="Label">Its value in the label image (1 for the first component in raster order).</param>
/// <param name="VoxelCount">Number of voxels.</param>
/// <param name="VolumeMl">Volume in millilitres (voxel count times the voxel volume).</param>
/// <param name="Bounds">Bounding box in voxel indices.</param>
/// <param name="Centroid">Mean physical position of its voxels (LPS, mm).</param>
/// <param name="TouchesBorder">Whether it reaches the border of the image (of its slice for 2D connectivity).</param>
public sealed record Component(int Label, long VoxelCount, double VolumeMl, VoxelBounds Bounds, Vector3D Centroid, bool TouchesBorder);
