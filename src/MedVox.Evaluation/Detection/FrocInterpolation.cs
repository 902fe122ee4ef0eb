namespace MedVox.Evaluation.Detection;

/// <summary>How sensitivity is read off the FROC curve at a false-positive rate between its points.</summary>
public enum FrocInterpolation
{
    /// <summary>
    /// Linear along the curve, <c>np.interp(rate, fps, sensitivity)</c> as the LUNA16 and CAMELYON16 evaluation scripts
    /// (and MONAI's <c>compute_froc_score</c>) do; beyond the last point the last sensitivity is kept.
    /// </summary>
    Linear,

    /// <summary>The sensitivity of the last operating point whose false-positive rate does not exceed the rate (conservative).</summary>
    Step,
}
