using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Learning.Inference;
using MedVox.Learning.Runtime;
using MedVox.Testing;
using static TorchSharp.torch;

namespace MedVox.Learning.Tests.Inference;

public class CascadePredictorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void RegionIsTheBoxOfNonZeroLabelsWidenedByTheMarginInMillimetresAndClipped()
    {
        var geometry = new ImageGeometry(ImageSize.Of3D(20, 18, 10), new Vector3D(0.5, 1, 2.5), Vector3D.Zero, Matrix3D.Identity);
        using var labels = Image.Create(geometry, ElementType.UInt8);
        Assert.Null(CascadePredictor.RegionOf(labels, 5));

        labels.SetValue(5, 6, 3, 1);
        labels.SetValue(9, 4, 7, 2);

        // 2 mm is 4 voxels in x (0.5 mm), 2 in y (1 mm), 1 in z (2.5 mm, rounded up): x 1..13, y 2..8, z 2..8.
        var (start, size) = CascadePredictor.RegionOf(labels, 2)!.Value;
        Assert.Equal(new Index3(1, 2, 2), start);
        Assert.Equal(ImageSize.Of3D(13, 7, 7), size);

        labels.SetValue(0, 17, 9, 3);
        (start, size) = CascadePredictor.RegionOf(labels, 2)!.Value;
        Assert.Equal(new Index3(0, 2, 2), start);
        Assert.Equal(ImageSize.Of3D(14, 16, 8), size);
    }

    /// <summary>
    /// The coarse model (3 mm) localises, the fine model (the input's resolution) segments the box around what the
    /// coarse model found: the cascade's labels are the fine model's prediction of that crop, placed back where the crop
    /// came from on the input's (oblique) grid, and background elsewhere.
    /// </summary>
    [Fact]
    public void FineModelSegmentsTheCoarseRegionAndLabelsLandOnTheInputGrid()
    {
        var coarsePlan = InferenceFixtures.CtPlan([8, 8, 8], [3.0, 3.0, 3.0]);
        var finePlan = InferenceFixtures.CtPlan([8, 16, 16], [0.8, 0.8, 2.0]);
        using var coarseNet = InferenceFixtures.Network(coarsePlan, seed: 3);
        using var fineNet = InferenceFixtures.Network(finePlan, seed: 5);
        using var image = InferenceFixtures.CtVolume(InferenceFixtures.Oblique(48, 44, 18, 0.8, 0.8, 2.0));
        var options = new PredictionOptions { Device = ComputeDevice.Cpu };
        using var coarse = new Predictor(coarsePlan, coarseNet, options);
        using var fine = new Predictor(finePlan, fineNet, options);
        using var cascade = new CascadePredictor(coarse, fine, marginMillimetres: 1.5);

        using var result = cascade.Predict([image], cancellation: Ct);

        // The region, computed here from the coarse labels by hand: 1.5 mm is 2 voxels in x and y, 1 in z.
        using var coarseLabels = coarse.Predict([image], cancellation: Ct).Labels.Clone();
        var size = image.Size;
        int[] low = [int.MaxValue, int.MaxValue, int.MaxValue], high = [-1, -1, -1];
        for (int z = 0; z < size.Z; z++)
        {
            for (int y = 0; y < size.Y; y++)
            {
                for (int x = 0; x < size.X; x++)
                {
                    if (coarseLabels.GetValue(x, y, z) != 0)
                    {
                        low = [Math.Min(low[0], x), Math.Min(low[1], y), Math.Min(low[2], z)];
                        high = [Math.Max(high[0], x), Math.Max(high[1], y), Math.Max(high[2], z)];
                    }
                }
            }
        }

        Assert.True(high[0] >= 0, "the coarse network found nothing; the test would be weak");
        var start = new Index3(Math.Max(0, low[0] - 2), Math.Max(0, low[1] - 2), Math.Max(0, low[2] - 1));
        var end = new Index3(Math.Min(size.X - 1, high[0] + 2), Math.Min(size.Y - 1, high[1] + 2), Math.Min(size.Z - 1, high[2] + 1));
        var box = ImageSize.Of3D(end.X - start.X + 1, end.Y - start.Y + 1, end.Z - start.Z + 1);
        Assert.True(box.VoxelCount < 0.8 * size.VoxelCount, $"the region {box} is nearly the whole volume {size}; the test would be weak");

        using var crop = image.Crop(start, box);
        using var inside = fine.Predict([crop], cancellation: Ct);

        ImageAssert.SameGeometry(image, result.Labels, 1e-12);
        var seen = new HashSet<double>();
        for (int z = 0; z < size.Z; z++)
        {
            for (int y = 0; y < size.Y; y++)
            {
                for (int x = 0; x < size.X; x++)
                {
                    bool within = x >= start.X && x <= end.X && y >= start.Y && y <= end.Y && z >= start.Z && z <= end.Z;
                    double expected = within ? inside.Labels.GetValue(x - start.X, y - start.Y, z - start.Z) : 0;
                    double actual = result.Labels.GetValue(x, y, z);
                    Assert.True(expected == actual, $"voxel ({x}, {y}, {z}): {actual}, expected {expected}");
                    seen.Add(actual);
                }
            }
        }

        Assert.True(seen.Count >= 3, $"the cascade's labels hold only {seen.Count} value(s); the comparison would be weak");
    }

    [Fact]
    public void WhenTheCoarseModelFindsNothingTheFineModelSegmentsTheWholeVolume()
    {
        var coarsePlan = InferenceFixtures.CtPlan([8, 8, 8], [3.0, 3.0, 3.0]);
        var finePlan = InferenceFixtures.CtPlan([8, 16, 16], [1.0, 1.0, 2.0]);
        using var coarseNet = InferenceFixtures.Network(coarsePlan, seed: 3);
        using var fineNet = InferenceFixtures.Network(finePlan, seed: 5);
        using (no_grad())
        {
            // The last output head's bias: background wins everywhere by a wide margin.
            var bias = coarseNet.named_parameters().Last(p => p.name.StartsWith("heads.", StringComparison.Ordinal) && p.name.EndsWith(".bias", StringComparison.Ordinal)).parameter;
            bias[0].add_(1e4);
        }

        using var image = InferenceFixtures.CtVolume(InferenceFixtures.Oblique(30, 28, 12, 1.0, 1.0, 2.0));
        var lines = new List<string>();
        var options = new PredictionOptions { Device = ComputeDevice.Cpu, Log = lines.Add };
        using var coarse = new Predictor(coarsePlan, coarseNet, options);
        using var fine = new Predictor(finePlan, fineNet, options);
        using var cascade = new CascadePredictor(coarse, fine);

        using var result = cascade.Predict([image], cancellation: Ct);
        using var whole = fine.Predict([image], cancellation: Ct);

        ImageAssert.Identical(whole.Labels, result.Labels);
        Assert.Contains(lines, l => l.Contains("found no foreground", StringComparison.Ordinal));
    }

    [Fact]
    public void StagesMustLabelTheSameClasses()
    {
        var coarsePlan = InferenceFixtures.CtPlan([8, 8, 8], [3.0, 3.0, 3.0], classes: 2);
        var finePlan = InferenceFixtures.CtPlan([8, 16, 16], [1.0, 1.0, 2.0]);
        using var coarseNet = InferenceFixtures.Network(coarsePlan);
        using var fineNet = InferenceFixtures.Network(finePlan);
        using var coarse = new Predictor(coarsePlan, coarseNet, new PredictionOptions { Device = ComputeDevice.Cpu });
        using var fine = new Predictor(finePlan, fineNet, new PredictionOptions { Device = ComputeDevice.Cpu });

        var error = Assert.Throws<MedVoxException>(() => new CascadePredictor(coarse, fine));

        Assert.Contains("(2 classes, 1 channels) does not match the fine model (3 classes, 1 channels)", error.Message, StringComparison.Ordinal);
    }
}
