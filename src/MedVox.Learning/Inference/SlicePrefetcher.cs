using System.Collections.Concurrent;

namespace MedVox.Learning.Inference;

/// <summary>
/// Reads preprocessed slices on a background thread, in order, up to <c>depth</c> ahead of the consumer, so that on a
/// GPU the host's preprocessing runs while the device computes windows instead of between them. Buffers go round:
/// <see cref="Take"/> hands one out, <see cref="Return"/> gives it back for a later slice. An error in the reader
/// surfaces from <see cref="Take"/>.
/// </summary>
internal sealed class SlicePrefetcher : IDisposable
{
    private readonly BlockingCollection<float[]> _free;
    private readonly BlockingCollection<float[]> _ready;
    private readonly CancellationTokenSource _stop;
    private readonly Task _reader;

    public SlicePrefetcher(StreamingPreprocessor pre, int slices, int depth, CancellationToken cancellation)
    {
        depth = Math.Clamp(depth, 1, slices);
        _free = new BlockingCollection<float[]>(depth);
        _ready = new BlockingCollection<float[]>(depth);
        for (int i = 0; i < depth; i++)
        {
            _free.Add(new float[pre.SliceLength]);
        }

        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var token = _stop.Token;
        _reader = Task.Factory.StartNew(
            () =>
            {
                try
                {
                    for (int k = 0; k < slices; k++)
                    {
                        var buffer = _free.Take(token);
                        pre.ReadSlice(k, buffer);
                        _ready.Add(buffer, token);
                    }
                }
                finally
                {
                    _ready.CompleteAdding();
                }
            },
            token,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    /// <summary>The next slice in order; blocks until the reader has it.</summary>
    public float[] Take()
    {
        if (_ready.TryTake(out var buffer, Timeout.Infinite))
        {
            return buffer;
        }

        // The reader stopped early: rethrow what stopped it.
        _reader.GetAwaiter().GetResult();
        throw new InvalidOperationException("No more slices.");
    }

    public void Return(float[] buffer) => _free.Add(buffer);

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _reader.Wait();
        }
        catch (AggregateException)
        {
            // Cancelled here, or failed: a failure has already surfaced from Take, or the consumer stopped for its own reason.
        }

        _stop.Dispose();
        _free.Dispose();
        _ready.Dispose();
    }
}
