using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Learning.Classification;
using MedVox.Learning.Runtime;
using static TorchSharp.torch;

namespace MedVox.Learning.Tests.Classification;

public class ClassifierInputTests
{
    /// <summary>A 2D int16 image of <paramref name="columns"/> x <paramref name="rows"/> filled with <paramref name="value"/>.</summary>
    private static Image Slice(int columns, int rows, short value)
    {
        var image = Image.Create(new ImageGeometry(ImageSize.Of2D(columns, rows)), ElementType.Int16);
        image.AsSpan<short>().Fill(value);
        return image;
    }

    [Fact]
    public void BrainWindowMapsHounsfieldUnitsOntoZeroToOne()
    {
        using var image = Slice(16, 16, 0);
        short[] hu = [-1000, 0, 20, 40, 60, 80, 1000];
        for (int i = 0; i < hu.Length; i++)
        {
            image.AsSpan<short>()[i] = hu[i];
        }

        var input = new ClassifierInput { Height = 16, Width = 16 };
        long before = TensorAccounting.LiveTensors;
        using (var scope = NewDisposeScope())
        {
            var x = input.Prepare(image);
            Assert.Equal(new long[] { 1, 16, 16 }, x.shape);

            // Window 40/80 is [0, 80] HU: values clip at both ends, 20 HU is a quarter of the way.
            float[] expected = [0, 0, 0.25f, 0.5f, 0.75f, 1, 1];
            var row = x[0, 0].data<float>().ToArray();
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i], row[i], 6);
            }
        }

        Assert.Equal(before, TensorAccounting.LiveTensors);
    }

    [Fact]
    public void EachWindowIsOneNetworkChannel()
    {
        using var image = Slice(16, 16, 1000);
        var input = new ClassifierInput { Height = 16, Width = 16, Normalization = new ClassifierNormalization { Windows = [CtWindow.Brain, CtWindow.Parse("600/2800")] } };
        using var scope = NewDisposeScope();

        var x = input.Prepare(image);

        Assert.Equal(2, input.NetworkChannels);
        Assert.Equal(new long[] { 2, 16, 16 }, x.shape);
        Assert.Equal(1f, x[0, 5, 5].item<float>(), 6);

        // Bone window [600 - 1400, 600 + 1400] = [-800, 2000]: 1000 HU lies at 1800 / 2800.
        Assert.Equal(1800f / 2800, x[1, 5, 5].item<float>(), 5);
    }

    [Fact]
    public void WideImageIsPaddedToSquareNotStretched()
    {
        // 32 columns x 16 rows at 80 HU (1 in the brain window) with one air pixel (0) in a corner.
        using var image = Slice(32, 16, 80);
        image.AsSpan<short>()[0] = -1000;
        var input = new ClassifierInput { Height = 16, Width = 16 };
        using var scope = NewDisposeScope();

        var x = input.Prepare(image);

        // Padded to 32 x 32 (8 rows of the minimum above and below), then halved by area averaging.
        Assert.Equal(new long[] { 1, 16, 16 }, x.shape);
        Assert.Equal(0f, x[0, 0, 8].item<float>(), 6);
        Assert.Equal(0f, x[0, 15, 8].item<float>(), 6);
        Assert.Equal(0.75f, x[0, 4, 0].item<float>(), 6);
        Assert.Equal(1f, x[0, 8, 8].item<float>(), 6);
        Assert.Equal(1f, x[0, 11, 15].item<float>(), 6);
    }

    [Fact]
    public void ZScoreGivesZeroMeanUnitDeviation()
    {
        using var image = Slice(16, 16, 0);
        var span = image.AsSpan<short>();
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = (short)(i % 7 * 100);
        }

        var input = new ClassifierInput { Height = 16, Width = 16, Normalization = ClassifierNormalization.ZScore };
        using var scope = NewDisposeScope();

        var x = input.Prepare(image);

        Assert.Equal(0, x.mean().item<float>(), 4);
        Assert.Equal(1, x.std(unbiased: false).item<float>(), 4);
    }

    [Fact]
    public void VolumesAndWrongChannelCountsAreRejectedInOneLine()
    {
        using var volume = Image.Create(new ImageGeometry(ImageSize.Of3D(16, 16, 4)), ElementType.Int16);
        using var colour = Image.Create(new ImageGeometry(ImageSize.Of2D(16, 16)), ElementType.UInt8, channels: 3);
        var input = new ClassifierInput { Height = 16, Width = 16 };

        var error = Assert.Throws<MedVoxException>(() => input.Prepare(volume, "ct.nii.gz"));
        Assert.StartsWith("ct.nii.gz: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("slice classification takes 2D images", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);

        error = Assert.Throws<MedVoxException>(() => input.Prepare(colour, "photo.png"));
        Assert.Contains("has 3 channel(s), the classifier takes 1", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("40")]
    [InlineData("40/0")]
    [InlineData("a/b")]
    public void BadWindowsAreRejected(string text)
    {
        var error = Assert.Throws<MedVoxException>(() => CtWindow.Parse(text));
        Assert.Contains("--window", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BoneMaskBlanksSoftTissueWindowsNearBoneOnly()
    {
        // 16 x 16 at 30 HU, a bone column (1200 HU) at x = 0 and blood (75 HU) at x = 3 and x = 9 on row 5.
        using var image = Slice(16, 16, 30);
        var pixels = image.AsSpan<short>();
        for (int y = 0; y < 16; y++)
        {
            pixels[y * 16] = 1200;
        }

        pixels[(5 * 16) + 3] = 75;
        pixels[(5 * 16) + 9] = 75;
        var normalization = ClassifierNormalization.HemorrhageCt with { Windows = [new CtWindow(60, 60), new CtWindow(600, 2800)] };
        var input = new ClassifierInput { Height = 16, Width = 16, Normalization = normalization };
        long before = TensorAccounting.LiveTensors;
        using (var scope = NewDisposeScope())
        {
            var x = input.Prepare(image);
            Assert.Equal(new long[] { 2, 16, 16 }, x.shape);

            // Blood window 60/60 is [30, 90] HU: 75 HU maps to 0.75. Radius 3 masks x = 0..3 (Chebyshev distance <= 3
            // from the bone column), so the blood at x = 3 is blanked and the one at x = 9 kept.
            Assert.Equal(0f, x[0, 5, 3].item<float>());
            Assert.Equal(0.75f, x[0, 5, 9].item<float>(), 5);
            Assert.Equal(0f, x[0, 0, 0].item<float>());

            // The bone window ends above the bone threshold and is not masked: 1200 HU is (1200 + 800) / 2800.
            Assert.Equal(2000f / 2800f, x[1, 0, 0].item<float>(), 5);
        }

        Assert.Equal(before, TensorAccounting.LiveTensors);
    }
}
