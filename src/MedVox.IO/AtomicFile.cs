namespace MedVox.IO;

/// <summary>
/// A file written under a temporary name beside its target and renamed into place on <see cref="Commit"/>, so that a
/// failed or interrupted write never leaves a half-written file under the target's name.
/// </summary>
public sealed class AtomicFile : IDisposable
{
    private readonly string _temporaryPath;
    private bool _committed;

    private AtomicFile(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        _temporaryPath = System.IO.Path.Combine(
            System.IO.Path.GetDirectoryName(Path)!,
            $".{System.IO.Path.GetFileName(Path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        Stream = new FileStream(_temporaryPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16);
    }

    /// <summary>The target path.</summary>
    public string Path { get; }

    /// <summary>The stream to write; valid until <see cref="Commit"/> or <see cref="Dispose"/>.</summary>
    public FileStream Stream { get; }

    public static AtomicFile Create(string path) => new(path);

    /// <summary>Flushes and renames the file into place, replacing any existing file.</summary>
    public void Commit()
    {
        Stream.Flush(flushToDisk: false);
        Stream.Dispose();
        File.Move(_temporaryPath, Path, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed)
        {
            return;
        }

        Stream.Dispose();
        try
        {
            File.Delete(_temporaryPath);
        }
        catch (IOException)
        {
            // Nothing more to do: the target was never touched.
        }
    }
}
