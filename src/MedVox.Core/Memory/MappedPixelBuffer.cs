using System.IO.MemoryMappedFiles;

namespace MedVox.Memory;

/// <summary>
/// Pixels in a memory-mapped file: either a region of an existing file (an uncompressed image read in place), or a
/// scratch file that holds a volume larger than RAM and is deleted when the buffer is released.
/// </summary>
public sealed unsafe class MappedPixelBuffer : PixelBuffer
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly string? _deleteOnFree;
    private byte* _base;
    private byte* _pointer;

    private MappedPixelBuffer(MemoryMappedFile file, long offset, long length, bool copyOnWrite, string? deleteOnFree)
        : base(length)
    {
        _file = file;
        _deleteOnFree = deleteOnFree;
        // Files opened without write access are mapped copy-on-write: writes through a span stay private to this
        // process instead of faulting, and the file on disk is never changed.
        var access = copyOnWrite ? MemoryMappedFileAccess.CopyOnWrite : MemoryMappedFileAccess.ReadWrite;
        _view = file.CreateViewAccessor(offset, length, access);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p;
        _pointer = p + _view.PointerOffset;
    }

    ~MappedPixelBuffer() => Free();

    public override bool IsMapped => true;

    /// <summary>The backing file.</summary>
    public string? Path { get; private init; }

    protected internal override byte* Pointer => _pointer;

    /// <summary>
    /// Maps <paramref name="length"/> bytes of an existing file from <paramref name="offset"/>. Without
    /// <paramref name="writable"/> the mapping is copy-on-write: the pixels can be modified in memory, the file stays as it is.
    /// </summary>
    public static MappedPixelBuffer OpenFile(string path, long offset, long length, bool writable = false)
    {
        var info = new FileInfo(path);
        if (offset < 0 || length < 0 || offset + length > info.Length)
        {
            throw new InvalidImageFileException(
                $"pixel data needs bytes {offset}..{offset + length} but the file has {info.Length}", path, hint: "the file is truncated or its header is wrong");
        }

        var access = writable ? MemoryMappedFileAccess.ReadWrite : MemoryMappedFileAccess.Read;
        var stream = new FileStream(path, FileMode.Open, writable ? FileAccess.ReadWrite : FileAccess.Read, FileShare.Read);
        var file = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, access, HandleInheritability.None, leaveOpen: false);
        return new MappedPixelBuffer(file, offset, length, copyOnWrite: !writable, deleteOnFree: null) { Path = path };
    }

    /// <summary>Creates a zero-filled scratch file of <paramref name="length"/> bytes in <paramref name="directory"/> (the temp folder by default).</summary>
    public static MappedPixelBuffer CreateScratch(long length, string? directory = null)
    {
        directory ??= System.IO.Path.GetTempPath();
        Directory.CreateDirectory(directory);
        string path = System.IO.Path.Combine(directory, $"medvox-{Guid.NewGuid():N}.pixels");
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None))
        {
            stream.SetLength(Math.Max(length, 1));
        }

        try
        {
            var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, capacity: 0, MemoryMappedFileAccess.ReadWrite);
            return new MappedPixelBuffer(file, 0, Math.Max(length, 1), copyOnWrite: false, deleteOnFree: path) { Path = path };
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    public override void Flush() => _view.Flush();

    protected override void Free()
    {
        if (_base == null)
        {
            return;
        }

        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _base = null;
        _pointer = null;
        _view.Dispose();
        _file.Dispose();
        if (_deleteOnFree is not null)
        {
            try
            {
                File.Delete(_deleteOnFree);
            }
            catch (IOException)
            {
                // Best effort: a scratch file left behind is reclaimed by the temp folder's cleanup.
            }
        }
    }
}
