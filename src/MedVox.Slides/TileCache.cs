namespace MedVox.Slides;

/// <summary>
/// Decoded tiles kept for reuse, least recently used first out, within a byte budget; shared by the threads of a
/// reader. Tiles are immutable once cached.
/// </summary>
public sealed class TileCache
{
    private readonly object _gate = new();
    private readonly Dictionary<(int Level, int Tile), LinkedListNode<(int Level, int Tile, byte[] Pixels)>> _index = [];
    private readonly LinkedList<(int Level, int Tile, byte[] Pixels)> _order = new();

    public TileCache(long capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacityBytes);
        CapacityBytes = capacityBytes;
    }

    public long CapacityBytes { get; }

    /// <summary>Bytes held now; never above <see cref="CapacityBytes"/>.</summary>
    public long SizeBytes { get; private set; }

    public long Hits { get; private set; }

    public long Misses { get; private set; }

    public bool TryGet(int level, int tile, out byte[] pixels)
    {
        lock (_gate)
        {
            if (_index.TryGetValue((level, tile), out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                Hits++;
                pixels = node.Value.Pixels;
                return true;
            }

            Misses++;
            pixels = [];
            return false;
        }
    }

    public void Add(int level, int tile, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length > CapacityBytes)
        {
            return;
        }

        lock (_gate)
        {
            if (_index.ContainsKey((level, tile)))
            {
                return;
            }

            while (SizeBytes + pixels.Length > CapacityBytes && _order.Last is { } last)
            {
                _order.RemoveLast();
                _index.Remove((last.Value.Level, last.Value.Tile));
                SizeBytes -= last.Value.Pixels.Length;
            }

            _index[(level, tile)] = _order.AddFirst((level, tile, pixels));
            SizeBytes += pixels.Length;
        }
    }
}
