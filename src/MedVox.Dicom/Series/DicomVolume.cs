using MedVox.Imaging;

namespace MedVox.Dicom.Series;

/// <summary>A loaded volume and what the loader noticed.</summary>
public sealed class DicomVolume : IDisposable
{
    private readonly List<string> _warnings;
    private bool _taken;

    internal DicomVolume(Image image, List<string> warnings, DicomSeriesInfo series)
    {
        Image = image;
        _warnings = warnings;
        Series = series;
    }

    /// <summary>The volume (LPS geometry); owned by this object until taken with <see cref="TakeImage"/>.</summary>
    public Image Image { get; }

    /// <summary>What the user should know: skipped files, gaps, tilt, inversions, character set fallbacks...</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    public DicomSeriesInfo Series { get; }

    internal void AddWarning(string warning) => _warnings.Add(warning);

    /// <summary>Hands the image over to the caller, who then disposes it.</summary>
    public Image TakeImage()
    {
        _taken = true;
        return Image;
    }

    public void Dispose()
    {
        if (!_taken)
        {
            Image.Dispose();
        }
    }
}
