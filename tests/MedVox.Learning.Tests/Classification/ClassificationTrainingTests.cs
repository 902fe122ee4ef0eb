using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.IO;
using MedVox.IO.Datasets;
using MedVox.Learning.Classification;
using MedVox.Learning.Networks;
using MedVox.Learning.Runtime;
using MedVox.Testing;

namespace MedVox.Learning.Tests.Classification;

public class ClassificationTrainingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Writes 2D int16 images (a bright square for class 1, none for class 0) and labels.csv.</summary>
    private static ClassificationDataset WriteDataset(string folder, IReadOnlyList<int> labels, int size = 24)
    {
        var entries = new List<ClassificationEntry>();
        for (int i = 0; i < labels.Count; i++)
        {
            using var image = Image.Create(new ImageGeometry(ImageSize.Of2D(size, size)), ElementType.Int16);
            var pixels = image.AsSpan<short>();
            pixels.Fill(-1000);
            for (int y = 4; y < size - 4; y++)
            {
                for (int x = 4; x < size - 4; x++)
                {
                    pixels[(y * size) + x] = 30;
                }
            }

            if (labels[i] == 1)
            {
                int at = 6 + (i % 8);
                for (int y = at; y < at + 3; y++)
                {
                    for (int x = at; x < at + 3; x++)
                    {
                        pixels[(y * size) + x] = 75;
                    }
                }
            }

            string name = $"images/s{i:D3}.nii.gz";
            Directory.CreateDirectory(Path.Combine(folder, "images"));
            ImageFile.Write(image, Path.Combine(folder, name));
            entries.Add(new ClassificationEntry(name, labels[i]));
        }

        return ClassificationDataset.Write(folder, entries);
    }

    private static ClassificationTrainingOptions Tiny(int iterations = 2) => new()
    {
        Architecture = ClassifierArchitecture.DenseNetSmall,
        Input = new ClassifierInput { Height = 24, Width = 24 },
        Sampling = new ClassificationSampling { BatchSize = 4 },
        Training = ClassificationTrainingOptions.DefaultTraining with { Iterations = iterations },
        ValidationFraction = 0.25,
    };

    [Fact]
    public void StratifiedSplitKeepsClassProportionsAndDependsOnlyOnTheSeed()
    {
        var entries = Enumerable.Range(0, 40).Select(i => new ClassificationEntry($"{i}.nii", i < 30 ? 0 : 1)).ToArray();

        var split = ClassificationSplit.Stratified(entries, 0.2, seed: 7);

        Assert.Equal(6, split.Validation.Count(i => entries[i].Label == 0));
        Assert.Equal(2, split.Validation.Count(i => entries[i].Label == 1));
        Assert.Empty(split.Training.Intersect(split.Validation));
        Assert.Equal(Enumerable.Range(0, 40), split.Training.Concat(split.Validation).Order());
        Assert.Equal(split.Validation, ClassificationSplit.Stratified(entries, 0.2, seed: 7).Validation);
        Assert.NotEqual(split.Validation, ClassificationSplit.Stratified(entries, 0.2, seed: 8).Validation);
    }

    [Fact]
    public void BalancedBatchesOversampleTheRareClassAndResumeWhereTheyStopped()
    {
        using var folder = TestData.CreateTempFolder();
        var labels = Enumerable.Range(0, 40).Select(i => i < 36 ? 0 : 1).ToArray();
        var samples = new ClassificationSamples(WriteDataset(folder.Path, labels), new ClassifierInput { Height = 24, Width = 24 }, classes: 2);
        var sampling = new ClassificationSampling { BatchSize = 8, Seed = 5 };
        var source = new ClassificationBatchSource(samples, [.. Enumerable.Range(0, 40)], sampling);

        // 1 in 10 images is positive; balanced sampling draws each class with probability 1/2.
        long positives = 0;
        for (int k = 0; k < 50; k++)
        {
            positives += source.Draw(k).Labels.Sum();
        }

        Assert.InRange(positives, 150, 250);

        long before = TensorAccounting.LiveTensors;
        using (var first = source.Next(Ct))
        {
            Assert.Equal(new long[] { 8, 1, 24, 24 }, first.Images.shape);
            Assert.Equal(source.Draw(0).Labels, first.Labels.data<long>().ToArray());
        }

        Assert.Equal(before, TensorAccounting.LiveTensors);
        var state = source.SaveState();
        var resumed = new ClassificationBatchSource(samples, [.. Enumerable.Range(0, 40)], sampling);
        resumed.RestoreState(state);
        using (var a = source.Next(Ct))
        using (var b = resumed.Next(Ct))
        {
            Assert.True(a.Images.allclose(b.Images, 0, 0));
            Assert.Equal(a.Labels.data<long>().ToArray(), b.Labels.data<long>().ToArray());
        }

        var other = new ClassificationBatchSource(samples, [.. Enumerable.Range(0, 40)], sampling with { Seed = 6 });
        Assert.Contains("another seed", Assert.Throws<MedVoxException>(() => other.RestoreState(state)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TrainedModelFolderReloadsAndPredictsTheSameProbabilities()
    {
        using var folder = TestData.CreateTempFolder();
        var dataset = WriteDataset(folder.File("data"), [.. Enumerable.Range(0, 16).Select(i => i % 2)]);

        var result = ClassificationTrainer.Train(dataset, folder.File("model"), Tiny(), cancellation: Ct);

        Assert.True(File.Exists(folder.File("model/classifier.json")));
        Assert.True(File.Exists(folder.File("model/weights.safetensors")));
        Assert.True(File.Exists(folder.File("model/validation.json")));
        Assert.False(Directory.Exists(folder.File("model/checkpoint")));
        Assert.Contains("\"architecture\": \"densenet-small\"", File.ReadAllText(folder.File("model/classifier.json")), StringComparison.Ordinal);
        Assert.Equal(4, result.Split.Validation.Count);
        Assert.Equal(12, result.Info.Training!.TrainingImages);

        // The probabilities written for the held-out images are those of the reloaded model.
        using var model = ClassifierModel.Load(folder.File("model"));
        var paths = result.Validation!.Entries.Select(e => dataset.FullPath(dataset.Entries[e])).ToArray();
        var reloaded = model.PredictFiles(paths, cancellation: Ct);
        for (int i = 0; i < paths.Length; i++)
        {
            Assert.Equal(result.Validation.Probabilities[i][1], reloaded[i][1], 5);
            Assert.Equal(1, reloaded[i][0] + reloaded[i][1], 5);
        }

        var lines = File.ReadAllLines(folder.File("model/" + ClassificationTrainer.PredictionsFile));
        Assert.Equal("image,label,predicted,p_0,p_1", lines[0]);
        Assert.Equal(5, lines.Length);
    }

    [Fact]
    public void EmptyDatasetIsRejectedInOneLine()
    {
        using var folder = TestData.CreateTempFolder();
        var dataset = ClassificationDataset.Write(folder.File("data"), []);

        var error = Assert.Throws<MedVoxException>(() => ClassificationTrainer.Train(dataset, folder.File("model"), Tiny(), cancellation: Ct));

        Assert.Contains("labels.csv: the dataset lists no images", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder.File("model")));
    }

    [Fact]
    public void SingleClassIsRejectedBeforeAnyImageIsRead()
    {
        using var folder = TestData.CreateTempFolder();

        // The images do not exist: the class check must come first.
        var dataset = ClassificationDataset.Write(folder.File("data"), [new("a.nii.gz", 1), new("b.nii.gz", 1), new("c.nii.gz", 1)]);

        var error = Assert.Throws<MedVoxException>(() => ClassificationTrainer.Train(dataset, folder.File("model"), Tiny(), cancellation: Ct));

        Assert.Contains("all 3 image(s) have label 1: a classifier needs images of at least two classes", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.False(Directory.Exists(folder.File("model")));
    }

    [Fact]
    public void NegativeLabelsAndMissingImagesNameTheLine()
    {
        using var folder = TestData.CreateTempFolder();
        var good = WriteDataset(folder.File("data"), [0, 1]);
        var negative = ClassificationDataset.Write(folder.File("data"), [new(good.Entries[0].Image, 0), new(good.Entries[1].Image, -1)]);

        var error = Assert.Throws<MedVoxException>(() => ClassificationTrainer.Train(negative, folder.File("model"), Tiny(), cancellation: Ct));
        Assert.Contains("labels.csv: label -1 is negative (field line 3); labels are class indices", error.Message, StringComparison.Ordinal);

        var missing = ClassificationDataset.Write(folder.File("data"), [new(good.Entries[0].Image, 0), new("images/gone.nii.gz", 1)]);
        error = Assert.Throws<MedVoxException>(() => ClassificationTrainer.Train(missing, folder.File("model"), Tiny(), cancellation: Ct));
        Assert.Contains("lists images/gone.nii.gz, which does not exist (field line 3)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("alexnet")]
    [InlineData("")]
    public void UnknownNetworkIsRejectedInOneLine(string name)
    {
        var error = Assert.Throws<MedVoxException>(() => Classifier.Parse(name));

        Assert.Equal($"unknown network '{name}' (field --network); use resnet50, vgg16, googlenet, densenet121, densenet-small or small-cnn", error.Message);
    }

    [Fact]
    public void BrokenModelFoldersAreRejectedInOneLine()
    {
        using var folder = TestData.CreateTempFolder();
        Assert.Contains("no such model folder", Assert.Throws<MedVoxException>(() => ClassifierModel.Load(folder.File("none"))).Message, StringComparison.Ordinal);

        Directory.CreateDirectory(folder.File("m"));
        Assert.Contains("is not a classifier model (no classifier.json)", Assert.Throws<MedVoxException>(() => ClassifierModel.Load(folder.File("m"))).Message, StringComparison.Ordinal);

        File.WriteAllText(folder.File("m/classifier.json"), "{ \"format\": \"medvox-classifier/1\", \"architecture\": \"alexnet\" }");
        var error = Assert.Throws<MedVoxException>(() => ClassifierModel.Load(folder.File("m")));
        Assert.Contains("is not a valid classifier description", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);

        File.WriteAllText(folder.File("m/classifier.json"), "{ \"format\": \"medvox-classifier/9\" }");
        Assert.Contains("(field format)", Assert.Throws<MedVoxException>(() => ClassifierModel.Load(folder.File("m"))).Message, StringComparison.Ordinal);

        File.WriteAllText(folder.File("m/classifier.json"), "{ \"format\": \"medvox-classifier/1\" }");
        Assert.Contains("the model folder has no weights", Assert.Throws<MedVoxException>(() => ClassifierModel.Load(folder.File("m"))).Message, StringComparison.Ordinal);
    }
}
