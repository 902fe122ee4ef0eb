using System.Buffers.Binary;
using System.Text.Json;
using MedVox.IO;
using static TorchSharp.torch;

namespace MedVox.Learning.Serialization;

/// <summary>
/// Reads and writes the safetensors format (an 8-byte little-endian header length, a JSON header naming each tensor's
/// dtype, shape and byte range, then the raw little-endian data), so that state dicts move between MedVox and PyTorch.
/// Written without a dependency: the format is small, and owning it lets the reader check every length against the file.
/// </summary>
public static class SafeTensors
{
    private const long MaxHeaderBytes = 100L << 20;

    /// <summary>Writes <paramref name="tensors"/> (any device; copied to the CPU) to <paramref name="path"/> atomically, in name order.</summary>
    public static void Save(IEnumerable<KeyValuePair<string, Tensor>> tensors, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var ordered = tensors.OrderBy(t => t.Key, StringComparer.Ordinal).ToList();
        var header = new Dictionary<string, object>(StringComparer.Ordinal);
        if (metadata is { Count: > 0 })
        {
            header["__metadata__"] = metadata;
        }

        long offset = 0;
        foreach (var (name, tensor) in ordered)
        {
            long bytes = tensor.numel() * tensor.ElementSize;
            header[name] = new Dictionary<string, object>
            {
                ["dtype"] = DtypeName(tensor.dtype),
                ["shape"] = tensor.shape,
                ["data_offsets"] = new[] { offset, offset + bytes },
            };
            offset += bytes;
        }

        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        int padding = (8 - (json.Length % 8)) % 8;
        using var file = AtomicFile.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(json.Length + padding));
        file.Stream.Write(length);
        file.Stream.Write(json);
        for (int i = 0; i < padding; i++)
        {
            file.Stream.WriteByte((byte)' ');
        }

        foreach (var (_, tensor) in ordered)
        {
            using var scope = NewDisposeScope();
            var host = tensor.detach().to(CPU).contiguous();
            file.Stream.Write(host.bytes);
        }

        file.Commit();
    }

    /// <summary>Reads all tensors of a file onto the CPU. The caller owns (disposes) the returned tensors.</summary>
    public static Dictionary<string, Tensor> Load(string path) => Load(path, out _);

    public static Dictionary<string, Tensor> Load(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        long fileLength = stream.Length;
        Span<byte> lengthBytes = stackalloc byte[8];
        PixelStreams.Fill(stream, lengthBytes, path);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)Math.Min(MaxHeaderBytes, fileLength - 8))
        {
            throw new InvalidImageFileException($"header length {headerLength} does not fit the file of {fileLength} bytes", path, "header length", "not a safetensors file, or truncated");
        }

        var json = new byte[headerLength];
        PixelStreams.Fill(stream, json, path);
        long dataStart = 8 + (long)headerLength;
        var entries = new List<(string Name, ScalarType Type, long[] Shape, long Begin, long End)>();
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(json);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    foreach (var m in property.Value.EnumerateObject())
                    {
                        meta[m.Name] = m.Value.GetString() ?? string.Empty;
                    }

                    continue;
                }

                var type = ParseDtype(property.Value.GetProperty("dtype").GetString(), path, property.Name);
                var shape = property.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var offsets = property.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || dataStart + offsets[1] > fileLength)
                {
                    throw new InvalidImageFileException($"tensor {property.Name} lies outside the file", path, "data_offsets", "the file is truncated or corrupt");
                }

                long elements = shape.Aggregate(1L, (a, b) => checked(a * b));
                if (shape.Any(d => d < 0) || elements * ElementSize(type) != offsets[1] - offsets[0])
                {
                    throw new InvalidImageFileException($"tensor {property.Name}: shape [{string.Join(", ", shape)}] does not match its {offsets[1] - offsets[0]} bytes", path, "shape");
                }

                entries.Add((property.Name, type, shape, offsets[0], offsets[1]));
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new InvalidImageFileException($"the header is not valid safetensors JSON ({ex.Message})", path, "header", inner: ex);
        }

        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var entry in entries.OrderBy(e => e.Begin))
        {
            var tensor = empty(entry.Shape, entry.Type);
            stream.Position = dataStart + entry.Begin;
            var bytes = tensor.bytes;
            PixelStreams.Fill(stream, bytes, path);
            tensor.bytes = bytes;
            result[entry.Name] = tensor;
        }

        metadata = meta;
        return result;
    }

    private static string DtypeName(ScalarType type) => type switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Float64 => "F64",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"safetensors has no dtype for {type}."),
    };

    private static ScalarType ParseDtype(string? name, string path, string tensor) => name switch
    {
        "F32" => ScalarType.Float32,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "F64" => ScalarType.Float64,
        "I64" => ScalarType.Int64,
        "I32" => ScalarType.Int32,
        "I16" => ScalarType.Int16,
        "I8" => ScalarType.Int8,
        "U8" => ScalarType.Byte,
        "BOOL" => ScalarType.Bool,
        _ => throw new UnsupportedFormatException($"tensor {tensor} has dtype {name}, which MedVox does not read", path, "dtype"),
    };

    private static long ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };
}
