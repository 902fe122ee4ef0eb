namespace MedVox.Classical.Abdomen;

/// <summary>
/// The values the baseline writes for each organ it finds (0 stays background). The defaults are those of the MedVox
/// abdomen phantom's dataset.json (liver 1, spleen 2, right kidney 3, left kidney 4, stomach 5, aorta 7, IVC 8, spine
/// 10); give other values to write another dataset's label table, or 0 to leave an organ out.
/// </summary>
public sealed record AbdomenBaselineLabels
{
    public byte Liver { get; init; } = 1;

    public byte Spleen { get; init; } = 2;

    public byte KidneyRight { get; init; } = 3;

    public byte KidneyLeft { get; init; } = 4;

    public byte Stomach { get; init; } = 5;

    public byte Aorta { get; init; } = 7;

    public byte InferiorVenaCava { get; init; } = 8;

    public byte Spine { get; init; } = 10;
}
