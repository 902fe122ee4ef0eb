using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using MedVox.Learning.Runtime;
using static TorchSharp.torch;

namespace MedVox.Learning.Data;

/// <summary>How a <see cref="BatchLoader"/> prepares batches.</summary>
public sealed record BatchLoaderOptions
{
    /// <summary>Background threads sampling (and augmenting) batches.</summary>
    public int Workers { get; init; } = 2;

    /// <summary>Finished batches waiting for the consumer (the bounded queue's capacity).</summary>
    public int PrefetchDepth { get; init; } = 4;

    /// <summary>Applied to each batch on the worker (on <see cref="Device"/> when given); null: none.</summary>
    public Augmentation? Augmentation { get; init; }

    /// <summary>Where batches are moved before augmentation; null keeps them on the CPU.</summary>
    public Device? Device { get; init; }
}

/// <summary>
/// Prepares batches on background threads into a bounded <see cref="Channel{T}"/>, so the trainer does not wait on
/// reading or augmentation. Batch i is <c>sampler.Sample(i)</c> then <c>augmentation.Apply(batch, i)</c>, and batches
/// are delivered in index order whatever the number of workers: training is reproducible from (seed, index). The
/// consumer owns and disposes every batch it receives; disposing the loader stops the workers and disposes the batches
/// still queued.
/// </summary>
public sealed class BatchLoader : IDisposable
{
    private readonly PatchSampler _sampler;
    private readonly BatchLoaderOptions _options;
    private readonly Channel<Batch> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread[] _threads;
    private readonly object _turn = new();
    private readonly ulong _seed;
    private long _nextIndex;
    private long _nextToWrite;
    private long _delivered;
    private long _workerLiveTensors;
    private long _workerLeakedTensors;
    private long _waitTicks;
    private int _finished;
    private bool _disposed;

    /// <summary>Starts the workers at the sampler's current <see cref="PatchSampler.State"/>.</summary>
    public BatchLoader(PatchSampler sampler, BatchLoaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        options ??= new BatchLoaderOptions();
        if (options.Workers < 1 || options.PrefetchDepth < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "A batch loader needs at least one worker and a prefetch depth of at least one.");
        }

        _sampler = sampler;
        _options = options;
        _seed = sampler.State.Seed;
        _nextIndex = sampler.State.NextBatch;
        _nextToWrite = _nextIndex;
        StartIndex = _nextIndex;
        _queue = Channel.CreateBounded<Batch>(new BoundedChannelOptions(options.PrefetchDepth)
        {
            SingleReader = false,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        TorchRuntime.EnsureLoaded();
        _threads = new Thread[options.Workers];
        for (int w = 0; w < _threads.Length; w++)
        {
            _threads[w] = new Thread(Work) { IsBackground = true, Name = $"MedVox batch worker {w}" };
            _threads[w].Start();
        }
    }

    /// <summary>Index of the first batch this loader delivers.</summary>
    public long StartIndex { get; }

    /// <summary>The state to save for --resume: the seed and the index of the next batch <see cref="Next"/> returns.</summary>
    public SamplerState State => new(_seed, StartIndex + Interlocked.Read(ref _delivered));

    /// <summary>Time the consumer spent waiting for a batch (zero when the workers keep ahead).</summary>
    public TimeSpan WaitTime => TimeSpan.FromTicks(Interlocked.Read(ref _waitTicks));

    /// <summary>
    /// Tensors counted as live on the worker threads when they stopped: those handed over in batches (disposed
    /// elsewhere, which TorchSharp counts on the disposing thread) plus any leak. Adding the consumer thread's change in
    /// <see cref="TensorAccounting.LiveTensors"/> gives the net count over all threads; valid after <see cref="Dispose"/>.
    /// </summary>
    public long WorkerLiveTensors => Interlocked.Read(ref _workerLiveTensors);

    /// <summary>Tensors made while producing batches and neither handed over nor disposed (should stay 0).</summary>
    public long WorkerLeakedTensors => Interlocked.Read(ref _workerLeakedTensors);

    /// <summary>The next batch, waiting for one when none is ready; rethrows a worker's failure.</summary>
    public Batch Next(CancellationToken cancellation = default) => NextAsync(cancellation).AsTask().GetAwaiter().GetResult();

    /// <summary>The next batch; see <see cref="Next"/>.</summary>
    public async ValueTask<Batch> NextAsync(CancellationToken cancellation = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_queue.Reader.TryRead(out var batch))
        {
            long started = Stopwatch.GetTimestamp();
            try
            {
                batch = await _queue.Reader.ReadAsync(cancellation).ConfigureAwait(false);
            }
            catch (ChannelClosedException ex) when (ex.InnerException is not null)
            {
                ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
                throw;
            }
            finally
            {
                Interlocked.Add(ref _waitTicks, Stopwatch.GetElapsedTime(started).Ticks);
            }
        }

        Interlocked.Increment(ref _delivered);
        return batch;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stop.Cancel();
        lock (_turn)
        {
            Monitor.PulseAll(_turn);
        }

        foreach (var thread in _threads)
        {
            thread.Join();
        }

        while (_queue.Reader.TryRead(out var batch))
        {
            batch.Dispose();
        }

        _stop.Dispose();
    }

    private void Work()
    {
        var token = _stop.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                long index = Interlocked.Increment(ref _nextIndex) - 1;
                long before = TensorAccounting.LiveTensors;
                var batch = Produce(index);
                Interlocked.Add(ref _workerLeakedTensors, TensorAccounting.LiveTensors - before - 2);
                if (!Deliver(batch, index, token))
                {
                    batch.Dispose();
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            // The consumer sees the failure on its next read; the other workers stop.
            _queue.Writer.TryComplete(ex);
            _stop.Cancel();
        }
        finally
        {
            Interlocked.Add(ref _workerLiveTensors, TensorAccounting.LiveTensors);
            if (Interlocked.Increment(ref _finished) == _threads.Length)
            {
                _queue.Writer.TryComplete();
            }
        }
    }

    private Batch Produce(long index)
    {
        var batch = _sampler.Sample(index, _seed);
        try
        {
            if (_options.Device is { } device)
            {
                batch.MoveTo(device);
            }

            if (_options.Augmentation is { } augmentation)
            {
                var augmented = augmentation.Apply(batch, index);
                batch.Dispose();
                batch = augmented;
            }

            return batch;
        }
        catch
        {
            batch.Dispose();
            throw;
        }
    }

    /// <summary>Waits for this batch's turn (batches go out in index order), then for room in the queue.</summary>
    private bool Deliver(Batch batch, long index, CancellationToken token)
    {
        lock (_turn)
        {
            while (Interlocked.Read(ref _nextToWrite) != index)
            {
                if (token.IsCancellationRequested)
                {
                    return false;
                }

                Monitor.Wait(_turn, 100);
            }
        }

        try
        {
            _queue.Writer.WriteAsync(batch, token).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (ChannelClosedException)
        {
            return false;
        }

        lock (_turn)
        {
            Interlocked.Increment(ref _nextToWrite);
            Monitor.PulseAll(_turn);
        }

        return true;
    }
}
