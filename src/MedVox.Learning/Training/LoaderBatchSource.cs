using System.Buffers.Binary;
using MedVox.Learning.Data;

namespace MedVox.Learning.Training;

/// <summary>
/// Feeds a <see cref="Trainer"/> from a <see cref="PatchSampler"/> through a prefetching <see cref="BatchLoader"/>.
/// Its state is the sampler's (seed, next batch index): a checkpoint stores it and <see cref="RestoreState"/> restarts
/// the loader there, so a resumed run draws (and augments) exactly the batches the interrupted one would have.
/// </summary>
public sealed class LoaderBatchSource : IBatchSource, IDisposable
{
    private readonly PatchSampler _sampler;
    private readonly BatchLoaderOptions _options;
    private BatchLoader? _loader;

    public LoaderBatchSource(PatchSampler sampler, BatchLoaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentNullException.ThrowIfNull(options);
        _sampler = sampler;
        _options = options;
    }

    /// <summary>Time the trainer waited for batches so far (zero when the workers keep ahead).</summary>
    public TimeSpan WaitTime { get; private set; }

    public TrainingBatch Next(CancellationToken cancellation)
    {
        _loader ??= new BatchLoader(_sampler, _options);
        using var batch = _loader.Next(cancellation);

        // New handles on the batch's storage, owned by the trainer's batch; the loader's batch is released here.
        var images = batch.Images.alias().DetachFromDisposeScope();
        var labels = batch.Labels.alias().DetachFromDisposeScope();
        return new TrainingBatch(images, labels);
    }

    public byte[] SaveState()
    {
        var state = _loader?.State ?? _sampler.State;
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, state.Seed);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), state.NextBatch);
        return bytes;
    }

    public void RestoreState(byte[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Length != 16)
        {
            throw new MedVoxException("the checkpoint's data-sampling state is damaged", hint: "start the training again without --resume");
        }

        StopLoader();
        _sampler.Restore(new SamplerState(BinaryPrimitives.ReadUInt64LittleEndian(state), BinaryPrimitives.ReadInt64LittleEndian(state.AsSpan(8))));
    }

    public void Dispose() => StopLoader();

    private void StopLoader()
    {
        if (_loader is not null)
        {
            WaitTime += _loader.WaitTime;
            _sampler.Restore(_loader.State);
            _loader.Dispose();
            _loader = null;
        }
    }
}
