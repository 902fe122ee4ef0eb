using System.Runtime.InteropServices;
using MedVox.Imaging;
using MedVox.Memory;

namespace MedVox.Learning.Data;

/// <summary>How a <see cref="PreprocessedCache"/> holds cases.</summary>
public sealed record PreprocessedCacheOptions
{
    /// <summary>
    /// Bytes of preprocessed cases kept in RAM (read once, on first use). Cases are taken in order while their total
    /// stays under the budget; the others are memory-mapped, so the process's own memory does not grow with the dataset.
    /// 0 maps every case.
    /// </summary>
    public long MemoryBudgetBytes { get; init; }

    /// <summary>Mapped cases kept open at once (file handles and mappings); the least recently used is closed beyond this.</summary>
    public int MaxOpenMappedCases { get; init; } = 64;
}

/// <summary>
/// The preprocessed cases of a cache folder written by <see cref="Preprocessor.Run"/>. Only the small per-case JSON is
/// read on opening; pixels are read when a case is acquired, mapped from the files (or loaded into RAM within
/// <see cref="PreprocessedCacheOptions.MemoryBudgetBytes"/>). Thread-safe: batch workers acquire cases concurrently.
/// </summary>
public sealed class PreprocessedCache : IDisposable
{
    private readonly object _lock = new();
    private readonly PreprocessedCacheOptions _options;
    private readonly bool[] _resident;
    private readonly Lazy<CaseStorage>[] _residentStorage;
    private readonly CaseStorage?[] _mapped;
    private readonly LinkedList<int> _recentlyUsed = new();
    private readonly Dictionary<string, int> _indexById;
    private bool _disposed;

    private PreprocessedCache(string directory, PreprocessingPlan plan, List<PreprocessedCaseInfo> cases, List<string> ignored, PreprocessedCacheOptions options)
    {
        Directory = directory;
        Plan = plan;
        PlanHash = plan.Hash();
        Cases = cases;
        IgnoredCases = ignored;
        _options = options;
        _resident = new bool[cases.Count];
        _residentStorage = new Lazy<CaseStorage>[cases.Count];
        _mapped = new CaseStorage?[cases.Count];
        _indexById = new Dictionary<string, int>(StringComparer.Ordinal);
        long planned = 0;
        for (int i = 0; i < cases.Count; i++)
        {
            var info = cases[i];
            _indexById[info.Id] = i;
            long bytes = info.ImageBytes + info.LabelBytes;
            if (planned + bytes <= options.MemoryBudgetBytes)
            {
                planned += bytes;
                _resident[i] = true;
                _residentStorage[i] = new Lazy<CaseStorage>(() => CaseStorage.Open(directory, info, resident: true), LazyThreadSafetyMode.ExecutionAndPublication);
            }
        }
    }

    public string Directory { get; }

    public PreprocessingPlan Plan { get; }

    public string PlanHash { get; }

    /// <summary>Cases preprocessed with <see cref="Plan"/>, in ordinal order of their identifiers.</summary>
    public IReadOnlyList<PreprocessedCaseInfo> Cases { get; }

    /// <summary>Case files in the folder that were written with another plan (left out; preprocess again to include them).</summary>
    public IReadOnlyList<string> IgnoredCases { get; }

    public long MemoryBudgetBytes => _options.MemoryBudgetBytes;

    /// <summary>Bytes of case pixels currently loaded into RAM (mapped cases do not count).</summary>
    public long ResidentBytes
    {
        get
        {
            long bytes = 0;
            foreach (var lazy in _residentStorage)
            {
                if (lazy is { IsValueCreated: true })
                {
                    bytes += lazy.Value.Bytes;
                }
            }

            return bytes;
        }
    }

    /// <summary>Opens a cache folder; a missing or unreadable plan, or a truncated case file, throws a <see cref="MedVoxException"/>.</summary>
    public static PreprocessedCache Open(string directory, PreprocessedCacheOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        options ??= new PreprocessedCacheOptions();
        if (options.MemoryBudgetBytes < 0 || options.MaxOpenMappedCases < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "The memory budget must be non-negative and at least one mapped case must stay open.");
        }

        if (!System.IO.Directory.Exists(directory))
        {
            throw new MedVoxException("no such cache folder", directory, hint: "preprocess the dataset first");
        }

        string full = Path.GetFullPath(directory);
        var plan = PreprocessingPlan.Load(Path.Combine(full, PreprocessingPlan.FileName));
        string hash = plan.Hash();
        var files = System.IO.Directory.GetFiles(full, "*" + PreprocessedCaseInfo.Suffix);
        Array.Sort(files, StringComparer.Ordinal);
        var cases = new List<PreprocessedCaseInfo>();
        var ignored = new List<string>();
        foreach (var file in files)
        {
            var info = DataJson.Load<PreprocessedCaseInfo>(file, "preprocessed case");
            if (info.Format != PreprocessedCaseInfo.CurrentFormat || info.PlanHash != hash)
            {
                ignored.Add(info.Id);
                continue;
            }

            CheckFile(full, info.ImageFile, info.ImageBytes);
            if (info.LabelFile is not null)
            {
                CheckFile(full, info.LabelFile, info.LabelBytes);
            }

            if (info.LocationsFile is not null)
            {
                CheckFile(full, info.LocationsFile, info.LocationsBytes);
            }

            cases.Add(info);
        }

        return new PreprocessedCache(full, plan, cases, ignored, options);
    }

    /// <summary>The index of a case in <see cref="Cases"/>, or -1.</summary>
    public int IndexOf(string caseId) => _indexById.TryGetValue(caseId, out int index) ? index : -1;

    /// <summary>Whether case <paramref name="index"/> is (to be) held in RAM rather than mapped.</summary>
    public bool IsResident(int index) => _resident[index];

    /// <summary>The pixels of a case; dispose the handle when done (the case stays available to other holders).</summary>
    public PreprocessedCase Acquire(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Cases.Count);
        if (_resident[index])
        {
            var storage = _residentStorage[index].Value;
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                storage.References++;
            }

            return new PreprocessedCase(this, index, storage);
        }

        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var storage = _mapped[index];
            if (storage is null)
            {
                storage = CaseStorage.Open(Directory, Cases[index], resident: false);
                _mapped[index] = storage;
                _recentlyUsed.AddLast(index);
                while (_recentlyUsed.Count > _options.MaxOpenMappedCases)
                {
                    int oldest = _recentlyUsed.First!.Value;
                    _recentlyUsed.RemoveFirst();
                    var evicted = _mapped[oldest]!;
                    _mapped[oldest] = null;
                    Retire(evicted);
                }
            }
            else
            {
                _recentlyUsed.Remove(index);
                _recentlyUsed.AddLast(index);
            }

            storage.References++;
            return new PreprocessedCase(this, index, storage);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var storage in _mapped)
            {
                if (storage is not null)
                {
                    Retire(storage);
                }
            }

            foreach (var lazy in _residentStorage)
            {
                if (lazy is { IsValueCreated: true })
                {
                    Retire(lazy.Value);
                }
            }
        }
    }

    internal void Release(CaseStorage storage)
    {
        lock (_lock)
        {
            storage.References--;
            if (storage.References == 0 && storage.Retired)
            {
                storage.Dispose();
            }
        }
    }

    private static void Retire(CaseStorage storage)
    {
        storage.Retired = true;
        if (storage.References == 0)
        {
            storage.Dispose();
        }
    }

    private static void CheckFile(string directory, string file, long length)
    {
        var info = new FileInfo(Path.Combine(directory, file));
        if (!info.Exists || info.Length != length)
        {
            throw new MedVoxException(
                info.Exists ? $"has {info.Length} bytes, {length} expected" : "is missing",
                info.FullName,
                hint: "the cache is incomplete; preprocess the dataset again");
        }
    }
}

/// <summary>The pixels of one cached case (mapped or in RAM), shared by the handles that hold it.</summary>
internal sealed class CaseStorage : IDisposable
{
    private CaseStorage(PreprocessedCaseInfo info, Image[] channels, Image? label, int[] locations, long bytes)
    {
        Info = info;
        Channels = channels;
        Label = label;
        Locations = locations;
        Bytes = bytes;
    }

    public PreprocessedCaseInfo Info { get; }

    public Image[] Channels { get; }

    public Image? Label { get; }

    /// <summary>All remembered voxels as (x, y, z) triples, class after class.</summary>
    public int[] Locations { get; }

    public long Bytes { get; }

    /// <summary>Handles holding the storage; guarded by the cache's lock.</summary>
    public int References { get; set; }

    /// <summary>No longer handed out (evicted or cache disposed): freed when the last handle is released.</summary>
    public bool Retired { get; set; }

    public static CaseStorage Open(string directory, PreprocessedCaseInfo info, bool resident)
    {
        var geometry = info.Geometry.ToGeometry();
        long channelBytes = info.VoxelCount * sizeof(float);
        var channels = new Image[info.Channels];
        Image? label = null;
        int wrapped = 0;
        var imageBuffer = Buffer(Path.Combine(directory, info.ImageFile), info.ImageBytes, resident);
        try
        {
            for (; wrapped < channels.Length; wrapped++)
            {
                var reference = wrapped == 0 ? imageBuffer : imageBuffer.Retain();
                channels[wrapped] = Image.Wrap(geometry, ElementType.Float32, 1, reference, wrapped * channelBytes);
            }

            if (info.LabelFile is not null)
            {
                label = Image.Wrap(geometry, ElementType.UInt8, 1, Buffer(Path.Combine(directory, info.LabelFile), info.LabelBytes, resident));
            }

            int[] locations = [];
            if (info.LocationsFile is not null && info.LocationsBytes > 0)
            {
                locations = MemoryMarshal.Cast<byte, int>(File.ReadAllBytes(Path.Combine(directory, info.LocationsFile))).ToArray();
            }

            return new CaseStorage(info, channels, label, locations, resident ? info.ImageBytes + info.LabelBytes : 0);
        }
        catch
        {
            if (wrapped == 0)
            {
                imageBuffer.Release();
            }

            for (int c = 0; c < wrapped; c++)
            {
                channels[c].Dispose();
            }

            label?.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var channel in Channels)
        {
            channel.Dispose();
        }

        Label?.Dispose();
    }

    private static PixelBuffer Buffer(string path, long length, bool resident)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The training cache holds little-endian values.");
        }

        if (!resident)
        {
            return MappedPixelBuffer.OpenFile(path, 0, length);
        }

        var buffer = new NativePixelBuffer(length);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            long offset = 0;
            while (offset < length)
            {
                int chunk = (int)Math.Min(length - offset, 1 << 30);
                stream.ReadExactly(buffer.GetSpan(offset, chunk));
                offset += chunk;
            }

            return buffer;
        }
        catch (EndOfStreamException ex)
        {
            buffer.Release();
            throw new MedVoxException("is truncated", path, hint: "preprocess the dataset again", inner: ex);
        }
        catch
        {
            buffer.Release();
            throw;
        }
    }
}
