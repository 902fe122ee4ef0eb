using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.IO;
using MedVox.IO.Datasets;
using MedVox.Learning.Data;
using MedVox.Synthetic;
using MedVox.Testing;

namespace MedVox.Learning.Tests.Data;

public class PreprocessorTests
{
    [Fact]
    public void CtCasesAreCroppedNormalisedAndResampledAsThePlanSays()
    {
        using var folder = TestData.CreateTempFolder();
        var dataset = DataFixtures.Abdomen(folder, cases: 2);
        var ct = TestContext.Current.CancellationToken;
        var fingerprint = DatasetFingerprint.Compute(dataset, cancellation: ct);
        var plan = PreprocessingPlan.FromFingerprint(fingerprint, [1.5, 1.5, 2.0]);
        string cacheDirectory = folder.File("cache");

        var report = new Preprocessor(plan).Run(dataset, cacheDirectory, cancellation: ct);

        report.ThrowIfFailed();
        Assert.Equal(2, report.Written);
        Assert.Equal(NormalizationScheme.CT, plan.Normalization[0].Scheme);
        Assert.Equal(fingerprint.ForegroundIntensities[0].Percentile99_5, plan.Normalization[0].ClipHigh);
        using var cache = PreprocessedCache.Open(cacheDirectory);
        Assert.Equal(2, cache.Cases.Count);
        for (int i = 0; i < 2; i++)
        {
            using var held = cache.Acquire(i);
            var info = held.Info;
            var datasetCase = dataset.TrainingCases[i];
            Assert.Equal(datasetCase.Id, info.Id);
            Assert.True(held.Channels[0].IsMapped);

            // Independent of the preprocessor: crop the original by the recorded box, normalise by the plan's numbers,
            // resample with separate z (4 mm over 1.2 mm is anisotropic).
            using var original = ImageFile.Read(datasetCase.ImagePaths[0]);
            using var originalLabel = ImageFile.Read(datasetCase.LabelPath!);
            Assert.Equal(fingerprint.Cases[i].NonzeroStart, info.CropStart);
            Assert.Equal(fingerprint.Cases[i].NonzeroSize, info.CropSize);
            Assert.Equal(2, info.SeparateAxis);
            var start = new Index3(info.CropStart[0], info.CropStart[1], info.CropStart[2]);
            var size = ImageSize.Of3D(info.CropSize[0], info.CropSize[1], info.CropSize[2]);
            using var crop = original.Crop(start, size);
            using var normalized = Image.Create(crop.Geometry, ElementType.Float32);
            var n = plan.Normalization[0];
            for (int z = 0; z < size.Z; z++)
            {
                for (int y = 0; y < size.Y; y++)
                {
                    for (int x = 0; x < size.X; x++)
                    {
                        double v = Math.Clamp(crop.GetValue(x, y, z), n.ClipLow, n.ClipHigh);
                        normalized.SetValue(x, y, z, (v - n.Mean) / n.StandardDeviation);
                    }
                }
            }

            var target = new Vector3D(1.5, 1.5, 2.0);
            using var expected = normalized.ResampleToSpacing(target, new ResampleOptions { SeparateAxis = 2 });
            using var labelCrop = originalLabel.Crop(start, size);
            using var expectedLabel = labelCrop.ResampleToSpacing(target, ResampleOptions.Labels);
            ImageAssert.SameGeometry(expected, held.Channels[0], 1e-9);
            Assert.Equal(Resampling.SizeForSpacing(size, original.Geometry.Spacing, target), held.Channels[0].Size);
            AssertClose(expected, held.Channels[0], 1e-5);
            AssertSameValues(expectedLabel, held.Label!);
        }
    }

    [Fact]
    public void ZScoreWithoutResamplingIsTheHandComputationAndCropsToTheNonzeroBox()
    {
        using var folder = TestData.CreateTempFolder();
        var dataset = DataFixtures.Empty(folder);
        var geometry = DataFixtures.Geometry(12, 10, 6, 0.8, 0.9, 2.0);
        var (image, label) = DataFixtures.BoxCase(geometry, new Index3(2, 3, 1), ImageSize.Of3D(7, 5, 4), seed: 2);
        using (image)
        using (label)
        {
            dataset.WriteTrainingCase("case_a", [image], label);
        }

        var plan = new PreprocessingPlan { TargetSpacing = [0.8, 0.9, 2.0], Normalization = [ChannelNormalization.ZScore], LabelValues = [0, 1, 2] };
        string cacheDirectory = folder.File("cache");

        new Preprocessor(plan).Run(dataset, cacheDirectory, cancellation: TestContext.Current.CancellationToken).ThrowIfFailed();

        using var cache = PreprocessedCache.Open(cacheDirectory);
        using var held = cache.Acquire(0);
        Assert.Equal([2, 3, 1], held.Info.CropStart);
        Assert.Equal([7, 5, 4], held.Info.CropSize);
        Assert.Null(held.Info.SeparateAxis);
        using var original = ImageFile.Read(dataset.ImagePath("case_a", 0));
        using var crop = original.Crop(new Index3(2, 3, 1), ImageSize.Of3D(7, 5, 4));
        var values = new List<double>();
        for (int z = 0; z < 4; z++)
        {
            for (int y = 0; y < 5; y++)
            {
                for (int x = 0; x < 7; x++)
                {
                    values.Add(crop.GetValue(x, y, z));
                }
            }
        }

        double mean = values.Average();
        double sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Count);
        ImageAssert.SameGeometry(crop, held.Channels[0], 1e-9);
        for (int z = 0; z < 4; z++)
        {
            for (int y = 0; y < 5; y++)
            {
                for (int x = 0; x < 7; x++)
                {
                    Assert.Equal((crop.GetValue(x, y, z) - mean) / sd, held.Channels[0].GetValue(x, y, z), 5);
                }
            }
        }

        // Back on the original grid the label is the original label (it is 0 outside the box).
        using var originalLabel = ImageFile.Read(dataset.LabelPath("case_a"));
        using var restored = Preprocessor.RestoreToOriginal(held.Label!, held.Info);
        ImageAssert.SameGeometry(originalLabel, restored, 1e-9);
        AssertSameValues(originalLabel, restored);
    }

    [Fact]
    public void ClassLocationsPointAtVoxelsOfTheirClassAndFollowNnUNetCounts()
    {
        using var folder = TestData.CreateTempFolder();
        var dataset = DataFixtures.Abdomen(folder, cases: 1);
        var ct = TestContext.Current.CancellationToken;
        var plan = PreprocessingPlan.FromFingerprint(DatasetFingerprint.Compute(dataset, cancellation: ct)) with { ClassLocationSamples = 50 };
        string cacheDirectory = folder.File("cache");

        new Preprocessor(plan).Run(dataset, cacheDirectory, cancellation: ct).ThrowIfFailed();

        using var cache = PreprocessedCache.Open(cacheDirectory);
        using var held = cache.Acquire(0);
        var label = held.Label!;
        var counts = new long[256];
        for (int z = 0; z < label.Size.Z; z++)
        {
            for (int y = 0; y < label.Size.Y; y++)
            {
                foreach (byte v in label.GetRow<byte>(y, z))
                {
                    counts[v]++;
                }
            }
        }

        Assert.Equal(plan.LabelValues.Count(v => v > 0), held.Info.ClassLocations.Count);
        int present = 0;
        foreach (var entry in held.Info.ClassLocations)
        {
            Assert.Equal(counts[entry.Value], entry.Voxels);
            long expected = Math.Max(Math.Min(entry.Voxels, 50), (long)Math.Ceiling(entry.Voxels * 0.01));
            Assert.Equal(expected, entry.Count);
            var triples = held.LocationsOf(entry.Value);
            var distinct = new HashSet<(int, int, int)>();
            for (int i = 0; i < triples.Length; i += 3)
            {
                Assert.Equal(entry.Value, label.GetValue(triples[i], triples[i + 1], triples[i + 2]));
                distinct.Add((triples[i], triples[i + 1], triples[i + 2]));
            }

            Assert.Equal(entry.Count, distinct.Count);
            present += entry.Count > 0 ? 1 : 0;
        }

        Assert.True(present >= 5, $"only {present} classes present");
    }

    [Fact]
    public void RunsAreIdempotentAndAChangedPlanRedoesTheCases()
    {
        using var folder = TestData.CreateTempFolder();
        var dataset = DataFixtures.Abdomen(folder, cases: 2);
        var ct = TestContext.Current.CancellationToken;
        var plan = PreprocessingPlan.FromFingerprint(DatasetFingerprint.Compute(dataset, cancellation: ct));
        string cacheDirectory = folder.File("cache");
        var progress = new List<double>();

        var first = new Preprocessor(plan).Run(dataset, cacheDirectory, new SynchronousProgress(progress), ct);
        var times = Directory.GetFiles(cacheDirectory).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        var second = new Preprocessor(plan).Run(dataset, cacheDirectory, cancellation: ct);
        var unchanged = Directory.GetFiles(cacheDirectory).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        var third = new Preprocessor(plan with { TargetSpacing = [2, 2, 4] }).Run(dataset, cacheDirectory, cancellation: ct);

        Assert.Equal((2, 0), (first.Written, first.Skipped));
        Assert.Equal((0, 2), (second.Written, second.Skipped));
        Assert.Equal((2, 0), (third.Written, third.Skipped));
        Assert.Equal(0, second.BytesWritten);
        Assert.True(first.BytesWritten > 0);
        Assert.Equal(2, progress.Count);
        Assert.Equal(1.0, progress.Max());
        Assert.Equal(times, unchanged);

        using var cache = PreprocessedCache.Open(cacheDirectory);
        Assert.Equal(2, cache.Cases.Count);
        Assert.Equal(2.0, cache.Cases[0].Geometry.Spacing[0], 1);
        Assert.Empty(Directory.GetFiles(cacheDirectory, "*.tmp"));
    }

    [Fact]
    public void BadCasesFailAloneWithTheirFileNamedAndLeaveNothingBehind()
    {
        using var folder = TestData.CreateTempFolder();
        var dataset = DataFixtures.Empty(folder);
        var geometry = DataFixtures.Geometry(8, 8, 4);
        var box = (Start: new Index3(1, 1, 1), Size: ImageSize.Of3D(5, 5, 2));
        Write(dataset, "good", geometry, geometry, box, change: null);
        Write(dataset, "mismatch", geometry, geometry.WithSpacing(new Vector3D(1, 1, 1.5)), box, change: null);
        Write(dataset, "nan", geometry, geometry, box, change: (image, _) => image.SetValue(3, 3, 2, double.NaN));
        Write(dataset, "undeclared", geometry, geometry, box, change: (_, label) => label.SetValue(2, 2, 1, 5));
        var plan = new PreprocessingPlan { TargetSpacing = [1, 1, 1], Normalization = [ChannelNormalization.ZScore], LabelValues = [0, 1, 2] };
        string cacheDirectory = folder.File("cache");

        var report = new Preprocessor(plan).Run(dataset, cacheDirectory, cancellation: TestContext.Current.CancellationToken);

        Assert.Equal((1, 3), (report.Written, report.Failed));
        var errors = report.Cases.Where(c => c.Outcome == CaseOutcome.Failed).ToDictionary(c => c.Id, c => c.Error!);
        Assert.Contains("label geometry", errors["mismatch"].Message, StringComparison.Ordinal);
        Assert.Equal(dataset.LabelPath("mismatch"), errors["mismatch"].FilePath);
        Assert.Contains("NaN at voxel (3, 3, 2)", errors["nan"].Message, StringComparison.Ordinal);
        Assert.Equal(dataset.ImagePath("nan", 0), errors["nan"].FilePath);
        Assert.Contains("label value 5", errors["undeclared"].Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', errors["undeclared"].Message);
        var files = Directory.GetFiles(cacheDirectory).Select(Path.GetFileName).ToList();
        Assert.All(files, f => Assert.True(f!.StartsWith("good.", StringComparison.Ordinal) || f == PreprocessingPlan.FileName, f));
        var thrown = Assert.Throws<MedVoxException>(report.ThrowIfFailed);
        Assert.Contains("(and 2 more case(s) failed)", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CasesWithinTheMemoryBudgetAreHeldInRamAndTheOthersMapped()
    {
        using var folder = TestData.CreateTempFolder();
        var dataset = DataFixtures.Abdomen(folder, cases: 3);
        var ct = TestContext.Current.CancellationToken;
        var plan = PreprocessingPlan.FromFingerprint(DatasetFingerprint.Compute(dataset, cancellation: ct));
        string cacheDirectory = folder.File("cache");
        new Preprocessor(plan).Run(dataset, cacheDirectory, cancellation: ct).ThrowIfFailed();
        using var probe = PreprocessedCache.Open(cacheDirectory);
        long first = probe.Cases[0].ImageBytes + probe.Cases[0].LabelBytes;
        long second = probe.Cases[1].ImageBytes + probe.Cases[1].LabelBytes;

        using var cache = PreprocessedCache.Open(cacheDirectory, new PreprocessedCacheOptions { MemoryBudgetBytes = first + second - 1, MaxOpenMappedCases = 1 });
        var handles = Enumerable.Range(0, 3).Select(cache.Acquire).ToList();

        Assert.True(handles[0].IsResident);
        Assert.False(handles[0].Channels[0].IsMapped);
        Assert.False(handles[1].IsResident);
        Assert.True(handles[1].Channels[0].IsMapped);
        Assert.True(handles[2].Channels[0].IsMapped);
        Assert.Equal(first, cache.ResidentBytes);

        // Case 1 was evicted from the open mappings when case 2 was opened, but its holder still reads it.
        using var reference = PreprocessedCache.Open(cacheDirectory);
        using (var again = reference.Acquire(1))
        {
            AssertSameValues(again.Channels[0], handles[1].Channels[0]);
        }

        foreach (var handle in handles)
        {
            handle.Dispose();
        }
    }

    [Fact]
    public void TwoDimensionalImagesArePreprocessedAndSampledAsSlices()
    {
        using var folder = TestData.CreateTempFolder();
        var ct = TestContext.Current.CancellationToken;
        string directory = folder.File("xray");
        PhantomDatasets.Generate(PhantomKind.XRay, directory, new PhantomOptions { Cases = 2, Size = 48, FileEnding = ".nii" }, cancellation: ct);
        var dataset = DecathlonDataset.Read(directory);
        var fingerprint = DatasetFingerprint.Compute(dataset, cancellation: ct);
        var spacing = fingerprint.MedianSpacing;
        var plan = PreprocessingPlan.FromFingerprint(fingerprint, [spacing[0] * 1.5, spacing[1] * 1.5, spacing[2]]);
        string cacheDirectory = folder.File("cache");

        new Preprocessor(plan).Run(dataset, cacheDirectory, cancellation: ct).ThrowIfFailed();
        using var cache = PreprocessedCache.Open(cacheDirectory);
        using (var held = cache.Acquire(0))
        {
            Assert.Equal(2, held.Info.Geometry.Rank);
            Assert.Equal(1, held.Info.Geometry.Size[2]);
            Assert.Equal(Resampling.SizeForSpacing(ImageSize.Of2D(held.Info.CropSize[0], held.Info.CropSize[1]), new Vector3D(spacing[0], spacing[1], spacing[2]), new Vector3D(spacing[0] * 1.5, spacing[1] * 1.5, 1)).X, held.Info.Geometry.Size[0]);
        }

        var sampler = new PatchSampler(cache, new PatchSamplerOptions { PatchSize = [24, 24], BatchSize = 3, Seed = 1 });
        using var batch = sampler.Next();
        Assert.Equal(new long[] { 3, 1, 24, 24 }, batch.Images.shape);
        Assert.All(batch.Patches, p => Assert.Equal(0, p.Z));
    }

    private static void Write(DecathlonDataset dataset, string id, ImageGeometry imageGeometry, ImageGeometry labelGeometry, (Index3 Start, ImageSize Size) box, Action<Image, Image>? change)
    {
        var (image, label) = DataFixtures.BoxCase(imageGeometry, box.Start, box.Size, seed: id.Length);
        using (image)
        using (label)
        {
            label.SetGeometry(labelGeometry);
            change?.Invoke(image, label);
            dataset.WriteTrainingCase(id, [image], label);
        }
    }

    private static void AssertClose(Image expected, Image actual, double tolerance)
    {
        Assert.Equal(expected.Size, actual.Size);
        for (int z = 0; z < expected.Size.Z; z++)
        {
            for (int y = 0; y < expected.Size.Y; y++)
            {
                for (int x = 0; x < expected.Size.X; x++)
                {
                    double e = expected.GetValue(x, y, z), a = actual.GetValue(x, y, z);
                    Assert.True(Math.Abs(e - a) <= tolerance * Math.Max(1, Math.Abs(e)), $"({x}, {y}, {z}): expected {e}, got {a}");
                }
            }
        }
    }

    private static void AssertSameValues(Image expected, Image actual)
    {
        Assert.Equal(expected.Size, actual.Size);
        for (int z = 0; z < expected.Size.Z; z++)
        {
            for (int y = 0; y < expected.Size.Y; y++)
            {
                for (int x = 0; x < expected.Size.X; x++)
                {
                    Assert.Equal(expected.GetValue(x, y, z), actual.GetValue(x, y, z));
                }
            }
        }
    }

    /// <summary>Records reports as they are made (Progress&lt;T&gt; posts them later).</summary>
    private sealed class SynchronousProgress(List<double> values) : IProgress<double>
    {
        public void Report(double value)
        {
            lock (values)
            {
                values.Add(value);
            }
        }
    }
}
