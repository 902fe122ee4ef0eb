using MedVox.Imaging;

namespace MedVox.Classical.Abdomen;

/// <summary>What <see cref="AbdomenBaselineSegmenter.Run"/> returns: the label map and a line per finding. Disposing it disposes the labels.</summary>
public sealed class AbdomenBaselineResult : IDisposable
{
    internal AbdomenBaselineResult(Image labels, IReadOnlyList<string> findings)
    {
        Labels = labels;
        Findings = findings;
    }

    /// <summary>uint8 label map in the CT's geometry.</summary>
    public Image Labels { get; }

    /// <summary>What was found where (or not found), in the order the organs were looked for; positions in LPS mm.</summary>
    public IReadOnlyList<string> Findings { get; }

    public void Dispose() => Labels.Dispose();
}
