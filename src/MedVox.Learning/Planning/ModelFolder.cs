using System.Text.Json;
using System.Text.Json.Serialization;
using MedVox.IO;
using MedVox.Learning.Networks;
using MedVox.Learning.Serialization;

namespace MedVox.Learning.Planning;

/// <summary>
/// A trained model is one folder: <c>plan.json</c> (everything needed to rebuild network and preprocessing) and
/// <c>weights.safetensors</c> (float32, PyTorch-style names). It can be copied to another machine and loaded there.
/// </summary>
public static class ModelFolder
{
    public const string PlanFile = "plan.json";
    public const string WeightsFile = "weights.safetensors";

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static void SavePlan(SegmentationPlan plan, string path)
    {
        ArgumentNullException.ThrowIfNull(plan);
        using var file = AtomicFile.Create(path);
        JsonSerializer.Serialize(file.Stream, plan, JsonOptions);
        file.Stream.WriteByte((byte)'\n');
        file.Commit();
    }

    public static SegmentationPlan LoadPlan(string path)
    {
        if (!File.Exists(path))
        {
            throw new MedVoxException("no plan file", path, hint: "make one with medvox plan");
        }

        SegmentationPlan? plan;
        try
        {
            using var stream = File.OpenRead(path);
            plan = JsonSerializer.Deserialize<SegmentationPlan>(stream, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new MedVoxException($"is not a valid plan ({ex.Message})", path, hint: "make one with medvox plan");
        }

        if (plan is null)
        {
            throw new MedVoxException("the plan file is empty", path);
        }

        plan.Validate(path);
        return plan;
    }

    /// <summary>Writes plan and weights into <paramref name="folder"/> (created if needed).</summary>
    public static void Save(string folder, SegmentationPlan plan, IEnumerable<KeyValuePair<string, TorchSharp.torch.Tensor>> weights)
    {
        ArgumentNullException.ThrowIfNull(plan);
        Directory.CreateDirectory(folder);
        SafeTensors.Save(weights, Path.Combine(folder, WeightsFile), new Dictionary<string, string> { ["format"] = "pt", ["medvox_plan"] = SegmentationPlan.CurrentFormat });
        SavePlan(plan, Path.Combine(folder, PlanFile));
    }

    /// <summary>Reads the plan and builds the network with its weights (on the CPU, float32, eval mode).</summary>
    public static (SegmentationPlan Plan, UNet Network) Load(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new MedVoxException("no such model folder", folder, hint: "train one with medvox train, or give the folder that holds plan.json and weights.safetensors");
        }

        var plan = LoadPlan(Path.Combine(folder, PlanFile));
        string weights = Path.Combine(folder, WeightsFile);
        if (!File.Exists(weights))
        {
            throw new MedVoxException("the model folder has a plan but no weights", weights, hint: "training did not finish; resume it with medvox train --resume");
        }

        var network = new UNet(plan.Network);
        try
        {
            network.LoadWeights(weights);
        }
        catch
        {
            network.Dispose();
            throw;
        }

        network.eval();
        return (plan, network);
    }
}
