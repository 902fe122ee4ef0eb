namespace MedVox.Reporting.Snapshots;

/// <summary>
/// The colours of one label's outlines, as CSS hex strings ("#rrggbb"). References take cool colours (green, cyan,
/// blue...) and predictions warm ones (red, orange, yellow...), so that which is which reads at a glance; the first
/// label gets the usual green reference and red prediction.
/// </summary>
public sealed record ContourStyle(string Label, string ReferenceColor, string PredictionColor)
{
    private static readonly string[] ReferencePalette =
        ["#00e040", "#00d8ff", "#4c8dff", "#9dff70", "#00b3a4", "#b4d2ff", "#40ffd0", "#2a5cd6", "#7fdc00", "#00ffa0"];

    private static readonly string[] PredictionPalette =
        ["#ff2a2a", "#ff9a00", "#ffe600", "#ff4dff", "#ff8c8c", "#d4005a", "#ffc48a", "#b000c8", "#ff6a00", "#ffff8c"];

    /// <summary>The default style of the label drawn <paramref name="index"/>-th (colours repeat after ten labels).</summary>
    public static ContourStyle ForIndex(string label, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return new ContourStyle(label, ReferencePalette[index % ReferencePalette.Length], PredictionPalette[index % PredictionPalette.Length]);
    }

    internal static (byte R, byte G, byte B) Parse(string hex)
    {
        if (hex.Length != 7 || hex[0] != '#')
        {
            throw new FormatException($"\"{hex}\" is not a #rrggbb colour.");
        }

        int value = Convert.ToInt32(hex[1..], 16);
        return ((byte)(value >> 16), (byte)(value >> 8), (byte)value);
    }
}
