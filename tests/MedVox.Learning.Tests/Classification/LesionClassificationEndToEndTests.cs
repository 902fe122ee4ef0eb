using MedVox.Evaluation.Classification;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.IO;
using MedVox.IO.Datasets;
using MedVox.Learning.Classification;
using MedVox.Learning.Networks;
using MedVox.Learning.Runtime;
using MedVox.Testing;

namespace MedVox.Learning.Tests.Classification;

/// <summary>
/// End to end: training, the model folder, prediction from files and MedVox.Evaluation's metrics on held-out images.
/// The images are CT-like slices (a noisy 30 HU "brain" disc in air) where positives carry one small hyperdense
/// lesion (3 x 3 pixels at 65-85 HU, like fresh blood) at a random place; held-out images come from another seed, so
/// the network must have learnt the lesion, not the training images.
/// </summary>
public class LesionClassificationEndToEndTests
{
    private const int Size = 32;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ClassificationDataset Write(string folder, int count, int seed)
    {
        var random = new Random(seed);
        var entries = new List<ClassificationEntry>();
        Directory.CreateDirectory(Path.Combine(folder, "images"));
        for (int i = 0; i < count; i++)
        {
            bool lesion = i % 2 == 1;
            using var image = Image.Create(new ImageGeometry(ImageSize.Of2D(Size, Size)), ElementType.Int16);
            var pixels = image.AsSpan<short>();
            int lx = random.Next(9, Size - 11), ly = random.Next(9, Size - 11);
            double blood = 65 + (random.NextDouble() * 20);
            for (int y = 0; y < Size; y++)
            {
                for (int x = 0; x < Size; x++)
                {
                    double dx = x - ((Size - 1) / 2.0), dy = y - ((Size - 1) / 2.0);
                    bool inside = (dx * dx) + (dy * dy) < 14 * 14;
                    double noise = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()) * 5;
                    double value = inside ? 30 + noise : -1000;
                    if (lesion && x >= lx && x < lx + 3 && y >= ly && y < ly + 3)
                    {
                        value = blood + noise;
                    }

                    pixels[(y * Size) + x] = (short)Math.Round(value);
                }
            }

            string name = $"images/s{i:D3}.nii.gz";
            ImageFile.Write(image, Path.Combine(folder, name));
            entries.Add(new ClassificationEntry(name, lesion ? 1 : 0));
        }

        return ClassificationDataset.Write(folder, entries);
    }

    [Fact]
    public void SmallDenseNetFindsSmallLesionsInHeldOutImagesWithF1Above09()
    {
        using var folder = TestData.CreateTempFolder();
        var training = Write(folder.File("train"), 160, seed: 1);
        var test = Write(folder.File("test"), 60, seed: 2);
        var options = new ClassificationTrainingOptions
        {
            Architecture = ClassifierArchitecture.DenseNetSmall,
            Input = new ClassifierInput { Height = Size, Width = Size, Normalization = ClassifierNormalization.BrainCt },
            Sampling = new ClassificationSampling { BatchSize = 16, Seed = 3 },
            Training = ClassificationTrainingOptions.DefaultTraining with { Iterations = 150 },
            ValidationFraction = 0,
        };

        long liveBefore = TensorAccounting.LiveTensors;
        ClassificationTrainer.Train(training, folder.File("model"), options, cancellation: Ct);
        Assert.Equal(liveBefore, TensorAccounting.LiveTensors);

        using var model = ClassifierModel.Load(folder.File("model"));
        var probabilities = model.PredictFiles([.. test.Entries.Select(test.FullPath)], cancellation: Ct);
        var scores = probabilities.Select(p => (double)p[1]).ToArray();
        var truth = test.Entries.Select(e => e.Label == 1).ToArray();
        var metrics = BinaryClassification.Evaluate(scores, truth, 0.5);

        Assert.True(metrics.F1 > 0.9, $"held-out F1 {metrics.F1:F3} (precision {metrics.Precision:F3}, recall {metrics.Recall:F3}, AUC {metrics.RocAuc:F3})");
    }
}
