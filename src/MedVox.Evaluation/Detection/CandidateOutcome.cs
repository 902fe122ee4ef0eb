namespace MedVox.Evaluation.Detection;

/// <summary>What a candidate counts as.</summary>
public enum CandidateOutcome
{
    /// <summary>The highest-scoring hit of at least one lesion: counts as that lesion's detection.</summary>
    TruePositive,

    /// <summary>Hits lesions that a higher-scoring candidate already detects: ignored, neither true nor false positive (LUNA16).</summary>
    Duplicate,

    /// <summary>Hits no lesion.</summary>
    FalsePositive,
}
