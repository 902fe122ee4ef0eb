using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MedVox.IO;
using MedVox.Learning.Planning;

namespace MedVox.Learning.Inference;

/// <summary>An output file of a case and its size, so that a truncated or replaced output is noticed.</summary>
public sealed record PredictionOutput(string File, long Bytes);

/// <summary>
/// The small JSON file written beside a case's outputs after they are complete (<c>CASE.prediction.json</c>): which
/// model (hash of plan and weights), which input (hash of the input files' contents) and which settings made them.
/// A re-run skips a case whose sidecar matches all three and whose outputs are all there with their recorded sizes, so
/// interrupted or sharded runs can simply be started again.
/// </summary>
public sealed record PredictionSidecar
{
    public const string CurrentFormat = "medvox-prediction/1";

    public const string Suffix = ".prediction.json";

    public string Format { get; init; } = CurrentFormat;

    public required string Case { get; init; }

    public required string ModelHash { get; init; }

    public required string InputHash { get; init; }

    public required string SettingsHash { get; init; }

    /// <summary>Output files, relative to the output folder.</summary>
    public required IReadOnlyList<PredictionOutput> Outputs { get; init; }

    public string Version { get; init; } = typeof(PredictionSidecar).Assembly.GetName().Version?.ToString() ?? "0";

    public double Seconds { get; init; }

    public static string PathFor(string outputDirectory, string caseId) => System.IO.Path.Combine(outputDirectory, caseId + Suffix);

    /// <summary>SHA-256 of plan.json and weights.safetensors (streamed).</summary>
    public static string HashModel(string modelFolder)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendFile(hash, System.IO.Path.Combine(modelFolder, ModelFolder.PlanFile));
        AppendFile(hash, System.IO.Path.Combine(modelFolder, ModelFolder.WeightsFile));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>SHA-256 of a coarse-to-fine cascade: both model folders (coarse first) and the margin.</summary>
    public static string HashCascade(string coarseFolder, string fineFolder, double marginMillimetres)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendFile(hash, System.IO.Path.Combine(coarseFolder, ModelFolder.PlanFile));
        AppendFile(hash, System.IO.Path.Combine(coarseFolder, ModelFolder.WeightsFile));
        AppendFile(hash, System.IO.Path.Combine(fineFolder, ModelFolder.PlanFile));
        AppendFile(hash, System.IO.Path.Combine(fineFolder, ModelFolder.WeightsFile));
        hash.AppendData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"cascade margin={marginMillimetres:R}")));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>SHA-256 over the inputs' contents, in order; a folder contributes its files' relative names and contents in ordinal order.</summary>
    public static string HashInputs(IReadOnlyList<string> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string input in inputs)
        {
            if (Directory.Exists(input))
            {
                var files = Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories).Select(f => System.IO.Path.GetRelativePath(input, f)).ToList();
                files.Sort(StringComparer.Ordinal);
                foreach (string relative in files)
                {
                    hash.AppendData(Encoding.UTF8.GetBytes(relative + "\n"));
                    AppendFile(hash, System.IO.Path.Combine(input, relative));
                }
            }
            else
            {
                AppendFile(hash, input);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Hash of the settings that change what is written.</summary>
    public static string HashSettings(PredictionOptions options, string ending)
    {
        ArgumentNullException.ThrowIfNull(options);
        string text = string.Create(CultureInfo.InvariantCulture, $"overlap={options.Overlap:R};weighting={options.Weighting};mirroring={options.Mirroring};probabilities={options.Probabilities};precision={options.Precision};ending={ending}{(options.KeepLargestComponent.Count > 0 ? ";keep-largest=" + string.Join(",", options.KeepLargestComponent) : string.Empty)}");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }

    /// <summary>The sidecar of a case, or null when there is none or it cannot be read.</summary>
    public static PredictionSidecar? TryLoad(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<PredictionSidecar>(stream, ModelFolder.JsonOptions);
        }
        catch (Exception ex) when (ex is JsonException or IOException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>True when this sidecar says the case is done with this model, input and settings, and its outputs are intact.</summary>
    public bool IsCurrent(string outputDirectory, string modelHash, string inputHash, string settingsHash)
    {
        if (Format != CurrentFormat || ModelHash != modelHash || InputHash != inputHash || SettingsHash != settingsHash || Outputs.Count == 0)
        {
            return false;
        }

        foreach (var output in Outputs)
        {
            var info = new FileInfo(System.IO.Path.Combine(outputDirectory, output.File));
            if (!info.Exists || info.Length != output.Bytes)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Writes the sidecar atomically.</summary>
    public void Save(string path)
    {
        using var file = AtomicFile.Create(path);
        JsonSerializer.Serialize(file.Stream, this, ModelFolder.JsonOptions);
        file.Stream.WriteByte((byte)'\n');
        file.Commit();
    }

    private static void AppendFile(IncrementalHash hash, string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        var buffer = new byte[1 << 20];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }
    }
}
