using System.Text.Json;
using MedVox.Learning.Networks;
using MedVox.Learning.Runtime;
using MedVox.Learning.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace MedVox.Slides.Models;

/// <summary>
/// A 2D U-Net that maps RGB tiles to tumour probability, with what it needs to be applied (model.json) and its
/// weights (weights.safetensors, PyTorch names). Input: RGB scaled to [-1, 1]; output: softmax probability of class 1.
/// </summary>
public sealed class SlideModel : IDisposable
{
    public const string InfoFile = "model.json";
    public const string WeightsFile = "weights.safetensors";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public SlideModel(SlideModelInfo info, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(info);
        TorchRuntime.EnsureLoaded();
        Info = info;
        Device = device ?? CPU;
        Network = new UNet(info.Network);
        Network.to(Device);
    }

    /// <summary>The default network: 4 stages of 8-64 features, about 120 k parameters: enough for tissue texture, fast on a CPU.</summary>
    public static UNetConfig DefaultNetwork => new()
    {
        Dimensions = 2,
        InputChannels = 3,
        Classes = 2,
        Features = [8, 16, 32, 64],
        Kernels = [[3, 3], [3, 3], [3, 3], [3, 3]],
        Strides = [[1, 1], [2, 2], [2, 2], [2, 2]],
        EncoderBlocks = [2, 2, 2, 2],
    };

    public SlideModelInfo Info { get; private set; }

    public UNet Network { get; }

    public Device Device { get; }

    /// <summary>Input sizes must be multiples of this.</summary>
    public int Stride => Info.Network.TotalStride().Max();

    public static SlideModel Load(string folder, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        string infoPath = Path.Combine(folder, InfoFile);
        if (!File.Exists(infoPath))
        {
            throw new MedVoxException($"no {InfoFile} in the model folder", folder, hint: "give a folder written by medvox wsi train");
        }

        SlideModelInfo info;
        try
        {
            info = JsonSerializer.Deserialize<SlideModelInfo>(File.ReadAllText(infoPath), Json)
                ?? throw new MedVoxException("the model description is empty", infoPath);
            info.Network.Validate();
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or NotSupportedException)
        {
            throw new InvalidImageFileException($"the model description cannot be read: {ex.Message}", infoPath);
        }

        if (info.Network.Dimensions != 2 || info.Network.InputChannels != 3 || info.Network.Classes < 2)
        {
            throw new MedVoxException($"the model is not a 2D RGB segmentation network ({info.Network.Dimensions}D, {info.Network.InputChannels} channel(s), {info.Network.Classes} classes)", infoPath);
        }

        var model = new SlideModel(info, device);
        try
        {
            model.Network.LoadWeights(Path.Combine(folder, WeightsFile));
        }
        catch
        {
            model.Dispose();
            throw;
        }

        model.Network.eval();
        return model;
    }

    /// <summary>Writes model.json and the weights into <paramref name="folder"/> (created if needed).</summary>
    public void Save(string folder, SlideModelInfo? info = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Info = info ?? Info;
        Directory.CreateDirectory(folder);
        Network.SaveWeights(Path.Combine(folder, WeightsFile));
        File.WriteAllText(Path.Combine(folder, InfoFile), JsonSerializer.Serialize(Info, Json));
    }

    /// <summary>RGB bytes (N tiles of size x size, interleaved) to the network's input [N, 3, size, size] in [-1, 1].</summary>
    public static Tensor ToInput(ReadOnlySpan<byte> rgb, int count, int size)
    {
        var values = new float[rgb.Length];
        int plane = size * size;
        for (int n = 0; n < count; n++)
        {
            int tile = n * plane * 3;
            for (int i = 0; i < plane; i++)
            {
                int s = tile + (i * 3);
                values[tile + i] = (rgb[s] / 127.5f) - 1;
                values[tile + plane + i] = (rgb[s + 1] / 127.5f) - 1;
                values[tile + (2 * plane) + i] = (rgb[s + 2] / 127.5f) - 1;
            }
        }

        return tensor(values, [count, 3, size, size]);
    }

    /// <summary>Tumour probability [N, size, size] (float32, on the CPU) for N RGB windows.</summary>
    public float[] PredictProbability(ReadOnlySpan<byte> rgb, int count, int size)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Network.eval();
        var input = ToInput(rgb, count, size).to(Device);
        var logits = Network.forward(input);
        var probability = logits.softmax(1).select(1, 1).to(CPU).contiguous();
        return probability.data<float>().ToArray();
    }

    public void Dispose() => Network.Dispose();
}
