namespace MedVox.Evaluation.Segmentation;

/// <summary>
/// The comparison of one label of a prediction with the reference, in physical units. Surfaces are the boundary
/// voxels of each mask: foreground voxels with at least one face neighbour (6-connectivity in 3D, 4 in 2D) that is
/// background or outside the image, exactly MONAI's <c>get_mask_edges</c> (scipy's <c>binary_erosion</c> with its
/// default cross-shaped structure, XOR the mask). Surface distances go from each boundary voxel of one mask to the
/// nearest boundary voxel of the other (<c>get_surface_distance</c>: <c>distance_transform_edt</c> with
/// <c>sampling=spacing</c>), computed here with an exact distance transform, never by pairwise loops.
/// </summary>
public sealed record SegmentationMetrics
{
    /// <summary>2|P∩R| / (|P| + |R|).</summary>
    public double Dice { get; init; }

    /// <summary>Intersection over union (Jaccard index), |P∩R| / |P∪R|.</summary>
    public double Iou { get; init; }

    /// <summary>Hausdorff distance (mm): the largest of all directed boundary distances, both ways.</summary>
    public double HausdorffDistance { get; init; }

    /// <summary>
    /// 95th-percentile Hausdorff distance (mm) as MONAI computes it: the 95th percentile (linear interpolation, numpy's
    /// default) of the distances from prediction to reference boundary, the same from reference to prediction, and
    /// the larger of the two.
    /// </summary>
    public double HausdorffDistance95 { get; init; }

    /// <summary>
    /// Average symmetric surface distance (mm), MONAI's <c>compute_average_surface_distance(symmetric=True)</c>: the
    /// mean of both directed distance sets taken together (not the mean of the two means).
    /// </summary>
    public double AverageSymmetricSurfaceDistance { get; init; }

    /// <summary>
    /// Normalized surface Dice at <see cref="SurfaceTolerance"/> as MONAI's <c>compute_surface_dice</c>: boundary
    /// voxels of both masks within the tolerance of the other boundary over all boundary voxels. Voxels are counted,
    /// not surface elements weighted by area as in DeepMind's surface-distance package, so values differ slightly
    /// from that package (and from MONAI with <c>use_subvoxels=True</c>).
    /// </summary>
    public double NormalizedSurfaceDice { get; init; }

    /// <summary>The NSD tolerance (mm) used.</summary>
    public double SurfaceTolerance { get; init; }

    /// <summary>Volume of the reference (mm³): voxel count × product of spacings.</summary>
    public double ReferenceVolume { get; init; }

    public double PredictionVolume { get; init; }

    /// <summary>Prediction volume − reference volume (mm³): positive when the prediction is too large.</summary>
    public double VolumeDifference { get; init; }

    /// <summary>(prediction − reference) / reference volume, a signed fraction; NaN when the reference is empty.</summary>
    public double RelativeVolumeDifference { get; init; }

    public long ReferenceVoxels { get; init; }

    public long PredictionVoxels { get; init; }

    public long TruePositiveVoxels { get; init; }

    public long FalsePositiveVoxels => PredictionVoxels - TruePositiveVoxels;

    public long FalseNegativeVoxels => ReferenceVoxels - TruePositiveVoxels;

    /// <summary>Boundary voxels of the reference (the size of its directed distance set).</summary>
    public long ReferenceSurfaceVoxels { get; init; }

    public long PredictionSurfaceVoxels { get; init; }
}
