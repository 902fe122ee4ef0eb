using System.Buffers.Binary;
using MedVox.Learning.Data;
using MedVox.Learning.Training;
using static TorchSharp.torch;

namespace MedVox.Learning.Classification;

/// <summary>
/// Training batches of prepared images and their class indices (images float32 [N, C', H, W], labels int64 [N]) drawn
/// from a subset of a dataset's entries. Batch k depends only on (seed, k): which entries (balanced or not), and their
/// augmentation (<see cref="Augmentation"/>, the same transforms as segmentation with a dummy label map). The state
/// saved in a checkpoint is the batch counter, so a resumed run continues with the batches it would have drawn.
/// </summary>
public sealed class ClassificationBatchSource : IBatchSource
{
    private const int StateLength = 24;
    private readonly ClassificationSamples _samples;
    private readonly int[] _entries;
    private readonly int[][] _byClass;
    private readonly Augmentation? _augmentation;

    public ClassificationBatchSource(ClassificationSamples samples, IReadOnlyList<int> entries, ClassificationSampling sampling)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(sampling);
        sampling.Validate();
        if (entries.Count == 0)
        {
            throw new MedVoxException("there are no training images", samples.Dataset.Directory, hint: "the dataset is empty or the validation fraction takes everything");
        }

        _samples = samples;
        _entries = [.. entries];
        Sampling = sampling;
        var lists = new List<int>[samples.Classes];
        for (int c = 0; c < lists.Length; c++)
        {
            lists[c] = [];
        }

        foreach (int entry in _entries)
        {
            lists[samples.LabelOf(entry)].Add(entry);
        }

        // Balanced sampling draws among the classes that have training images.
        _byClass = [.. lists.Where(l => l.Count > 0).Select(l => l.ToArray())];
        if (sampling.Augmentation is { } augmentation)
        {
            _augmentation = new Augmentation(augmentation with { Seed = sampling.Seed ^ 0xA5A5_5A5A_C3C3_3C3CUL, OutputPatchSize = null });
        }
    }

    public ClassificationSampling Sampling { get; }

    /// <summary>Batches drawn so far (the index of the next one).</summary>
    public long Drawn { get; private set; }

    /// <summary>Training images per class (index = class).</summary>
    public IReadOnlyList<int> ClassCounts
    {
        get
        {
            var counts = new int[_samples.Classes];
            foreach (int entry in _entries)
            {
                counts[_samples.LabelOf(entry)]++;
            }

            return counts;
        }
    }

    public TrainingBatch Next(CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        long index = Drawn;
        var (entries, labels) = Draw(index);
        using var scope = NewDisposeScope();
        var images = _samples.LoadBatch(entries);
        if (_augmentation is not null)
        {
            using var plain = new Batch(images, zeros([images.shape[0], images.shape[2], images.shape[3]], ScalarType.Int64), index, []);
            using var augmented = _augmentation.Apply(plain);
            images = augmented.Images.alias();
        }

        var result = new TrainingBatch(images.DetachFromDisposeScope(), tensor(labels).DetachFromDisposeScope());
        Drawn = index + 1;
        return result;
    }

    /// <summary>The entries and labels of batch <paramref name="index"/>.</summary>
    public (int[] Entries, long[] Labels) Draw(long index)
    {
        var random = new DataRandom(Sampling.Seed, index, purpose: 31);
        int n = Sampling.BatchSize;
        var entries = new int[n];
        var labels = new long[n];
        for (int i = 0; i < n; i++)
        {
            int entry;
            if (Sampling.Balanced)
            {
                var members = _byClass[random.NextInt(_byClass.Length)];
                entry = members[random.NextInt(members.Length)];
            }
            else
            {
                entry = _entries[random.NextInt(_entries.Length)];
            }

            entries[i] = entry;
            labels[i] = _samples.LabelOf(entry);
        }

        return (entries, labels);
    }

    /// <summary>The batch counter, with the seed and entry count to catch a resume on other data.</summary>
    public byte[] SaveState()
    {
        var state = new byte[StateLength];
        BinaryPrimitives.WriteInt64LittleEndian(state, Drawn);
        BinaryPrimitives.WriteUInt64LittleEndian(state.AsSpan(8), Sampling.Seed);
        BinaryPrimitives.WriteInt64LittleEndian(state.AsSpan(16), _entries.Length);
        return state;
    }

    public void RestoreState(byte[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Length != StateLength)
        {
            throw new MedVoxException("the checkpoint's sampling state is not a classification sampler's", hint: "resume with the command that started the run");
        }

        if (BinaryPrimitives.ReadUInt64LittleEndian(state.AsSpan(8)) != Sampling.Seed || BinaryPrimitives.ReadInt64LittleEndian(state.AsSpan(16)) != _entries.Length)
        {
            throw new MedVoxException("the checkpoint was made with another seed or training set", hint: "resume with the same dataset, --seed and --val-fraction");
        }

        Drawn = BinaryPrimitives.ReadInt64LittleEndian(state);
    }
}
