using MedVox.Imaging;

namespace MedVox.Learning.Data;

/// <summary>
/// A held case of a <see cref="PreprocessedCache"/>: its float32 channels and uint8 label on the preprocessed grid
/// (views of mapped files or of RAM) and its remembered foreground voxels. Dispose it when done; the images are valid
/// until then.
/// </summary>
public sealed class PreprocessedCase : IDisposable
{
    private readonly PreprocessedCache _cache;
    private readonly CaseStorage _storage;
    private int _released;

    internal PreprocessedCase(PreprocessedCache cache, int index, CaseStorage storage)
    {
        _cache = cache;
        _storage = storage;
        Index = index;
    }

    public int Index { get; }

    public PreprocessedCaseInfo Info => _storage.Info;

    public IReadOnlyList<Image> Channels => _storage.Channels;

    public Image? Label => _storage.Label;

    /// <summary>True when the pixels were read into RAM, false when they are mapped from the cache files.</summary>
    public bool IsResident => _cache.IsResident(Index);

    /// <summary>The remembered voxels of entry <paramref name="entry"/> of <see cref="PreprocessedCaseInfo.ClassLocations"/>, as (x, y, z) triples.</summary>
    public ReadOnlySpan<int> Locations(int entry)
    {
        var locations = Info.ClassLocations[entry];
        return _storage.Locations.AsSpan((int)(locations.Offset * 3), locations.Count * 3);
    }

    /// <summary>The remembered voxels of label value <paramref name="value"/> as (x, y, z) triples (empty when none).</summary>
    public ReadOnlySpan<int> LocationsOf(int value)
    {
        var entries = Info.ClassLocations;
        for (int i = 0; i < entries.Count; i++)
        {
            if (entries[i].Value == value)
            {
                return Locations(i);
            }
        }

        return [];
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _cache.Release(_storage);
        }
    }
}
