namespace MedVox.Synthetic.Colon;

/// <summary>Label values of the colonography phantom.</summary>
public static class ColonLabels
{
    public const byte Background = 0;
    public const byte Wall = 1;

    /// <summary>The lumen, gas and tagged fluid alike.</summary>
    public const byte Lumen = 2;
    public const byte Polyp = 3;

    public static IReadOnlyList<KeyValuePair<string, int>> Names { get; } =
    [
        new("background", Background),
        new("colon_wall", Wall),
        new("colon_lumen", Lumen),
        new("polyp", Polyp),
    ];
}
