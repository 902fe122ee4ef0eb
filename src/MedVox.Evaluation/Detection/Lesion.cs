using MedVox.Geometry;

namespace MedVox.Evaluation.Detection;

/// <summary>A reference lesion: its centre (physical mm, the images' LPS frame) and its diameter (mm).</summary>
public readonly record struct Lesion(Vector3D Centre, double Diameter);
