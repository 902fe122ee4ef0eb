using System.Diagnostics;
using MedVox.Evaluation.Classification;
using MedVox.IO;
using MedVox.IO.Datasets;
using MedVox.Learning.Classification;
using MedVox.Learning.Data;
using MedVox.Learning.Networks;
using MedVox.Learning.Runtime;
using MedVox.Synthetic.Head;
using MedVox.Testing;

namespace MedVox.Learning.Tests.Classification;

/// <summary>
/// Issue 5's classification acceptance (F1 > 0.9), end to end: head phantom slices (128 px, 1.8 mm) with and without
/// subarachnoid-like hemorrhage (at least <see cref="HeadPhantom.DefaultMinimumBloodArea"/> mm^2 of blood, the phantom's
/// own labelling rule for every seed) are written as files, a small CNN is trained on them with
/// <see cref="ClassificationTrainer"/> (brain window and a narrow blood window, a one-pixel bone mask, balanced batches,
/// mirroring), and the saved model is scored with MedVox.Evaluation on held-out slices of another phantom seed, so
/// nothing seen in training is scored.
/// </summary>
public class HeadHemorrhageClassificationTests
{
    private const int Size = 128;
    private const int TrainSeed = 11;
    private const int TestSeed = 22;
    private const int TrainSlices = 400;
    private const int TestSlices = 200;
    private const int Iterations = 150;
    private const double LearningRate = 4e-3;
    private const double RequiredF1 = 0.9;
    private const double RequiredAuc = 0.9;

    /// <summary>Left-right mirroring only: rotation and scaling cost CPU time and a bleed of a few pixels must not be resampled away.</summary>
    private static readonly AugmentationOptions Mirror = AugmentationOptions.None with { MirrorProbability = 0.5, MirrorAxes = [1] };

    /// <summary>
    /// Brain and blood windows with the bone mask of <see cref="ClassifierNormalization.HemorrhageCt"/>, but 1 pixel wide:
    /// the skull's partial volume reaches one 1.8 mm pixel into the brain, and the preset's 3 pixels (meant for 0.5 mm
    /// CT) would blank 5.4 mm under the inner table, where subarachnoid blood in the surface sulci lies.
    /// </summary>
    private static readonly ClassifierNormalization Windows = ClassifierNormalization.HemorrhageCt with { BoneMaskRadius = 1 };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ClassificationDataset Write(string folder, int seed, int count)
    {
        Directory.CreateDirectory(Path.Combine(folder, "images"));
        var entries = new ClassificationEntry[count];
        var options = new HeadOptions { Size = Size };
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = Ct }, i =>
        {
            using var slice = HeadPhantom.Generate(options, seed, i);
            string name = $"images/h{i:D4}.nii";
            ImageFile.Write(slice.Image, Path.Combine(folder, name));
            entries[i] = new ClassificationEntry(name, slice.HasHemorrhage ? 1 : 0);
        });
        return ClassificationDataset.Write(folder, entries);
    }

    [Fact]
    public void SmallCnnSeparatesHemorrhageFromNormalHeldOutHeadSlices()
    {
        var clock = Stopwatch.StartNew();
        using var folder = TestData.CreateTempFolder();
        var training = Write(folder.File("train"), seed: TrainSeed, TrainSlices);
        var test = Write(folder.File("test"), seed: TestSeed, TestSlices);
        var options = new ClassificationTrainingOptions
        {
            Architecture = ClassifierArchitecture.SmallCnn,
            Input = new ClassifierInput { Height = Size, Width = Size, Normalization = Windows },
            Sampling = new ClassificationSampling { BatchSize = 16, Seed = 5, Augmentation = Mirror },
            Training = ClassificationTrainingOptions.DefaultTraining with { Iterations = Iterations, LearningRate = LearningRate },
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
        string figures = $"held-out F1 {metrics.F1:F3} (precision {metrics.Precision:F3}, recall {metrics.Recall:F3}, AUC {metrics.RocAuc:F3}) in {clock.Elapsed.TotalSeconds:F0} s";
        TestContext.Current.TestOutputHelper?.WriteLine(figures);
        Assert.True(metrics.F1 > RequiredF1 && metrics.RocAuc > RequiredAuc, figures);
    }
}
