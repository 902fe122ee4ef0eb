namespace MedVox.Evaluation.Segmentation;

/// <summary>
/// What a metric is when the reference or the prediction of a label is empty. The surface distances follow MONAI in
/// every convention (neither the Decathlon nor nnU-Net report them):
/// <code>
/// reference  prediction | Dice, IoU                  | NSD                        | HD, HD95, ASSD | volume difference
///                       | Monai   NnUNet  Decathlon  | Monai   NnUNet  Decathlon  | (all)          |
/// empty      empty      | NaN     NaN     1          | NaN     NaN     1          | NaN            | 0 (relative: NaN)
/// empty      not empty  | NaN     0       0          | 0       0       0          | +inf (*)       | +V (relative: NaN)
/// not empty  empty      | 0       0       0          | 0       0       0          | +inf (*)       | -V (relative: -1)
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
    /// nnU-Net's evaluation (<c>compute_metrics</c>, and v1's <c>nan_for_nonexisting=True</c>): NaN only when both
    /// masks are empty (0/0), so a false-positive prediction of an absent structure scores 0 instead of being ignored.
    /// </summary>
    NnUNet,

    /// <summary>
    /// True negatives score 1: an empty prediction of an empty reference scores 1 in Dice, IoU and NSD, any one-sided
    /// emptiness 0; the Medical Segmentation Decathlon scored cases without the structure this way, and MONAI's
    /// <c>DiceMetric(ignore_empty=False)</c> gives the same Dice.
    /// </summary>
    Decathlon,
}
