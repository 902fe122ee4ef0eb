using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Learning.Data;
using MedVox.Learning.Inference;
using MedVox.Testing;

namespace MedVox.Learning.Tests.Inference;

/// <summary>The slice-by-slice preprocessing must give exactly what the whole-volume <see cref="Preprocessor"/> gives.</summary>
public class StreamingPreprocessorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Cases => ["ct-anisotropic", "ct-upsampled", "zscore-two-components", "rescale-no-resampling", "2d-rgb"];

    [Theory]
    [MemberData(nameof(Cases))]
    public void SlicesEqualTheWholeVolumePreprocessor(string name)
    {
        var (plan, images) = Case(name);
        try
        {
            using var expected = new Preprocessor(plan).Transform("case", images);
            var pre = StreamingPreprocessor.Create(ChannelSource.Expand(images), plan, Ct);

            Assert.Equal(expected.Info.CropStart, new[] { pre.CropStart.X, pre.CropStart.Y, pre.CropStart.Z });
            Assert.Equal(expected.Info.CropSize, new[] { pre.CropSize.X, pre.CropSize.Y, pre.CropSize.Z });
            Assert.Equal(expected.Info.SeparateAxis, pre.SeparateAxis);
            if (name == "ct-anisotropic")
            {
                // The case exercises the crop and the separate axis, not only the identity.
                Assert.Equal(2, pre.SeparateAxis);
                Assert.True(pre.CropSize.X < 33 && pre.CropSize.Y < 29, $"crop {pre.CropSize}");
            }

            ImageAssert.SameGeometry(expected.Channels[0], Image.Create(pre.Geometry, ElementType.UInt8), 1e-9);
            var size = pre.Geometry.Size;
            var slice = new float[pre.SliceLength];
            int differing = 0;
            for (int k = 0; k < size.Z; k++)
            {
                pre.ReadSlice(k, slice);
                for (int c = 0; c < pre.ChannelCount; c++)
                {
                    for (int y = 0; y < size.Y; y++)
                    {
                        var row = expected.Channels[c].GetRow<float>(y, k);
                        for (int x = 0; x < size.X; x++)
                        {
                            differing += row[x] == slice[(((c * size.Y) + y) * size.X) + x] ? 0 : 1;
                        }
                    }
                }
            }

            Assert.Equal(0, differing);
        }
        finally
        {
            foreach (var image in images)
            {
                image.Dispose();
            }
        }
    }

    [Fact]
    public void NaNIntensitiesAreRefusedWithTheVoxel()
    {
        var (plan, images) = Case("zscore-two-components");
        using var image = images[0];
        image.SetValue(3, 2, 1, double.NaN, channel: 1);

        var error = Assert.Throws<MedVoxException>(() => StreamingPreprocessor.Create(ChannelSource.Expand(images, ["scan.nii"]), plan, Ct));

        Assert.Equal("scan.nii: the image holds NaN at voxel (3, 2, 1); fix or mask undefined intensities before prediction", error.Message);
    }

    /// <summary>
    /// Rows many vectors wide with a tail, in the stored types that are widened a vector at a time and one that is not:
    /// the crop box found from both ends of each row and the values equal the whole-volume preprocessor's.
    /// </summary>
    [Theory]
    [InlineData(ElementType.Int16, CropMode.AboveThreshold)]
    [InlineData(ElementType.Int16, CropMode.Nonzero)]
    [InlineData(ElementType.UInt16, CropMode.Nonzero)]
    [InlineData(ElementType.UInt8, CropMode.AboveThreshold)]
    [InlineData(ElementType.Float32, CropMode.Nonzero)]
    [InlineData(ElementType.Int32, CropMode.AboveThreshold)]
    public void WideRowsOfEveryStoredTypeGiveTheReferenceCropAndValues(ElementType type, CropMode crop)
    {
        var geometry = new ImageGeometry(ImageSize.Of3D(101, 6, 5), new Vector3D(1, 1, 1), new Vector3D(0, 0, 0), Matrix3D.Identity);
        using var image = Image.Create(geometry, type);
        var random = new Random(11);
        int highest = 0;
        for (int z = 1; z < 4; z++)
        {
            for (int y = 1; y < 5; y++)
            {
                // Each row's body starts and ends somewhere else, inside a vector or at its edge; the threshold (20)
                // leaves low values around it outside the box.
                int left = 3 + random.Next(40), right = 60 + random.Next(41);
                for (int x = left; x <= right; x++)
                {
                    int value = x == left || x == right ? 5 : 30 + random.Next(200);
                    highest = Math.Max(highest, value);
                    image.SetValue(x, y, z, value);
                }
            }
        }

        var plan = new PreprocessingPlan { TargetSpacing = [1.0, 1.0, 1.0], Normalization = [ChannelNormalization.ZScore], LabelValues = [0, 1], Crop = crop, CropThreshold = 20 };
        using var expected = new Preprocessor(plan).Transform("case", [image]);
        var pre = StreamingPreprocessor.Create(ChannelSource.Expand([image]), plan, Ct);

        Assert.Equal(expected.Info.CropStart, new[] { pre.CropStart.X, pre.CropStart.Y, pre.CropStart.Z });
        Assert.Equal(expected.Info.CropSize, new[] { pre.CropSize.X, pre.CropSize.Y, pre.CropSize.Z });
        Assert.True(pre.CropSize.X < 101, $"crop {pre.CropSize}");
        Assert.Equal((0, highest), (pre.Ranges[0].Min, pre.Ranges[0].Max));
        var size = pre.Geometry.Size;
        var slice = new float[pre.SliceLength];
        for (int k = 0; k < size.Z; k++)
        {
            pre.ReadSlice(k, slice);
            for (int y = 0; y < size.Y; y++)
            {
                Assert.Equal(expected.Channels[0].GetRow<float>(y, k).ToArray(), slice.AsSpan(y * size.X, size.X).ToArray());
            }
        }
    }

    [Theory]
    [InlineData(2, float.NaN, "NaN")]
    [InlineData(37, float.PositiveInfinity, "an infinite value")]
    [InlineData(100, float.NegativeInfinity, "an infinite value")]
    public void NonFiniteIntensitiesInWideRowsAreRefusedWithTheVoxel(int x, float value, string what)
    {
        var geometry = new ImageGeometry(ImageSize.Of3D(101, 4, 3), new Vector3D(1, 1, 1), new Vector3D(0, 0, 0), Matrix3D.Identity);
        using var image = Image.Create(geometry, ElementType.Float32);
        image.SetValue(x, 3, 2, value);
        var plan = new PreprocessingPlan { TargetSpacing = [1.0, 1.0, 1.0], Normalization = [ChannelNormalization.ZScore], LabelValues = [0, 1] };

        var error = Assert.Throws<MedVoxException>(() => StreamingPreprocessor.Create(ChannelSource.Expand([image], ["scan.nii"]), plan, Ct));

        Assert.Equal($"scan.nii: the image holds {what} at voxel ({x}, 3, 2); fix or mask undefined intensities before prediction", error.Message);
    }

    private static (PreprocessingPlan Plan, List<Image> Images) Case(string name)
    {
        var ct = new ChannelNormalization { Scheme = NormalizationScheme.CT, ClipLow = -900, ClipHigh = 300, Mean = 30, StandardDeviation = 120 };
        switch (name)
        {
            case "ct-anisotropic":
                // 0.7 x 0.8 x 2.5 mm to 1 x 1 x 1.5: z is thick (ratio > 3), resampled on its own with nearest neighbour.
                return (new PreprocessingPlan { TargetSpacing = [1.0, 1.0, 1.5], Normalization = [ct], LabelValues = [0, 1], Crop = CropMode.AboveThreshold, CropThreshold = -500 },
                    [InferenceFixtures.CtVolume(InferenceFixtures.Oblique(33, 29, 11, 0.7, 0.8, 2.5))]);
            case "ct-upsampled":
                // Finer target than the input on every axis, linear everywhere, float64 input, no crop.
                return (new PreprocessingPlan { TargetSpacing = [0.6, 0.5, 0.9], Normalization = [ct], LabelValues = [0, 1], Crop = CropMode.None },
                    [InferenceFixtures.CtVolume(InferenceFixtures.Oblique(17, 15, 9, 0.9, 0.8, 1.1), type: ElementType.Float64)]);
            case "zscore-two-components":
                {
                    var geometry = new ImageGeometry(ImageSize.Of3D(14, 12, 7), new Vector3D(1.1, 0.9, 1.3), new Vector3D(3, -4, 5), Matrix3D.Identity);
                    var image = Image.Create(geometry, ElementType.Float32, 2);
                    var random = new Random(3);
                    for (int z = 1; z < 6; z++)
                    {
                        for (int y = 2; y < 11; y++)
                        {
                            for (int x = 1; x < 12; x++)
                            {
                                image.SetValue(x, y, z, 50 + (x * y) + random.NextDouble(), channel: 0);
                                image.SetValue(x, y, z, 300 - (5 * z) + (10 * random.NextDouble()), channel: 1);
                            }
                        }
                    }

                    return (new PreprocessingPlan { TargetSpacing = [1.0, 1.0, 1.0], Normalization = [ChannelNormalization.ZScore, ChannelNormalization.ZScore], LabelValues = [0, 1] }, [image]);
                }

            case "rescale-no-resampling":
                return (new PreprocessingPlan { TargetSpacing = [0.7, 0.8, 2.5], Normalization = [new ChannelNormalization { Scheme = NormalizationScheme.RescaleToUnit }], LabelValues = [0, 1], Crop = CropMode.None },
                    [InferenceFixtures.CtVolume(InferenceFixtures.Oblique(19, 13, 6, 0.7, 0.8, 2.5))]);
            default:
                {
                    var geometry = new ImageGeometry(ImageSize.Of2D(37, 23), new Vector3D(0.3, 0.35, 1), new Vector3D(0, 0, 0), Matrix3D.Identity);
                    var image = Image.Create(geometry, ElementType.UInt8, 3);
                    image.IsColor = true;
                    for (int y = 0; y < 23; y++)
                    {
                        var row = image.GetRow<byte>(y);
                        for (int i = 0; i < row.Length; i++)
                        {
                            row[i] = (byte)((i * 7) + (y * 13));
                        }
                    }

                    var unit = new ChannelNormalization { Scheme = NormalizationScheme.RgbToUnit };
                    return (new PreprocessingPlan { TargetSpacing = [0.5, 0.5, 1], Normalization = [unit, unit, unit], LabelValues = [0, 1], Crop = CropMode.None }, [image]);
                }
        }
    }
}
