using MedVox.Imaging;

namespace MedVox.Synthetic;

/// <summary>One generated case: its image channels (one for CT, three for RGB fundus) and its label image, same geometry.</summary>
public class PhantomCase : IDisposable
{
    private bool _disposed;

    public PhantomCase(IReadOnlyList<Image> channels, Image labels)
    {
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentNullException.ThrowIfNull(labels);
        Channels = channels;
        Labels = labels;
    }

    /// <summary>The image channels (nnU-Net's _0000, _0001, ... files).</summary>
    public IReadOnlyList<Image> Channels { get; }

    /// <summary>The first channel.</summary>
    public Image Image => Channels[0];

    /// <summary>One integer per structure, as named by the phantom's label table.</summary>
    public Image Labels { get; }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing)
        {
            return;
        }

        _disposed = true;
        foreach (var channel in Channels)
        {
            channel.Dispose();
        }

        Labels.Dispose();
    }
}
