using System.Text.Json;
using System.Text.Json.Serialization;
using MedVox.Learning.Networks;

namespace MedVox.Learning.Classification;

/// <summary>
/// What <c>classifier.json</c> of a classifier model folder holds: everything needed to rebuild the network and to
/// prepare images as training did (architecture, input size, normalisation, class names), plus a record of the training.
/// </summary>
public sealed record ClassifierModelInfo
{
    public const string CurrentFormat = "medvox-classifier/1";

    public string Format { get; init; } = CurrentFormat;

    /// <summary>Stored as the command line names it: densenet121, densenet-small, resnet50, vgg16, googlenet.</summary>
    [JsonConverter(typeof(ArchitectureNameConverter))]
    public ClassifierArchitecture Architecture { get; init; } = ClassifierArchitecture.DenseNet121;

    public ClassifierInput Input { get; init; } = new();

    /// <summary>Class names by index (the labels of labels.csv are these indices).</summary>
    public IReadOnlyList<string> ClassNames { get; init; } = ["0", "1"];

    /// <summary>How the weights were obtained (null for a model saved without training).</summary>
    public ClassifierTrainingRecord? Training { get; init; }

    /// <summary>Checks the record read from <paramref name="path"/>; throws a one-line error naming the field.</summary>
    public void Validate(string? path = null)
    {
        if (Format != CurrentFormat)
        {
            throw new MedVoxException($"format \"{Format}\" is not {CurrentFormat}", path, "format", "this model was written by another MedVox version or is not a classifier");
        }

        if (Input is null)
        {
            throw new MedVoxException("has no input description", path, "input");
        }

        if (ClassNames is null || ClassNames.Count < 2)
        {
            throw new MedVoxException("needs at least two class names", path, "class_names");
        }

        if (!Enum.IsDefined(Architecture))
        {
            throw new MedVoxException($"unknown architecture {Architecture}", path, "architecture");
        }

        try
        {
            Input.Validate();
        }
        catch (MedVoxException ex)
        {
            throw new MedVoxException(ex.What, path, "input", ex.Hint);
        }
    }
}

/// <summary>The training behind a classifier's weights, for the record.</summary>
/// <param name="Dataset">The dataset folder trained on.</param>
/// <param name="Iterations">Optimiser steps.</param>
/// <param name="BatchSize">Images per step.</param>
/// <param name="Seed">Seed of initialisation, split and sampling.</param>
/// <param name="TrainingImages">Images trained on.</param>
/// <param name="ValidationImages">Images held out.</param>
/// <param name="Loss">"cross_entropy" or "focal(gamma)".</param>
/// <param name="Augmented">Whether augmentation was on.</param>
/// <param name="ValidationF1">F1 of the positive class (binary) or macro F1 on the held-out images; NaN without them.</param>
/// <param name="ValidationAuc">ROC AUC (binary) or macro AUC on the held-out images; NaN without them.</param>
public sealed record ClassifierTrainingRecord(
    string Dataset, int Iterations, int BatchSize, ulong Seed, int TrainingImages, int ValidationImages, string Loss, bool Augmented, double ValidationF1, double ValidationAuc);

/// <summary>Writes an architecture as its lower-case name ("densenet121") and reads any name <see cref="Classifier.Parse"/> knows.</summary>
internal sealed class ArchitectureNameConverter : JsonConverter<ClassifierArchitecture>
{
    public override ClassifierArchitecture Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        try
        {
            return Classifier.Parse(name ?? string.Empty);
        }
        catch (MedVoxException ex)
        {
            throw new JsonException(ex.Message, ex);
        }
    }

    public override void Write(Utf8JsonWriter writer, ClassifierArchitecture value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(Classifier.Name(value));
    }
}
