using MedVox.Imaging;
using MedVox.Learning.Data;
using MedVox.Testing;
using static TorchSharp.torch;

namespace MedVox.Learning.Tests.Data;

public class PatchSamplerTests
{
    [Fact]
    public void PatchesAreTheVolumeRegionAndArePaddedOutsideIt()
    {
        using var folder = TestData.CreateTempFolder();
        using var cache = BoxCache(folder);
        var sampler = new PatchSampler(cache, new PatchSamplerOptions { PatchSize = [8, 6, 16], BatchSize = 3, LabelPadValue = -1, Seed = 3 });

        for (int b = 0; b < 4; b++)
        {
            using var batch = sampler.Next();
            using var scope = NewDisposeScope();
            Assert.Equal(new long[] { 3, 1, 8, 6, 16 }, batch.Images.shape);
            Assert.Equal(new long[] { 3, 8, 6, 16 }, batch.Labels.shape);
            Assert.Equal(ScalarType.Int64, batch.Labels.dtype);
            var images = batch.Images.data<float>().ToArray();
            var labels = batch.Labels.data<long>().ToArray();
            for (int j = 0; j < 3; j++)
            {
                var origin = batch.Patches[j];
                using var held = cache.Acquire(cache.IndexOf(origin.CaseId));
                var size = held.Channels[0].Size;
                int i = 0, padded = 0;
                for (int z = 0; z < 8; z++)
                {
                    for (int y = 0; y < 6; y++)
                    {
                        for (int x = 0; x < 16; x++, i++)
                        {
                            int vx = origin.X + x, vy = origin.Y + y, vz = origin.Z + z;
                            bool inside = vx >= 0 && vy >= 0 && vz >= 0 && vx < size.X && vy < size.Y && vz < size.Z;
                            float expectedImage = inside ? (float)held.Channels[0].GetValue(vx, vy, vz) : 0;
                            long expectedLabel = inside ? (long)held.Label!.GetValue(vx, vy, vz) : -1;
                            padded += inside ? 0 : 1;
                            Assert.Equal(expectedImage, images[(j * 768) + i]);
                            Assert.Equal(expectedLabel, labels[(j * 768) + i]);
                        }
                    }
                }

                // The volume is 12 x 10 x 6, so a 16-wide, 8-deep patch always reaches outside.
                Assert.True(padded > 0);
            }
        }

        Assert.Equal(0, cache.ResidentBytes);
    }

    [Fact]
    public void TwoDimensionalPatchesAreSlices()
    {
        using var folder = TestData.CreateTempFolder();
        using var cache = BoxCache(folder);
        var sampler = new PatchSampler(cache, new PatchSamplerOptions { PatchSize = [5, 7], BatchSize = 4, Seed = 1 });

        using var batch = sampler.Next();
        using var scope = NewDisposeScope();

        Assert.True(batch.Is2D);
        Assert.Equal(new long[] { 4, 1, 5, 7 }, batch.Images.shape);
        Assert.Equal(new long[] { 4, 5, 7 }, batch.Labels.shape);
        for (int j = 0; j < 4; j++)
        {
            var origin = batch.Patches[j];
            using var held = cache.Acquire(cache.IndexOf(origin.CaseId));
            Assert.InRange(origin.Z, 0, held.Channels[0].Size.Z - 1);
            for (int y = 0; y < 5; y++)
            {
                for (int x = 0; x < 7; x++)
                {
                    int vx = origin.X + x, vy = origin.Y + y;
                    bool inside = vx >= 0 && vy >= 0 && vx < held.Channels[0].Size.X && vy < held.Channels[0].Size.Y;
                    float expected = inside ? (float)held.Channels[0].GetValue(vx, vy, origin.Z) : 0;
                    Assert.Equal(expected, batch.Images[j, 0, y, x].item<float>());
                }
            }
        }
    }

    [Fact]
    public void TheOversampledShareOfEachBatchContainsForeground()
    {
        using var folder = TestData.CreateTempFolder();
        using var cache = AbdomenCache(folder);
        var all = new PatchSampler(cache, new PatchSamplerOptions { PatchSize = [4, 4, 4], BatchSize = 3, ForegroundFraction = 1, Seed = 2 });
        var third = new PatchSampler(cache, new PatchSamplerOptions { PatchSize = [4, 4, 4], BatchSize = 3, Seed = 2 });
        var none = new PatchSampler(cache, new PatchSamplerOptions { PatchSize = [4, 4, 4], BatchSize = 3, ForegroundFraction = 0, Seed = 2 });

        for (int b = 0; b < 10; b++)
        {
            using var allBatch = all.Next();
            using var thirdBatch = third.Next();
            using var noneBatch = none.Next();
            using var scope = NewDisposeScope();
            for (int j = 0; j < 3; j++)
            {
                Assert.True(allBatch.Patches[j].Foreground);
                Assert.True(allBatch.Labels[j].max().item<long>() > 0, $"batch {b} patch {j} has no foreground");
                Assert.Equal(j == 2, thirdBatch.Patches[j].Foreground);
                Assert.False(noneBatch.Patches[j].Foreground);
            }

            Assert.True(thirdBatch.Labels[2].max().item<long>() > 0);
        }
    }

    [Fact]
    public void BatchesAreDeterministicUnderASeedAndResumeFromTheState()
    {
        using var folder = TestData.CreateTempFolder();
        using var cache = AbdomenCache(folder);
        var options = new PatchSamplerOptions { PatchSize = [6, 8, 8], BatchSize = 2, Seed = 42 };
        var first = new PatchSampler(cache, options);
        var second = new PatchSampler(cache, options);
        var other = new PatchSampler(cache, options with { Seed = 43 });

        using var a0 = first.Next();
        using var a1 = first.Next();
        var saved = first.State;
        using var a2 = first.Next();
        second.Restore(saved);
        using var b2 = second.Next();
        using var c2 = other.Sample(2);
        using var a1Again = first.Sample(1);

        Assert.Equal(new SamplerState(42, 2), saved);
        Assert.Equal(new SamplerState(42, 3), second.State);
        AssertSame(a2, b2);
        AssertSame(a1, a1Again);
        Assert.NotEqual(a2.Patches, c2.Patches);
    }

    [Fact]
    public void UnknownCasesAndBadPatchSizesAreRejected()
    {
        using var folder = TestData.CreateTempFolder();
        using var cache = BoxCache(folder);

        var error = Assert.Throws<MedVoxException>(() => new PatchSampler(cache, new PatchSamplerOptions { PatchSize = [4, 4, 4], CaseIds = ["nope"] }));
        Assert.Contains("case nope", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new PatchSampler(cache, new PatchSamplerOptions { PatchSize = [4, 0, 4] }));
        Assert.Throws<ArgumentException>(() => new PatchSampler(cache, new PatchSamplerOptions { PatchSize = [4, 4, 4], FinalPatchSize = [8, 4, 4] }));
    }

    internal static void AssertSame(Batch expected, Batch actual)
    {
        Assert.Equal(expected.Index, actual.Index);
        Assert.Equal(expected.Patches, actual.Patches);
        Assert.True(SameValues(expected.Images, actual.Images), "images differ");
        Assert.True(SameValues(expected.Labels, actual.Labels), "labels differ");
    }

    internal static bool SameValues(Tensor expected, Tensor actual)
    {
        using var scope = NewDisposeScope();
        return expected.shape.SequenceEqual(actual.shape) && expected.eq(actual).all().item<bool>();
    }

    /// <summary>Two 12 x 10 x 6 cases with ramps, z-scored, not cropped or resampled.</summary>
    internal static PreprocessedCache BoxCache(TempFolder folder)
    {
        var dataset = DataFixtures.Empty(folder);
        for (int i = 0; i < 2; i++)
        {
            var (image, label) = DataFixtures.BoxCase(DataFixtures.Geometry(12, 10, 6), new(0, 0, 0), ImageSize.Of3D(12, 10, 6), seed: i);
            using (image)
            using (label)
            {
                dataset.WriteTrainingCase($"box_{i}", [image], label);
            }
        }

        var plan = new PreprocessingPlan { TargetSpacing = [1, 1, 1], Normalization = [ChannelNormalization.ZScore], LabelValues = [0, 1, 2], Crop = CropMode.None };
        string cacheDirectory = folder.File("cache");
        new Preprocessor(plan).Run(dataset, cacheDirectory, cancellation: TestContext.Current.CancellationToken).ThrowIfFailed();
        return PreprocessedCache.Open(cacheDirectory);
    }

    internal static PreprocessedCache AbdomenCache(TempFolder folder, int cases = 2)
    {
        var dataset = DataFixtures.Abdomen(folder, cases);
        var ct = TestContext.Current.CancellationToken;
        var plan = PreprocessingPlan.FromFingerprint(DatasetFingerprint.Compute(dataset, cancellation: ct));
        string cacheDirectory = folder.File("cache");
        new Preprocessor(plan).Run(dataset, cacheDirectory, cancellation: ct).ThrowIfFailed();
        return PreprocessedCache.Open(cacheDirectory);
    }
}
