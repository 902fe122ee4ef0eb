using System.Text.Json;
using System.Text.Json.Serialization;
using MedVox.IO;

namespace MedVox.Learning.Data;

/// <summary>How the data pipeline's JSON files (fingerprint, plan, cached cases) are written: snake_case, enums as names, NaN allowed.</summary>
internal static class DataJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Compact form, for hashing.</summary>
    public static JsonSerializerOptions Compact { get; } = new(Options) { WriteIndented = false };

    public static void Save<T>(T value, string path)
    {
        using var file = AtomicFile.Create(path);
        JsonSerializer.Serialize(file.Stream, value, Options);
        file.Stream.WriteByte((byte)'\n');
        file.Commit();
    }

    /// <summary>Reads a JSON file; a missing or malformed one throws a <see cref="MedVoxException"/> naming it.</summary>
    public static T Load<T>(string path, string what)
    {
        if (!File.Exists(path))
        {
            throw new MedVoxException($"no {what}", path);
        }

        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<T>(stream, Options) ?? throw new MedVoxException($"is not a {what}", path);
        }
        catch (JsonException ex)
        {
            throw new MedVoxException($"is not a valid {what} ({ex.Message.Split('.')[0]})", path, hint: "delete it and run the step that writes it again");
        }
    }
}
