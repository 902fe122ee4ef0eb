using MedVox.Evaluation.Classification;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MedVox.Learning.Classification;

/// <summary>
/// A classifier's results on held-out images: the softmax probabilities and their metrics from MedVox.Evaluation
/// (confusion matrix, per-class and averaged precision, recall, specificity, F1 and ROC AUC; for two classes also the
/// binary metrics of class 1 as the positive class at probability 0.5).
/// </summary>
/// <param name="Entries">Dataset entries evaluated.</param>
/// <param name="Probabilities">Softmax probabilities, one row per entry.</param>
/// <param name="Labels">True classes.</param>
/// <param name="Multiclass">Metrics over all classes.</param>
/// <param name="Binary">Class 1 against class 0, when there are two classes.</param>
public sealed record ClassificationValidation(IReadOnlyList<int> Entries, IReadOnlyList<float[]> Probabilities, IReadOnlyList<int> Labels, MulticlassClassification Multiclass, BinaryClassification? Binary)
{
    /// <summary>F1 of class 1 (binary) or the macro F1.</summary>
    public double F1 => Binary?.F1 ?? Multiclass.Macro.F1;

    /// <summary>ROC AUC (binary) or the macro AUC.</summary>
    public double RocAuc => Binary?.RocAuc ?? Multiclass.Macro.RocAuc;

    public double Accuracy => Multiclass.Accuracy;

    /// <summary>Scores probabilities against labels (two classes: class 1 is positive).</summary>
    public static ClassificationValidation FromProbabilities(IReadOnlyList<int> entries, IReadOnlyList<float[]> probabilities, IReadOnlyList<int> labels, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        int k = classNames.Count;
        var scores = new double[labels.Count * k];
        var truth = new int[labels.Count];
        for (int i = 0; i < labels.Count; i++)
        {
            truth[i] = labels[i];
            for (int c = 0; c < k; c++)
            {
                scores[(i * k) + c] = probabilities[i][c];
            }
        }

        var multiclass = MulticlassClassification.Evaluate(scores, truth, classNames);
        BinaryClassification? binary = null;
        if (k == 2)
        {
            var positive = new double[labels.Count];
            var isPositive = new bool[labels.Count];
            for (int i = 0; i < labels.Count; i++)
            {
                positive[i] = probabilities[i][1];
                isPositive[i] = labels[i] == 1;
            }

            binary = BinaryClassification.Evaluate(positive, isPositive, 0.5);
        }

        return new ClassificationValidation(entries, probabilities, labels, multiclass, binary);
    }

    /// <summary>
    /// Runs <paramref name="network"/> (eval mode for the duration, no gradients) over <paramref name="entries"/> of
    /// <paramref name="samples"/>, <paramref name="batchSize"/> images at a time, in the network's own precision.
    /// </summary>
    public static ClassificationValidation Evaluate(Module<Tensor, Tensor> network, ClassificationSamples samples, IReadOnlyList<int> entries, IReadOnlyList<string> classNames, Device device, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(classNames);
        if (entries.Count == 0)
        {
            throw new MedVoxException("there are no validation images", samples.Dataset.Directory, hint: "use a validation fraction above 0 or a validation dataset");
        }

        bool wasTraining = network.training;
        var dtype = network.parameters().First().dtype;
        network.eval();
        var probabilities = new float[entries.Count][];
        var labels = new int[entries.Count];
        int k = classNames.Count;
        var chunk = new int[Math.Max(1, batchSize)];
        try
        {
            using var noGrad = no_grad();
            for (int start = 0; start < entries.Count; start += chunk.Length)
            {
                int count = Math.Min(chunk.Length, entries.Count - start);
                for (int i = 0; i < count; i++)
                {
                    chunk[i] = entries[start + i];
                    labels[start + i] = samples.LabelOf(entries[start + i]);
                }

                using var scope = NewDisposeScope();
                var inputs = samples.LoadBatch(chunk.AsSpan(0, count)).to(device).to(dtype);
                var p = functional.softmax(network.forward(inputs).to(ScalarType.Float32), 1).cpu().data<float>().ToArray();
                for (int i = 0; i < count; i++)
                {
                    probabilities[start + i] = p.AsSpan(i * k, k).ToArray();
                }
            }
        }
        finally
        {
            network.train(wasTraining);
        }

        return FromProbabilities([.. entries], probabilities, labels, classNames);
    }
}
