using MedVox.Imaging;
using MedVox.Learning.Data;
using MedVox.Learning.Inference;
using MedVox.Learning.Runtime;
using MedVox.Testing;

namespace MedVox.Learning.Tests.Inference;

public class PredictorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Settings => ["anisotropic-separate-z", "isotropic-linear", "mapped-float32-batch3", "thin-volume-padded", "standard-layout-batch2", "tta"];

    /// <summary>
    /// The streaming predictor (ring buffers, float16 accumulation, slab-wise back-resampling) against the whole-volume
    /// reference on oblique, anisotropic inputs: same labels (up to float16 ties), same probabilities, and exactly the
    /// input's geometry.
    /// </summary>
    [Theory]
    [MemberData(nameof(Settings))]
    public void AgreesWithTheWholeVolumeReferenceAndKeepsTheInputGeometry(string setting)
    {
        var (plan, geometry, options) = setting switch
        {
            // 2.5 mm to 1.7 mm: z is resampled on its own with nearest neighbour. (The reference resamples through physical
            // space, which resolves exact nearest-neighbour ties differently from the grid expression nnU-Net and the
            // predictor use; 13 cropped slices to 19 has no ties.)
            "anisotropic-separate-z" => (InferenceFixtures.CtPlan([8, 16, 16], [1.0, 1.0, 1.7]), InferenceFixtures.Oblique(40, 36, 14, 0.7, 0.8, 2.5), new PredictionOptions()),
            "isotropic-linear" => (InferenceFixtures.CtPlan([8, 16, 16], [1.2, 1.1, 1.3]), InferenceFixtures.Oblique(33, 30, 19, 0.9, 0.95, 1.0), new PredictionOptions { Overlap = 0.25 }),
            "mapped-float32-batch3" => (InferenceFixtures.CtPlan([8, 16, 16], [1.0, 1.0, 1.7]), InferenceFixtures.Oblique(40, 36, 14, 0.7, 0.8, 2.5), new PredictionOptions { Placement = AccumulatorPlacement.Mapped, Precision = AccumulatorPrecision.Float32, BatchSize = 3 }),
            "thin-volume-padded" => (InferenceFixtures.CtPlan([8, 16, 16], [1.0, 1.0, 1.0], crop: CropMode.None), InferenceFixtures.Oblique(21, 13, 5, 1.0, 1.0, 1.0), new PredictionOptions()),
            "standard-layout-batch2" => (InferenceFixtures.CtPlan([8, 16, 16], [1.2, 1.1, 1.3]), InferenceFixtures.Oblique(33, 30, 19, 0.9, 0.95, 1.0), new PredictionOptions { Layout = NetworkLayout.Standard, BatchSize = 2 }),
            _ => (InferenceFixtures.CtPlan([8, 16, 16], [1.0, 1.0, 1.5]), InferenceFixtures.Oblique(30, 26, 10, 0.7, 0.8, 2.5), new PredictionOptions { Mirroring = true }),
        };
        using var net = InferenceFixtures.Network(plan);
        using var image = InferenceFixtures.CtVolume(geometry);
        using var expectedLogits = ReferencePrediction.Logits(plan, net, image, options.Overlap, mirroring: options.Mirroring);
        using var expected = ReferencePrediction.Argmax(expectedLogits);

        using var predictor = new Predictor(plan, net, options with { Device = ComputeDevice.Cpu, Probabilities = true });
        using var result = predictor.Predict([image], cancellation: Ct);

        ImageAssert.SameGeometry(image, result.Labels, 1e-12);
        ImageAssert.SameGeometry(image, result.Probabilities!, 1e-12);
        Assert.Equal(plan.Network.Classes, result.Probabilities!.Channels);
        var (agreement, maxDifference, classesSeen) = Compare(expected, expectedLogits, result);
        Assert.True(agreement >= 0.999, $"{setting}: labels agree on {agreement:P3} of voxels");
        Assert.True(maxDifference < 0.01, $"{setting}: probabilities differ by up to {maxDifference:G3}");
        Assert.True(setting != "anisotropic-separate-z" || result.Memory.VolumeSize[0] == 19, $"{setting}: {string.Join("x", result.Memory.VolumeSize)}");
        Assert.True(classesSeen >= 2, $"{setting}: the random network predicts only {classesSeen} class(es); the comparison would be weak");
    }

    /// <summary>
    /// On the network's own grid without probabilities, slices are reduced to labels where the logits live (one byte
    /// per voxel leaves the device) and written into the crop box: same labels as the whole-volume reference, background
    /// outside the body. With bfloat16 weights and activations the labels still agree on nearly every voxel (random
    /// weights leave near-ties that bf16's 8-bit mantissa resolves differently).
    /// </summary>
    [Fact]
    public void LabelsReducedOnTheDeviceAndBFloat16AgreeWithTheReference()
    {
        var plan = InferenceFixtures.CtPlan([8, 16, 16], [1.0, 1.0, 1.0]);
        using var net = InferenceFixtures.Network(plan);
        using var image = InferenceFixtures.CtVolume(InferenceFixtures.Oblique(38, 34, 27, 1.0, 1.0, 1.0));
        using var expectedLogits = ReferencePrediction.Logits(plan, net, image, 0.5, mirroring: false);
        using var expected = ReferencePrediction.Argmax(expectedLogits);

        using (var predictor = new Predictor(plan, net, new PredictionOptions { Device = ComputeDevice.Cpu, Placement = AccumulatorPlacement.Device }))
        using (var result = predictor.Predict([image], cancellation: Ct))
        {
            ImageAssert.SameGeometry(image, result.Labels, 1e-12);
            Assert.True(result.Memory.VolumeSize[0] < 27 || result.Memory.VolumeSize[1] < 34, "the body crop should leave a margin, so that the crop offset is exercised");
            double agreement = ImageAssert.LabelAgreement(expected, result.Labels);
            Assert.True(agreement >= 0.999, $"labels agree on {agreement:P3} of voxels");
        }

        // The same weights as the float32 run's (a second seeded draw could interleave with a test running beside it).
        using var bf16Net = InferenceFixtures.Network(plan);
        bf16Net.load_state_dict(net.state_dict());
        using var bf16 = new Predictor(plan, bf16Net, new PredictionOptions { Device = ComputeDevice.Cpu, Compute = MedVox.Learning.Training.PrecisionMode.BFloat16 });
        using var bf16Result = bf16.Predict([image], cancellation: Ct);
        double bf16Agreement = ImageAssert.LabelAgreement(expected, bf16Result.Labels);
        Assert.True(bf16Agreement >= 0.97, $"bf16 labels agree on {bf16Agreement:P3} of voxels");
        using var float32 = new Predictor(plan, InferenceFixtures.Network(plan), new PredictionOptions { Device = ComputeDevice.Cpu }, ownsNetwork: true);
        Assert.True(bf16Result.Memory.NetworkBytes < float32.EstimateMemory(image.Geometry, 0).NetworkBytes, "bf16 plans less network memory");
    }

    /// <summary>
    /// float16 logits on the device are checked for overflow only when slices are finalised; logits beyond float16's
    /// range then make the case run again with a float32 accumulator, giving the labels a float32 run gives.
    /// </summary>
    [Fact]
    public void LogitsBeyondFloat16OnTheDeviceRunAgainInFloat32()
    {
        var plan = InferenceFixtures.CtPlan([8, 16, 16], [1.0, 1.0, 1.0]);
        using var net = InferenceFixtures.Network(plan);
        using (TorchSharp.torch.no_grad())
        {
            foreach (var (name, parameter) in net.named_parameters())
            {
                if (name.StartsWith("heads", StringComparison.Ordinal))
                {
                    parameter.mul_(1e6);
                }
            }
        }

        using var image = InferenceFixtures.CtVolume(InferenceFixtures.Oblique(30, 28, 20, 1.0, 1.0, 1.0));
        var log = new List<string>();
        using var predictor = new Predictor(plan, net, new PredictionOptions { Device = ComputeDevice.Cpu, Placement = AccumulatorPlacement.Device, Log = log.Add });
        using var result = predictor.Predict([image], cancellation: Ct);
        using var reference = new Predictor(plan, net, new PredictionOptions { Device = ComputeDevice.Cpu, Precision = AccumulatorPrecision.Float32 });
        using var expected = reference.Predict([image], cancellation: Ct);

        Assert.Contains(log, line => line.Contains("float32 accumulator", StringComparison.Ordinal));
        Assert.Equal(AccumulatorPrecision.Float32, result.Memory.Precision);
        ImageAssert.SamePixels(expected.Labels, result.Labels);
    }

    [Fact]
    public void OnlyARingOfSlicesIsHeldForALongVolume()
    {
        var plan = InferenceFixtures.CtPlan([8, 16, 16], [1.0, 1.0, 1.0], crop: CropMode.None);
        using var net = InferenceFixtures.Network(plan);
        using var image = InferenceFixtures.CtVolume(InferenceFixtures.Oblique(20, 18, 90, 1, 1, 1));
        using var predictor = new Predictor(plan, net, new PredictionOptions { Device = ComputeDevice.Cpu });

        using var result = predictor.Predict([image], cancellation: Ct);

        // Windows of 8 slices at a step of 4, one at a time: the 8 slices of the current row are live, not 90.
        Assert.Equal(90, result.Memory.VolumeSize[0]);
        Assert.Equal(8, result.Memory.RingSlices);
        Assert.Equal(plan.Network.Classes * 8L * 18 * 20 * sizeof(short), result.Memory.AccumulatorBytes);
    }

    [Fact]
    public void PlacementsAndPrecisionsGiveTheSameLabels()
    {
        var plan = InferenceFixtures.CtPlan([8, 16, 16], [1.0, 1.0, 1.5]);
        using var net = InferenceFixtures.Network(plan);
        using var image = InferenceFixtures.CtVolume(InferenceFixtures.Oblique(36, 30, 16, 0.7, 0.8, 2.5));
        Image Run(AccumulatorPlacement placement, AccumulatorPrecision precision)
        {
            using var predictor = new Predictor(plan, net, new PredictionOptions { Device = ComputeDevice.Cpu, Placement = placement, Precision = precision });
            using var result = predictor.Predict([image], cancellation: Ct);
            Assert.Equal(placement, result.Placement);
            return result.Labels.Clone();
        }

        using var host = Run(AccumulatorPlacement.Host, AccumulatorPrecision.Float16);
        using var device = Run(AccumulatorPlacement.Device, AccumulatorPrecision.Float16);
        using var mapped = Run(AccumulatorPlacement.Mapped, AccumulatorPrecision.Float16);
        using var single = Run(AccumulatorPlacement.Host, AccumulatorPrecision.Float32);

        ImageAssert.SamePixels(host, device);
        ImageAssert.SamePixels(host, mapped);
        Assert.True(ImageAssert.LabelAgreement(host, single) >= 0.999);
    }

    [Fact]
    public void OutOfMemoryOnTheDeviceMovesTheLogitsOnInsteadOfFailing()
    {
        var plan = InferenceFixtures.CtPlan([8, 16, 16], [1.0, 1.0, 1.5]);
        using var net = InferenceFixtures.Network(plan);
        using var image = InferenceFixtures.CtVolume(InferenceFixtures.Oblique(36, 30, 16, 0.7, 0.8, 2.5));
        using var reference = new Predictor(plan, net, new PredictionOptions { Device = ComputeDevice.Cpu, Placement = AccumulatorPlacement.Host });
        using var expected = reference.Predict([image], cancellation: Ct);

        // At allocation: the device refuses the ring, host RAM takes it.
        var log = new List<string>();
        using (var predictor = new Predictor(plan, net, new PredictionOptions { Device = ComputeDevice.Cpu, Placement = AccumulatorPlacement.Device, Log = log.Add, SimulateOutOfMemory = p => p == AccumulatorPlacement.Device }))
        using (var result = predictor.Predict([image], cancellation: Ct))
        {
            Assert.Equal(AccumulatorPlacement.Host, result.Placement);
            Assert.Contains(log, l => l.StartsWith("accumulator: out of memory in device memory", StringComparison.Ordinal) && l.EndsWith("using host RAM", StringComparison.Ordinal));
            ImageAssert.SamePixels(expected.Labels, result.Labels);
        }

        // Half-way through: the ring, partly accumulated, moves to host RAM and then to a mapped file, and nothing is lost.
        int deviceCalls = 0, hostCalls = 0;
        log.Clear();
        bool Fault(AccumulatorPlacement p) => p switch
        {
            AccumulatorPlacement.Device => ++deviceCalls > 5,
            AccumulatorPlacement.Host => ++hostCalls > 5,
            _ => false,
        };
        using (var predictor = new Predictor(plan, net, new PredictionOptions { Device = ComputeDevice.Cpu, Placement = AccumulatorPlacement.Device, Log = log.Add, SimulateOutOfMemory = Fault }))
        using (var result = predictor.Predict([image], cancellation: Ct))
        {
            Assert.True(result.Memory.Windows > 12, $"{result.Memory.Windows} windows");
            Assert.Equal(AccumulatorPlacement.Mapped, result.Placement);
            Assert.Equal(2, log.Count(l => l.StartsWith("accumulator: out of memory", StringComparison.Ordinal)));
            ImageAssert.SamePixels(expected.Labels, result.Labels);
        }
    }

    [Fact]
    public void TestTimeMirroringMakesThePredictionMirrorEquivariant()
    {
        // Windows placed symmetrically (size = patch + whole steps) and constant blending: with mirroring, predicting the
        // mirrored volume gives the mirrored prediction; without, it does not (so the test can tell).
        var plan = InferenceFixtures.CtPlan([8, 16, 16], [1.0, 1.0, 1.0], crop: CropMode.None);
        using var net = InferenceFixtures.Network(plan);
        var geometry = InferenceFixtures.Oblique(32, 24, 16, 1, 1, 1);
        using var image = InferenceFixtures.CtVolume(geometry);
        using var flipped = Flip(image);

        double Equivariance(bool mirroring)
        {
            var options = new PredictionOptions { Device = ComputeDevice.Cpu, Mirroring = mirroring, Weighting = WindowWeighting.Constant, Precision = AccumulatorPrecision.Float32 };
            using var predictor = new Predictor(plan, net, options);
            using var a = predictor.Predict([image], cancellation: Ct);
            using var b = predictor.Predict([flipped], cancellation: Ct);
            using var back = Flip(b.Labels);
            return ImageAssert.LabelAgreement(a.Labels, back);
        }

        double with = Equivariance(true);
        double without = Equivariance(false);

        Assert.True(with >= 0.9995, $"with mirroring, {with:P3} agree");
        Assert.True(without < 0.99, $"without mirroring, {without:P3} agree: the network is too symmetric for this test");
    }

    [Fact]
    public void ABudgetTooSmallForOneWindowIsRefusedBeforeAnyWork()
    {
        var plan = InferenceFixtures.CtPlan([8, 16, 16], [1.0, 1.0, 1.0]);
        using var net = InferenceFixtures.Network(plan);
        using var image = InferenceFixtures.CtVolume(InferenceFixtures.Oblique(20, 18, 12, 1, 1, 1));
        using var predictor = new Predictor(plan, net, new PredictionOptions { Device = ComputeDevice.Cpu, MemoryBudgetBytes = 64 << 10 });

        var error = Assert.Throws<MedVoxException>(() => predictor.Predict([image], cancellation: Ct));

        Assert.StartsWith("the memory budget 64 KiB is too small for one window of 8x16x16", error.Message, StringComparison.Ordinal);
        Assert.Contains("raise --memory to at least", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InputsThatDoNotFitTheModelAreRefusedWithOneLine()
    {
        var plan = InferenceFixtures.CtPlan([8, 16, 16], [1.0, 1.0, 1.0]);
        using var net = InferenceFixtures.Network(plan);
        using var predictor = new Predictor(plan, net, new PredictionOptions { Device = ComputeDevice.Cpu });
        var geometry = InferenceFixtures.Oblique(20, 18, 12, 1, 1, 1);
        using var image = InferenceFixtures.CtVolume(geometry);
        using var second = InferenceFixtures.CtVolume(geometry, seed: 2);

        var channels = Assert.Throws<MedVoxException>(() => predictor.Predict([image, second], ["a.nii", "b.nii"], cancellation: Ct));
        Assert.Equal("a.nii: the model expects 1 channel(s) (CT), the input has 2; give a single-channel image", channels.Message);

        using var flat = Image.Create(new Geometry.ImageGeometry(ImageSize.Of2D(20, 18)), ElementType.Int16);
        var dimensions = Assert.Throws<MedVoxException>(() => predictor.Predict([flat], ["xray.nrrd"], cancellation: Ct));
        Assert.Equal("xray.nrrd: the model is 3D (patch 8x16x16) but the input is a 2D image; use a 2D model for 2D images", dimensions.Message);

        image.Metadata["Modality"] = "MR";
        var modality = Assert.Throws<MedVoxException>(() => predictor.Predict([image], ["series"], cancellation: Ct));
        Assert.Equal("series: the model's channel \"CT\" was trained on CT, the input is MR (field Modality); predict with a model for this modality", modality.Message);
    }

    [Fact]
    public void IntensitiesThatAreNotHounsfieldUnitsGiveAWarning()
    {
        var plan = InferenceFixtures.CtPlan([8, 16, 16], [1.0, 1.0, 1.0], crop: CropMode.None);
        using var net = InferenceFixtures.Network(plan);
        using var predictor = new Predictor(plan, net, new PredictionOptions { Device = ComputeDevice.Cpu });
        using var image = InferenceFixtures.CtVolume(InferenceFixtures.Oblique(20, 18, 8, 1, 1, 1));
        using var mr = image.ConvertTo(ElementType.Float32, 0.1, 120);

        using var result = predictor.Predict([mr], cancellation: Ct);

        var warning = Assert.Single(result.Warnings);
        Assert.Contains("may not be CT in Hounsfield units", warning, StringComparison.Ordinal);
    }

    private static (double Agreement, double MaxDifference, int ClassesSeen) Compare(Image expected, Image expectedLogits, PredictionResult result)
    {
        double agreement = ImageAssert.LabelAgreement(expected, result.Labels);
        int classes = expectedLogits.Channels;
        double maxDifference = 0;
        var seen = new HashSet<int>();
        var p = new double[classes];
        for (int z = 0; z < expected.Size.Z; z++)
        {
            for (int y = 0; y < expected.Size.Y; y++)
            {
                ReadOnlySpan<float> logits = expectedLogits.GetRow<float>(y, z);
                ReadOnlySpan<float> probabilities = result.Probabilities!.GetRow<float>(y, z);
                foreach (byte v in result.Labels.GetRow<byte>(y, z))
                {
                    seen.Add(v);
                }

                for (int x = 0; x < expected.Size.X; x++)
                {
                    bool outside = true;
                    double max = double.NegativeInfinity, sum = 0;
                    for (int c = 0; c < classes; c++)
                    {
                        outside &= logits[(x * classes) + c] == 0;
                        max = Math.Max(max, logits[(x * classes) + c]);
                    }

                    if (outside)
                    {
                        continue;
                    }

                    for (int c = 0; c < classes; c++)
                    {
                        p[c] = Math.Exp(logits[(x * classes) + c] - max);
                        sum += p[c];
                    }

                    for (int c = 0; c < classes; c++)
                    {
                        maxDifference = Math.Max(maxDifference, Math.Abs((p[c] / sum) - probabilities[(x * classes) + c]));
                    }
                }
            }
        }

        return (agreement, maxDifference, seen.Count);
    }

    /// <summary>The image mirrored along x, y and z in index space (geometry kept).</summary>
    private static Image Flip(Image image)
    {
        var size = image.Size;
        var result = Image.Create(image.Geometry, image.ElementType, image.Channels);
        for (int z = 0; z < size.Z; z++)
        {
            for (int y = 0; y < size.Y; y++)
            {
                for (int x = 0; x < size.X; x++)
                {
                    result.SetValue(size.X - 1 - x, size.Y - 1 - y, size.Z - 1 - z, image.GetValue(x, y, z));
                }
            }
        }

        return result;
    }
}
