using MedVox.Learning.Data;
using MedVox.Learning.Runtime;
using static TorchSharp.torch;

namespace MedVox.Learning.Tests.Data;

public class AugmentationTests
{
    private static readonly AugmentationOptions Everything = AugmentationOptions.Default3D with
    {
        Seed = 11,
        RotationProbability = 1,
        ScaleProbability = 1,
        ElasticProbability = 1,
        ElasticAlpha = new ValueRange(200, 400),
        NoiseProbability = 1,
        BlurProbability = 1,
        BrightnessProbability = 1,
        ContrastProbability = 1,
        LowResolutionProbability = 1,
        InvertedGammaProbability = 1,
        GammaProbability = 1,
    };

    [Fact]
    public void MirroringTwiceIsIdentity()
    {
        using var scope = NewDisposeScope();
        var image = randn(2, 5, 6, 7);
        var label = randint(0, 4, [5, 6, 7], ScalarType.Int64);
        var image2D = randn(1, 6, 7);
        var label2D = randint(0, 4, [6, 7], ScalarType.Int64);

        var (once, onceLabel) = Augmentation.Flip(image, label, [0, 2]);
        var (twice, twiceLabel) = Augmentation.Flip(once, onceLabel, [0, 2]);
        var (flat, flatLabel) = Augmentation.Flip(image2D, label2D, [1]);
        var (back, backLabel) = Augmentation.Flip(flat, flatLabel, [1]);

        Assert.False(PatchSamplerTests.SameValues(image, once));
        Assert.Equal(image[0, 4, 1, 6].item<float>(), once[0, 0, 1, 0].item<float>());
        Assert.Equal(label[4, 1, 6].item<long>(), onceLabel[0, 1, 0].item<long>());
        Assert.True(PatchSamplerTests.SameValues(image, twice));
        Assert.True(PatchSamplerTests.SameValues(label, twiceLabel));
        Assert.True(PatchSamplerTests.SameValues(image2D, back));
        Assert.True(PatchSamplerTests.SameValues(label2D, backLabel));
    }

    [Fact]
    public void RotationByZeroAndScaleOneIsIdentityWithinInterpolationError()
    {
        var options = AugmentationOptions.None with
        {
            RotationProbability = 1,
            RotationX = ValueRange.Fixed(0),
            RotationY = ValueRange.Fixed(0),
            RotationZ = ValueRange.Fixed(0),
            ScaleProbability = 1,
            Scale = ValueRange.Fixed(1),
        };
        using var batch = MakeBatch(16, 12, 10);
        using var scope = NewDisposeScope();

        using var result = new Augmentation(options).Apply(batch);

        Assert.True((result.Images - batch.Images).abs().max().item<float>() < 1e-4f);
        Assert.True(PatchSamplerTests.SameValues(batch.Labels, result.Labels));
    }

    [Fact]
    public void MirroringIsAnExactFlipWithOrWithoutASpatialTransform()
    {
        var mirrorOnly = AugmentationOptions.None with { MirrorProbability = 1, MirrorAxes = [0, 2] };
        var withIdentityRotation = mirrorOnly with
        {
            RotationProbability = 1,
            RotationX = ValueRange.Fixed(0),
            RotationY = ValueRange.Fixed(0),
            RotationZ = ValueRange.Fixed(0),
        };
        using var batch = MakeBatch(6, 7, 8);
        using var scope = NewDisposeScope();

        using var flipped = new Augmentation(mirrorOnly).Apply(batch);
        using var sampled = new Augmentation(withIdentityRotation).Apply(batch);

        var expectedImages = batch.Images.flip(2, 4);
        var expectedLabels = batch.Labels.flip(1, 3);
        Assert.True(PatchSamplerTests.SameValues(expectedImages, flipped.Images));
        Assert.True(PatchSamplerTests.SameValues(expectedLabels, flipped.Labels));
        Assert.True((expectedImages - sampled.Images).abs().max().item<float>() < 1e-4f);
        Assert.True(PatchSamplerTests.SameValues(expectedLabels, sampled.Labels));
    }

    [Fact]
    public void QuarterTurnInPlaneMovesAVoxelWhereTheRotationSays()
    {
        // Output voxel p (from the patch centre, x-y) samples the input at R p; R = 90° about z maps (x, y) to (-y, x).
        // So input (u, v) shows at output (v, -u). With an even size the centre is at 3.5: offsets are half-integers.
        var options = AugmentationOptions.None with { RotationProbability = 1, RotationZ = ValueRange.Fixed(Math.PI / 2), RotationX = ValueRange.Fixed(0), RotationY = ValueRange.Fixed(0) };
        using var scope = NewDisposeScope();
        var labels = zeros([1, 3, 8, 8], ScalarType.Int64);
        labels[0, 1, 2, 6] = tensor(5L); // x = 6, y = 2: offsets (2.5, -1.5) -> output offsets (-1.5, -2.5): x = 2, y = 1.
        using var batch = new Batch(zeros([1, 1, 3, 8, 8]).DetachFromDisposeScope(), labels.clone().DetachFromDisposeScope(), 0, []);

        using var result = new Augmentation(options).Apply(batch);

        Assert.Equal(5, result.Labels[0, 1, 1, 2].item<long>());
        Assert.Equal(5, result.Labels.sum().item<long>());
    }

    [Fact]
    public void LabelValuesStayWithinTheOriginalSetAndShapesArePreserved()
    {
        using var batch = MakeBatch(12, 12, 12, labelValues: 4);
        using var batch2D = MakeBatch2D(20, 16);
        var augmentation = new Augmentation(Everything);
        var augmentation2D = new Augmentation(Everything with { RotationZ = new ValueRange(-Math.PI, Math.PI) });

        for (int i = 0; i < 5; i++)
        {
            using var result = augmentation.Apply(batch, i);
            using var result2D = augmentation2D.Apply(batch2D, i);
            using var scope = NewDisposeScope();
            Assert.Equal(batch.Images.shape, result.Images.shape);
            Assert.Equal(batch.Labels.shape, result.Labels.shape);
            Assert.Equal(batch2D.Images.shape, result2D.Images.shape);
            Assert.Equal(ScalarType.Int64, result.Labels.dtype);
            var values = unique(cat([result.Labels.flatten(), result2D.Labels.flatten()])).output.data<long>().ToArray();
            Assert.All(values, v => Assert.InRange(v, 0, 3));
            Assert.False(PatchSamplerTests.SameValues(batch.Labels, result.Labels));
        }
    }

    [Fact]
    public void TheOutputPatchIsTheCentreOfALargerInput()
    {
        using var batch = MakeBatch(12, 10, 9);
        using var scope = NewDisposeScope();

        using var cropped = new Augmentation(AugmentationOptions.None with { OutputPatchSize = [8, 6, 5] }).Apply(batch);
        using var rotated = new Augmentation(Everything with { OutputPatchSize = [8, 6, 5] }).Apply(batch);

        Assert.Equal(new long[] { 2, 2, 8, 6, 5 }, cropped.Images.shape);
        Assert.Equal(new long[] { 2, 8, 6, 5 }, rotated.Labels.shape);
        Assert.True(PatchSamplerTests.SameValues(batch.Images[.., .., 2..10, 2..8, 2..7], cropped.Images));
    }

    [Fact]
    public void AugmentationIsDeterministicUnderASeedAndBatchIndex()
    {
        using var batch = MakeBatch(10, 10, 10);
        var augmentation = new Augmentation(Everything);

        using var first = augmentation.Apply(batch, 7);
        using var second = new Augmentation(Everything).Apply(batch, 7);
        using var other = augmentation.Apply(batch, 8);
        using var otherSeed = new Augmentation(Everything with { Seed = 12 }).Apply(batch, 7);

        PatchSamplerTests.AssertSame(first, second);
        Assert.False(PatchSamplerTests.SameValues(first.Images, other.Images));
        Assert.False(PatchSamplerTests.SameValues(first.Images, otherSeed.Images));
    }

    [Fact]
    public void IntensityTransformsLeaveLabelsUntouched()
    {
        var options = Everything with { RotationProbability = 0, ScaleProbability = 0, ElasticProbability = 0, MirrorProbability = 0 };
        using var batch = MakeBatch(10, 12, 14);

        using var result = new Augmentation(options).Apply(batch);

        Assert.True(PatchSamplerTests.SameValues(batch.Labels, result.Labels));
        Assert.False(PatchSamplerTests.SameValues(batch.Images, result.Images));
    }

    [Fact]
    public void GammaKeepsMeanAndDeviationAndBlurKeepsConstants()
    {
        using var scope = NewDisposeScope();
        var x = rand(6, 7, 8) * 3;

        var gamma = Augmentation.GammaRetainingStatistics(x, 1.4, invert: false);
        var inverted = Augmentation.GammaRetainingStatistics(x, 0.8, invert: true);
        var constant = Augmentation.GaussianBlur(full([5, 6, 7], 2.5f), [0.7, 1.0, 0.5]);
        var impulse = zeros(9, 9, 9);
        impulse[4, 4, 4] = tensor(1f);
        var blurred = Augmentation.GaussianBlur(impulse, [1.0, 1.0, 1.0]);

        Assert.Equal(x.mean().item<float>(), gamma.mean().item<float>(), 4);
        Assert.Equal(x.std(unbiased: false).item<float>(), gamma.std(unbiased: false).item<float>(), 4);
        Assert.Equal(x.mean().item<float>(), inverted.mean().item<float>(), 4);
        Assert.False(PatchSamplerTests.SameValues(x, gamma));
        Assert.True((constant - 2.5f).abs().max().item<float>() < 1e-5f);
        Assert.Equal(1, blurred.sum().item<float>(), 4);
        Assert.Equal(blurred[4, 4, 3].item<float>(), blurred[3, 4, 4].item<float>(), 6);
    }

    [Fact]
    public void InitialPatchSizeFollowsNnUNet()
    {
        // Rotating (128, 128, 128) by 30° about one axis gives 128 (cos 30° + sin 30°) = 174.85; / 0.7 = 249.8.
        var size = Augmentation.InitialPatchSize([128, 128, 128], AugmentationOptions.Default3D);
        // In 2D a rotation of up to 180° is capped at 90°: (x, y) -> (-y, x): 160 x 96 becomes 160 x 160; / 0.7 = 228.6.
        var size2D = Augmentation.InitialPatchSize([96, 160], AugmentationOptions.Default2D);

        Assert.Equal([249, 249, 249], size);
        Assert.Equal([228, 228], size2D);
    }

    [Fact]
    public void ManyCallsLeakNoTensor()
    {
        using var batch = MakeBatch(8, 8, 8);
        var augmentation = new Augmentation(Everything);
        long before = TensorAccounting.LiveTensors;

        for (int i = 0; i < 40; i++)
        {
            using var result = augmentation.Apply(batch, i);
        }

        Assert.Equal(before, TensorAccounting.LiveTensors);
    }

    private static Batch MakeBatch(int z, int y, int x, int labelValues = 3)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(5, CPU);
        var images = (randn([2, 2, z, y, x], generator: generator) + 1).DetachFromDisposeScope();
        var labels = randint(0, labelValues, [2, z, y, x], ScalarType.Int64, generator: generator).DetachFromDisposeScope();
        generator.Dispose();
        return new Batch(images, labels, 3, []);
    }

    private static Batch MakeBatch2D(int y, int x)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(6, CPU);
        var images = randn([3, 1, y, x], generator: generator).DetachFromDisposeScope();
        var labels = randint(0, 4, [3, y, x], ScalarType.Int64, generator: generator).DetachFromDisposeScope();
        generator.Dispose();
        return new Batch(images, labels, 0, []);
    }
}
