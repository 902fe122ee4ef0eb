using System.Text.Json;
using System.Text.Json.Serialization;
using MedVox.Imaging;
using MedVox.IO;
using MedVox.Learning.Networks;
using MedVox.Learning.Serialization;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MedVox.Learning.Classification;

/// <summary>
/// A trained classifier: a folder with <c>classifier.json</c> (<see cref="ClassifierModelInfo"/>) and
/// <c>weights.safetensors</c> (float32, PyTorch-style names), loadable on another machine. Loaded, it turns images
/// into class probabilities, preparing them exactly as training did.
/// </summary>
public sealed class ClassifierModel : IDisposable
{
    public const string InfoFile = "classifier.json";
    public const string WeightsFile = "weights.safetensors";

    private ClassifierModel(ClassifierModelInfo info, Module<Tensor, Tensor> network, Device device)
    {
        Info = info;
        Network = network;
        Device = device;
    }

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public ClassifierModelInfo Info { get; }

    /// <summary>The network, in eval mode, on <see cref="Device"/>.</summary>
    public Module<Tensor, Tensor> Network { get; }

    public Device Device { get; }

    /// <summary>Writes info and weights into <paramref name="folder"/> (created if needed; each file replaced atomically).</summary>
    public static void Save(string folder, ClassifierModelInfo info, IEnumerable<KeyValuePair<string, Tensor>> weights)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(info);
        Directory.CreateDirectory(folder);
        SafeTensors.Save(weights, Path.Combine(folder, WeightsFile), new Dictionary<string, string> { ["format"] = "pt", ["medvox_classifier"] = ClassifierModelInfo.CurrentFormat });
        using var file = AtomicFile.Create(Path.Combine(folder, InfoFile));
        JsonSerializer.Serialize(file.Stream, info, JsonOptions);
        file.Stream.WriteByte((byte)'\n');
        file.Commit();
    }

    public static ClassifierModelInfo ReadInfo(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        string path = Path.Combine(folder, InfoFile);
        if (!Directory.Exists(folder))
        {
            throw new MedVoxException("no such model folder", folder, hint: "train one with medvox classify train");
        }

        if (!File.Exists(path))
        {
            throw new MedVoxException($"is not a classifier model (no {InfoFile})", folder, hint: "give the folder that medvox classify train wrote");
        }

        ClassifierModelInfo? info;
        try
        {
            using var stream = File.OpenRead(path);
            info = JsonSerializer.Deserialize<ClassifierModelInfo>(stream, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new MedVoxException($"is not a valid classifier description ({ex.Message.ReplaceLineEndings(" ")})", path);
        }

        if (info is null)
        {
            throw new MedVoxException("is empty", path);
        }

        info.Validate(path);
        return info;
    }

    /// <summary>Reads the folder and builds the network with its weights, in eval mode, on <paramref name="device"/> (CPU by default).</summary>
    public static ClassifierModel Load(string folder, Device? device = null)
    {
        var info = ReadInfo(folder);
        string weights = Path.Combine(folder, WeightsFile);
        if (!File.Exists(weights))
        {
            throw new MedVoxException("the model folder has no weights", weights, hint: "training did not finish; run medvox classify train again (with --resume)");
        }

        var network = Classifier.Create(info.Architecture, info.Input.NetworkChannels, info.ClassNames.Count);
        try
        {
            network.LoadWeights(weights);
            device ??= CPU;
            network.to(device);
            network.eval();
        }
        catch
        {
            network.Dispose();
            throw;
        }

        return new ClassifierModel(info, network, device);
    }

    /// <summary>Softmax probabilities [N, classes] (float32, CPU) of prepared inputs [N, C', H, W].</summary>
    public Tensor Probabilities(Tensor inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = Network.forward(inputs.to(Device)).to(ScalarType.Float32);
        return functional.softmax(logits, 1).cpu().MoveToOuterDisposeScope();
    }

    /// <summary>Class probabilities of one image.</summary>
    public float[] Predict(Image image, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var scope = NewDisposeScope();
        var input = Info.Input.Prepare(image, source).unsqueeze(0);
        return Probabilities(input).data<float>().ToArray();
    }

    /// <summary>
    /// Class probabilities of image files, read and predicted <paramref name="batchSize"/> at a time; reports the count
    /// done. Row i of the result belongs to <paramref name="paths"/>[i].
    /// </summary>
    public float[][] PredictFiles(IReadOnlyList<string> paths, int batchSize = 32, IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        batchSize = Math.Max(1, batchSize);
        var result = new float[paths.Count][];
        int classes = Info.ClassNames.Count;
        for (int start = 0; start < paths.Count; start += batchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            int count = Math.Min(batchSize, paths.Count - start);
            using var scope = NewDisposeScope();
            var inputs = new Tensor[count];
            for (int i = 0; i < count; i++)
            {
                string path = paths[start + i];
                using var image = ImageFile.Read(path);
                inputs[i] = Info.Input.Prepare(image, path);
            }

            var probabilities = Probabilities(stack(inputs, 0)).data<float>().ToArray();
            for (int i = 0; i < count; i++)
            {
                result[start + i] = probabilities.AsSpan(i * classes, classes).ToArray();
            }

            progress?.Report(start + count);
        }

        return result;
    }

    public void Dispose() => Network.Dispose();
}
