using System.Diagnostics;
using MedVox.Learning.Data;
using MedVox.Learning.Runtime;
using MedVox.Testing;

namespace MedVox.Learning.Tests.Data;

/// <summary>Batch.LiveCount is global: these tests run alone, not beside other tests that make batches.</summary>
[CollectionDefinition(nameof(BatchAccounting), DisableParallelization = true)]
public sealed class BatchAccounting;

[Collection(nameof(BatchAccounting))]
public class BatchLoaderTests
{
    private static readonly AugmentationOptions Augment = AugmentationOptions.Default3D with
    {
        Seed = 4,
        RotationProbability = 0.5,
        NoiseProbability = 0.5,
        GammaProbability = 0.5,
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void WorkersDeliverTheSequentialBatchesInOrder(int workers)
    {
        using var folder = TestData.CreateTempFolder();
        using var cache = PatchSamplerTests.AbdomenCache(folder);
        var options = new PatchSamplerOptions { PatchSize = [6, 10, 10], BatchSize = 2, Seed = 9 };
        var augmentation = new Augmentation(Augment);
        var reference = new PatchSampler(cache, options);

        using var loader = new BatchLoader(new PatchSampler(cache, options), new BatchLoaderOptions { Workers = workers, PrefetchDepth = 2, Augmentation = augmentation });
        for (int i = 0; i < 8; i++)
        {
            using var expectedRaw = reference.Sample(i);
            using var expected = augmentation.Apply(expectedRaw, i);
            using var actual = loader.Next(TestContext.Current.CancellationToken);
            PatchSamplerTests.AssertSame(expected, actual);
        }

        Assert.Equal(new SamplerState(9, 8), loader.State);
    }

    [Fact]
    public void ALoaderStartedFromASavedStateContinuesTheSequence()
    {
        using var folder = TestData.CreateTempFolder();
        using var cache = PatchSamplerTests.AbdomenCache(folder);
        var options = new PatchSamplerOptions { PatchSize = [4, 8, 8], BatchSize = 2, Seed = 21 };
        var ct = TestContext.Current.CancellationToken;
        SamplerState saved;
        Batch? fourth = null;
        using (var loader = new BatchLoader(new PatchSampler(cache, options), new BatchLoaderOptions { Workers = 2 }))
        {
            for (int i = 0; i < 3; i++)
            {
                using var batch = loader.Next(ct);
            }

            saved = loader.State;
            fourth = loader.Next(ct);
        }

        var resumed = new PatchSampler(cache, options with { Seed = 0 });
        resumed.Restore(saved);
        using (fourth)
        using (var loader = new BatchLoader(resumed, new BatchLoaderOptions { Workers = 1 }))
        using (var again = loader.Next(ct))
        {
            Assert.Equal(new SamplerState(21, 3), saved);
            Assert.Equal(3, again.Index);
            PatchSamplerTests.AssertSame(fourth, again);
        }
    }

    [Fact]
    public void DisposingStopsBlockedWorkersPromptlyAndNoTensorLeaksOnAnyThread()
    {
        using var folder = TestData.CreateTempFolder();
        using var cache = PatchSamplerTests.AbdomenCache(folder);
        var sampler = new PatchSampler(cache, new PatchSamplerOptions { PatchSize = [4, 8, 8], BatchSize = 2, Seed = 1 });
        long liveBatches = Batch.LiveCount;
        long consumerTensors = TensorAccounting.LiveTensors;
        var ct = TestContext.Current.CancellationToken;

        var loader = new BatchLoader(sampler, new BatchLoaderOptions { Workers = 2, PrefetchDepth = 2, Augmentation = new Augmentation(Augment) });
        for (int i = 0; i < 10; i++)
        {
            using var batch = loader.Next(ct);
        }

        // Let the workers fill the queue and block on it, then stop them.
        Thread.Sleep(300);
        var stopwatch = Stopwatch.StartNew();
        loader.Dispose();
        stopwatch.Stop();

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"dispose took {stopwatch.Elapsed}");
        Assert.Equal(liveBatches, Batch.LiveCount);
        Assert.Equal(0, loader.WorkerLeakedTensors);
        Assert.True(loader.WorkerLiveTensors >= 20, $"workers handed over {loader.WorkerLiveTensors} tensors");

        // TorchSharp counts a tensor made on a worker and disposed here as +1 there and -1 here: the sum over threads is 0.
        Assert.Equal(0, TensorAccounting.LiveTensors - consumerTensors + loader.WorkerLiveTensors);
        Assert.Throws<ObjectDisposedException>(() => loader.Next(ct));
    }

    [Fact]
    public void AWorkerFailureReachesTheConsumer()
    {
        using var folder = TestData.CreateTempFolder();
        using var cache = PatchSamplerTests.AbdomenCache(folder);
        var sampler = new PatchSampler(cache, new PatchSamplerOptions { PatchSize = [4, 8, 8], Seed = 1 });

        // An output patch larger than the sampled one cannot be cropped: the worker throws.
        using var loader = new BatchLoader(sampler, new BatchLoaderOptions { Augmentation = new Augmentation(AugmentationOptions.None with { OutputPatchSize = [4, 8, 9] }) });

        var error = Assert.Throws<ArgumentException>(() => loader.Next(TestContext.Current.CancellationToken));
        Assert.Contains("must fit in the batch's patches", error.Message, StringComparison.Ordinal);
    }
}
