using System.Collections.Concurrent;
using MedVox.IO;
using MedVox.IO.Datasets;
using static TorchSharp.torch;

namespace MedVox.Learning.Classification;

/// <summary>
/// The images of a classification dataset prepared as network input (<see cref="ClassifierInput.Prepare"/>), read on
/// demand and kept in RAM up to <see cref="CacheBudgetBytes"/>: small slices (a 64 x 64 float input is 16 KiB) are
/// read and normalised once, while a dataset larger than the budget reads the rest from disk each time. Thread-safe.
/// </summary>
public sealed class ClassificationSamples
{
    private readonly ConcurrentDictionary<int, float[]> _cache = new();
    private long _cachedBytes;

    /// <param name="dataset">The dataset; every listed image must exist and every label must be in [0, classes).</param>
    /// <param name="input">How images become network input.</param>
    /// <param name="classes">Number of classes (at least 2).</param>
    /// <param name="cacheBudgetBytes">RAM for prepared images (0: no cache).</param>
    public ClassificationSamples(ClassificationDataset dataset, ClassifierInput input, int classes, long cacheBudgetBytes = 1L << 30)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(input);
        input.Validate();
        if (classes < 2)
        {
            throw new MedVoxException($"a classifier needs at least two classes, got {classes}", Path.Combine(dataset.Directory, ClassificationDataset.LabelsFileName));
        }

        for (int i = 0; i < dataset.Entries.Count; i++)
        {
            var entry = dataset.Entries[i];
            string labels = Path.Combine(dataset.Directory, ClassificationDataset.LabelsFileName);
            if (entry.Label < 0 || entry.Label >= classes)
            {
                throw new MedVoxException($"label {entry.Label} is outside 0..{classes - 1}", labels, $"line {i + 2}", "labels are class indices 0, 1, ... (one per class name)");
            }

            if (!File.Exists(dataset.FullPath(entry)))
            {
                throw new MedVoxException($"lists {entry.Image}, which does not exist", labels, $"line {i + 2}");
            }
        }

        Dataset = dataset;
        Input = input;
        Classes = classes;
        CacheBudgetBytes = Math.Max(0, cacheBudgetBytes);
    }

    public ClassificationDataset Dataset { get; }

    public ClassifierInput Input { get; }

    public int Classes { get; }

    public long CacheBudgetBytes { get; }

    /// <summary>Bytes of prepared images held now.</summary>
    public long CachedBytes => Interlocked.Read(ref _cachedBytes);

    public int Count => Dataset.Entries.Count;

    public int LabelOf(int entry) => Dataset.Entries[entry].Label;

    /// <summary>Entry <paramref name="entry"/> as network input [C', H, W] (a new CPU tensor the caller owns).</summary>
    public Tensor Load(int entry)
    {
        long[] shape = [Input.NetworkChannels, Input.Height, Input.Width];
        if (_cache.TryGetValue(entry, out var cached))
        {
            return tensor(cached, shape);
        }

        string path = Dataset.FullPath(Dataset.Entries[entry]);
        Tensor prepared;
        using (var image = ImageFile.Read(path))
        {
            prepared = Input.Prepare(image, path);
        }

        long bytes = prepared.numel() * sizeof(float);
        if (Interlocked.Add(ref _cachedBytes, bytes) <= CacheBudgetBytes)
        {
            if (!_cache.TryAdd(entry, prepared.data<float>().ToArray()))
            {
                Interlocked.Add(ref _cachedBytes, -bytes);
            }
        }
        else
        {
            Interlocked.Add(ref _cachedBytes, -bytes);
        }

        return prepared;
    }

    /// <summary>Entries <paramref name="entries"/> stacked as [N, C', H, W].</summary>
    public Tensor LoadBatch(ReadOnlySpan<int> entries)
    {
        using var scope = NewDisposeScope();
        var items = new Tensor[entries.Length];
        for (int i = 0; i < entries.Length; i++)
        {
            items[i] = Load(entries[i]);
        }

        return stack(items, 0).MoveToOuterDisposeScope();
    }
}
