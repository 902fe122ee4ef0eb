namespace MedVox.Evaluation.Segmentation;

/// <summary>
/// What a metric is when the reference or the prediction of a label is empty. The surface metrics follow MONAI in both
/// conventions (the Decathlon reported only Dice and NSD):
/// <code>
/// reference  prediction | Dice, IoU            | NSD                  | HD, HD95, ASSD       | volume difference
///                       | Monai    Decathlon   | Monai    Decathlon   | (both conventions)   |
/// empty      empty      | NaN      1           | NaN      1           | NaN                  | 0 (relative: NaN)
/// empty      not empty  | NaN      0           | 0        0           | +inf (*)             | +V (relative: NaN)
/// not empty  empty      | 0        0           | 0        0           | +inf (*)             | -V (relative: -1)
/// </code>
/// (*) or <see cref="SegmentationOptions.MissingSurfaceDistance"/> when set (BraTS, for example, uses 373.13 mm).
/// NaN values are left out of means (as MONAI's reductions do) and counted in the summary; infinite values are kept,
/// so a mean over cases with a missed structure is +inf.
/// </summary>
public enum EmptyMaskConvention
{
    /// <summary>
    /// MONAI's defaults: <c>DiceMetric(ignore_empty=True)</c> and <c>MeanIoU(ignore_empty=True)</c> give NaN whenever
    /// the reference is empty; <c>compute_surface_dice</c> gives NaN when both boundaries are empty and 0 when one is.
    /// </summary>
    Monai,

    /// <summary>
    /// The Medical Segmentation Decathlon's scoring (and MONAI with <c>ignore_empty=False</c>): an empty prediction of
    /// an empty reference is a true negative and scores 1 in Dice, IoU and NSD; any one-sided emptiness scores 0.
    /// </summary>
    Decathlon,
}
