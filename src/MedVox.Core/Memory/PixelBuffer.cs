namespace MedVox.Memory;

/// <summary>
/// Unmanaged storage for pixels: native memory or a memory-mapped file, addressed the same way. Buffers are reference
/// counted so that views (crops, patches) can share them; the storage is released when the last holder lets go.
/// </summary>
public abstract unsafe class PixelBuffer
{
    private int _references = 1;

    protected PixelBuffer(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
    }

    /// <summary>Size in bytes.</summary>
    public long Length { get; }

    /// <summary>True when the bytes live in a file mapped into memory rather than in RAM owned by this process.</summary>
    public abstract bool IsMapped { get; }

    public bool IsReleased => Volatile.Read(ref _references) <= 0;

    /// <summary>Address of the first byte; valid while the buffer is held.</summary>
    protected internal abstract byte* Pointer { get; }

    /// <summary>A span over <paramref name="length"/> bytes from <paramref name="offset"/>.</summary>
    public Span<byte> GetSpan(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset + length > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"Bytes {offset}..{offset + length} lie outside a buffer of {Length} bytes.");
        }

        ObjectDisposedException.ThrowIf(IsReleased, this);
        return new Span<byte>(Pointer + offset, length);
    }

    /// <summary>Takes one more reference; pair each call with <see cref="Release"/>.</summary>
    public PixelBuffer Retain()
    {
        int current;
        do
        {
            current = Volatile.Read(ref _references);
            ObjectDisposedException.ThrowIf(current <= 0, this);
        }
        while (Interlocked.CompareExchange(ref _references, current + 1, current) != current);

        return this;
    }

    /// <summary>Drops one reference; the storage is freed with the last.</summary>
    public void Release()
    {
        int remaining = Interlocked.Decrement(ref _references);
        if (remaining == 0)
        {
            Free();
            GC.SuppressFinalize(this);
        }
        else if (remaining < 0)
        {
            throw new ObjectDisposedException(GetType().Name, "The pixel buffer was released more often than retained.");
        }
    }

    /// <summary>Writes pending changes of a mapped buffer to its file; nothing for memory buffers.</summary>
    public virtual void Flush()
    {
    }

    protected abstract void Free();
}
