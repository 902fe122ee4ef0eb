using MedVox.Imaging;

namespace MedVox.Learning.Data;

/// <summary>A case after preprocessing, in memory: float32 channels and a uint8 label on the preprocessed grid.</summary>
public sealed class PreprocessedVolume : IDisposable
{
    internal PreprocessedVolume(PreprocessedCaseInfo info, IReadOnlyList<Image> channels, Image? label, IReadOnlyList<int[]> classLocations)
    {
        Info = info;
        Channels = channels;
        Label = label;
        ClassLocationTriples = classLocations;
    }

    /// <summary>Grid, origin and crop box (file names are those the cache uses).</summary>
    public PreprocessedCaseInfo Info { get; }

    public IReadOnlyList<Image> Channels { get; }

    public Image? Label { get; }

    /// <summary>Per entry of <see cref="PreprocessedCaseInfo.ClassLocations"/>: remembered voxels as (x, y, z) triples.</summary>
    public IReadOnlyList<int[]> ClassLocationTriples { get; }

    public void Dispose()
    {
        foreach (var channel in Channels)
        {
            channel.Dispose();
        }

        Label?.Dispose();
    }
}
