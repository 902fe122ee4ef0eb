using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace MedVox.Learning.Data;

/// <summary>Where a <see cref="PatchSampler"/> is in its sequence: saved with a checkpoint, restored on --resume.</summary>
public readonly record struct SamplerState(ulong Seed, long NextBatch);

/// <summary>What patches a <see cref="PatchSampler"/> draws.</summary>
public sealed record PatchSamplerOptions
{
    /// <summary>Patch size in tensor order: [Z, Y, X] for 3D patches, [Y, X] for 2D patches (slices of the volumes).</summary>
    public required int[] PatchSize { get; init; }

    public int BatchSize { get; init; } = 2;

    /// <summary>
    /// Share of each batch drawn around a foreground voxel (nnU-Net: 0.33): the last round(N * fraction) patches of a
    /// batch are centred on a remembered voxel of a random class present in the case.
    /// </summary>
    public double ForegroundFraction { get; init; } = 1.0 / 3;

    /// <summary>
    /// The patch size the network sees after augmentation, when <see cref="PatchSize"/> is larger to leave room for
    /// rotation (nnU-Net's final patch size); patches may then reach outside the volume by half the difference.
    /// Null: the same as <see cref="PatchSize"/>.
    /// </summary>
    public int[]? FinalPatchSize { get; init; }

    /// <summary>Label value where a patch leaves the volume (0, or an ignore label); images are padded with 0.</summary>
    public long LabelPadValue { get; init; }

    public ulong Seed { get; init; }

    /// <summary>Cases to draw from (a training split); null: every case of the cache.</summary>
    public IReadOnlyList<string>? CaseIds { get; init; }
}

/// <summary>
/// Draws training batches from a <see cref="PreprocessedCache"/> as nnU-Net's data loader does: a random case per
/// patch, a random location (or one centred on remembered foreground for the oversampled share), zero padding where
/// the patch leaves the volume. Only the patch region is read from the (mapped) case. Batch i depends on nothing but
/// (seed, i), so <see cref="Sample(long)"/> is thread-safe and a run resumes exactly from a saved <see cref="State"/>.
/// </summary>
public sealed class PatchSampler
{
    private readonly PreprocessedCache _cache;
    private readonly int[] _cases;
    private readonly int[] _patch;
    private readonly int[] _final;
    private readonly int _foregroundFrom;
    private SamplerState _state;

    public PatchSampler(PreprocessedCache cache, PatchSamplerOptions options)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(options);
        var patch = options.PatchSize;
        if (patch is null || patch.Length is < 2 or > 3 || Array.Exists(patch, p => p < 1))
        {
            throw new ArgumentException("The patch size must be [Z, Y, X] or [Y, X] with positive extents.", nameof(options));
        }

        var final = options.FinalPatchSize ?? patch;
        if (final.Length != patch.Length || Array.Exists(final, p => p < 1) || !final.Zip(patch).All(p => p.First <= p.Second))
        {
            throw new ArgumentException("The final patch size must have as many axes as the patch size and fit inside it.", nameof(options));
        }

        if (options.BatchSize < 1 || !(options.ForegroundFraction >= 0 && options.ForegroundFraction <= 1))
        {
            throw new ArgumentException("The batch size must be positive and the foreground fraction within [0, 1].", nameof(options));
        }

        _cache = cache;
        Options = options;
        Is2D = patch.Length == 2;

        // Internally x, y, z; a 2D patch has one slice.
        _patch = Is2D ? [patch[1], patch[0], 1] : [patch[2], patch[1], patch[0]];
        _final = Is2D ? [final[1], final[0], 1] : [final[2], final[1], final[0]];
        _foregroundFrom = (int)Math.Round(options.BatchSize * (1 - options.ForegroundFraction), MidpointRounding.ToEven);
        if (options.CaseIds is null)
        {
            _cases = [.. Enumerable.Range(0, cache.Cases.Count)];
        }
        else
        {
            _cases = new int[options.CaseIds.Count];
            for (int i = 0; i < _cases.Length; i++)
            {
                _cases[i] = cache.IndexOf(options.CaseIds[i]);
                if (_cases[i] < 0)
                {
                    throw new MedVoxException($"case {options.CaseIds[i]} is not in the preprocessed cache", cache.Directory, hint: "preprocess it or remove it from the split");
                }
            }
        }

        if (_cases.Length == 0)
        {
            throw new MedVoxException("there is no case to draw patches from", cache.Directory, hint: "preprocess the dataset first");
        }

        foreach (int index in _cases)
        {
            if (cache.Cases[index].LabelFile is null)
            {
                throw new MedVoxException($"case {cache.Cases[index].Id} has no label in the cache", cache.Directory);
            }
        }

        Channels = cache.Plan.ChannelCount;
        _state = new SamplerState(options.Seed, 0);
    }

    public PatchSamplerOptions Options { get; }

    public bool Is2D { get; }

    public int Channels { get; }

    /// <summary>The seed and the index of the batch <see cref="Next"/> returns next.</summary>
    public SamplerState State => _state;

    /// <summary>Continues from a saved state (seed and batch index).</summary>
    public void Restore(SamplerState state)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(state.NextBatch);
        _state = state;
    }

    /// <summary>The next batch of the sequence (not thread-safe; workers call <see cref="Sample(long)"/> with their own indices).</summary>
    public Batch Next()
    {
        var batch = Sample(_state.NextBatch);
        _state = _state with { NextBatch = _state.NextBatch + 1 };
        return batch;
    }

    /// <summary>Batch <paramref name="index"/> of the sequence of the current seed; the same index always gives the same batch.</summary>
    public Batch Sample(long index) => Sample(index, _state.Seed);

    /// <summary>Batch <paramref name="index"/> of the sequence of <paramref name="seed"/> (what a loader started from a saved state draws).</summary>
    public Batch Sample(long index, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        int n = Options.BatchSize;
        int channels = Channels;
        long[] imageShape = Is2D ? [n, channels, _patch[1], _patch[0]] : [n, channels, _patch[2], _patch[1], _patch[0]];
        long[] labelShape = Is2D ? [n, _patch[1], _patch[0]] : [n, _patch[2], _patch[1], _patch[0]];
        long patchVoxels = (long)_patch[0] * _patch[1] * _patch[2];
        if (patchVoxels * n * channels * sizeof(float) > Array.MaxLength || patchVoxels * n * sizeof(long) > Array.MaxLength)
        {
            throw new ArgumentException($"A batch of {n} patches of {string.Join("x", Options.PatchSize)} voxels exceeds 2 GB; use smaller patches or batches.");
        }

        // Made outside any dispose scope: the batch owns them and travels to another thread.
        Tensor? images = null, labels = null;
        try
        {
            images = zeros(imageShape, ScalarType.Float32).DetachFromDisposeScope();
            labels = (Options.LabelPadValue == 0 ? zeros(labelShape, ScalarType.Int64) : full(labelShape, Options.LabelPadValue, ScalarType.Int64)).DetachFromDisposeScope();
            var imageData = MemoryMarshal.Cast<byte, float>(images.bytes);
            var labelData = MemoryMarshal.Cast<byte, long>(labels.bytes);
            var random = new DataRandom(seed, index, purpose: 3);
            var origins = new PatchOrigin[n];
            Span<int> start = stackalloc int[3];
            for (int j = 0; j < n; j++)
            {
                bool foreground = j >= _foregroundFrom;
                int caseIndex = _cases[random.NextInt(_cases.Length)];
                using var held = _cache.Acquire(caseIndex);
                bool centred = ChooseStart(held, foreground, ref random, start);
                origins[j] = new PatchOrigin(held.Info.Id, start[0], start[1], start[2], centred);
                Copy(held, start, imageData.Slice((int)(j * channels * patchVoxels), (int)(channels * patchVoxels)), labelData.Slice((int)(j * patchVoxels), (int)patchVoxels));
            }

            return new Batch(images, labels, index, origins);
        }
        catch
        {
            images?.Dispose();
            labels?.Dispose();
            throw;
        }
    }

    /// <summary>nnU-Net's get_bbox: the first voxel of the patch (x, y, z); true when it was centred on foreground.</summary>
    private bool ChooseStart(PreprocessedCase held, bool foreground, ref DataRandom random, Span<int> start)
    {
        var size = held.Info.Geometry.Size;
        Span<int> low = stackalloc int[3];
        Span<int> high = stackalloc int[3];
        int axes = Is2D ? 2 : 3;
        for (int a = 0; a < axes; a++)
        {
            int need = _patch[a] - _final[a];
            if (need + size[a] < _patch[a])
            {
                need = _patch[a] - size[a];
            }

            low[a] = -((need + 1) / 2);
            high[a] = size[a] + (need / 2) + (need % 2) - _patch[a];
        }

        if (foreground)
        {
            var entries = held.Info.ClassLocations;
            int eligible = 0;
            for (int i = 0; i < entries.Count; i++)
            {
                eligible += entries[i].Count > 0 ? 1 : 0;
            }

            if (eligible > 0)
            {
                int pick = random.NextInt(eligible), entry = -1;
                for (int i = 0; i < entries.Count && pick >= 0; i++)
                {
                    if (entries[i].Count > 0)
                    {
                        entry = i;
                        pick--;
                    }
                }

                var triples = held.Locations(entry);
                int voxel = random.NextInt(entries[entry].Count) * 3;
                for (int a = 0; a < axes; a++)
                {
                    start[a] = Math.Max(low[a], triples[voxel + a] - (_patch[a] / 2));
                }

                if (Is2D)
                {
                    start[2] = triples[voxel + 2];
                }

                return true;
            }
        }

        for (int a = 0; a < axes; a++)
        {
            start[a] = random.NextInclusive(low[a], high[a]);
        }

        if (Is2D)
        {
            start[2] = random.NextInt(size[2]);
        }

        return false;
    }

    /// <summary>Copies the part of the patch inside the volume, row by row from the case's views; the rest keeps its padding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Copy(PreprocessedCase held, ReadOnlySpan<int> start, Span<float> images, Span<long> labels)
    {
        var size = held.Info.Geometry.Size;
        int px = _patch[0], py = _patch[1], pz = _patch[2];
        int x0 = Math.Max(0, start[0]), x1 = Math.Min(size[0], start[0] + px);
        int y0 = Math.Max(0, start[1]), y1 = Math.Min(size[1], start[1] + py);
        int z0 = Math.Max(0, start[2]), z1 = Math.Min(size[2], start[2] + pz);
        if (x0 >= x1 || y0 >= y1 || z0 >= z1)
        {
            return;
        }

        int width = x1 - x0;
        long patchVoxels = (long)px * py * pz;
        var label = held.Label!;
        for (int z = z0; z < z1; z++)
        {
            for (int y = y0; y < y1; y++)
            {
                int offset = ((((z - start[2]) * py) + (y - start[1])) * px) + (x0 - start[0]);
                for (int c = 0; c < held.Channels.Count; c++)
                {
                    held.Channels[c].GetRow<float>(y, z).Slice(x0, width).CopyTo(images.Slice((int)(c * patchVoxels) + offset, width));
                }

                ReadOnlySpan<byte> source = label.GetRow<byte>(y, z).Slice(x0, width);
                var target = labels.Slice(offset, width);
                for (int x = 0; x < width; x++)
                {
                    target[x] = source[x];
                }
            }
        }
    }
}
