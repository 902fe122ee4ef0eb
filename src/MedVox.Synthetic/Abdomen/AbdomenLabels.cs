namespace MedVox.Synthetic.Abdomen;

/// <summary>Label values of the abdomen phantom, one per structure (as in its dataset.json).</summary>
public static class AbdomenLabels
{
    public const byte Background = 0;
    public const byte Liver = 1;
    public const byte Spleen = 2;
    public const byte KidneyRight = 3;
    public const byte KidneyLeft = 4;
    public const byte Stomach = 5;
    public const byte Pancreas = 6;
    public const byte Aorta = 7;
    public const byte InferiorVenaCava = 8;
    public const byte Vessels = 9;
    public const byte Spine = 10;
    public const byte Ribs = 11;
    public const byte Muscle = 12;
    public const byte SubcutaneousFat = 13;

    /// <summary>Everything else inside the body outline: visceral fat, bowel, lung bases, spinal canal, renal sinus.</summary>
    public const byte Body = 14;

    /// <summary>Names in label order (nnU-Net's "labels" table: name to value).</summary>
    public static IReadOnlyList<KeyValuePair<string, int>> Names { get; } =
    [
        new("background", Background),
        new("liver", Liver),
        new("spleen", Spleen),
        new("kidney_right", KidneyRight),
        new("kidney_left", KidneyLeft),
        new("stomach", Stomach),
        new("pancreas", Pancreas),
        new("aorta", Aorta),
        new("inferior_vena_cava", InferiorVenaCava),
        new("vessels", Vessels),
        new("spine", Spine),
        new("ribs", Ribs),
        new("muscle", Muscle),
        new("subcutaneous_fat", SubcutaneousFat),
        new("body", Body),
    ];
}
