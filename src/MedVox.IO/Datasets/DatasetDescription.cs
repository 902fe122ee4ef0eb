using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MedVox.IO.Datasets;

/// <summary>
/// The <c>dataset.json</c> of a segmentation dataset, in either layout: nnU-Net v2 (<c>channel_names</c>,
/// <c>labels</c> as name to value, <c>numTraining</c>, <c>file_ending</c>; files found by naming convention) or the
/// Medical Segmentation Decathlon's (<c>modality</c>, <c>labels</c> as value to name, explicit <c>training</c> and
/// <c>test</c> lists of files holding all channels). Fields MedVox does not use are kept and written back.
/// </summary>
public sealed record DatasetDescription
{
    public const string FileName = "dataset.json";

    public string Name { get; init; } = string.Empty;

    public string Description { get; init; } = string.Empty;

    /// <summary>Channel (modality) names by channel index: "CT", "T2", "R"... nnU-Net picks normalisation by name ("CT").</summary>
    public IReadOnlyList<string> ChannelNames { get; init; } = [];

    /// <summary>Labels, background (0) included.</summary>
    public IReadOnlyList<DatasetLabel> Labels { get; init; } = [];

    public int NumTraining { get; init; }

    /// <summary>File name ending of every image and label (".nii.gz", ".png", ".mha"...).</summary>
    public string FileEnding { get; init; } = ".nii.gz";

    /// <summary>True for the Decathlon's own layout, where <see cref="Training"/> and <see cref="Test"/> list the files.</summary>
    public bool ListsFiles { get; init; }

    /// <summary>The Decathlon's training list (image file, label file), relative to the dataset folder; empty for nnU-Net v2.</summary>
    public IReadOnlyList<(string Image, string Label)> Training { get; init; } = [];

    /// <summary>The Decathlon's test list (image files), relative to the dataset folder.</summary>
    public IReadOnlyList<string> Test { get; init; } = [];

    /// <summary>Other top-level fields (reference, licence, release, regions_class_order...), kept as JSON.</summary>
    public IReadOnlyDictionary<string, JsonNode?> Extra { get; init; } = new Dictionary<string, JsonNode?>();

    /// <summary>Every label value the labels declare (regions contribute each of their values).</summary>
    public IReadOnlySet<int> DeclaredValues
    {
        get
        {
            var set = new HashSet<int>();
            foreach (var label in Labels)
            {
                set.UnionWith(label.Values);
            }

            return set;
        }
    }

    /// <summary>Reads a dataset.json; a malformed one throws <see cref="MedVoxException"/> naming the file and field.</summary>
    public static DatasetDescription Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new MedVoxException("no dataset.json", path, hint: "a segmentation dataset needs dataset.json beside imagesTr/ and labelsTr/");
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new MedVoxException($"is not valid JSON ({ex.Message.Split('.')[0]})", path, hint: "fix the syntax of dataset.json");
        }

        if (root is not JsonObject obj)
        {
            throw new MedVoxException("is not a JSON object", path);
        }

        bool listsFiles = obj["training"] is JsonArray;
        var channels = ReadChannels(obj, path);
        var labels = ReadLabels(obj, path);
        string ending = obj["file_ending"] is JsonValue endingValue && endingValue.TryGetValue(out string? e) && !string.IsNullOrEmpty(e) ? e : ".nii.gz";
        if (!ending.StartsWith('.'))
        {
            throw new MedVoxException($"file_ending \"{ending}\" does not start with a dot", path, "file_ending", "write it as \".nii.gz\", \".png\"...");
        }

        var training = new List<(string, string)>();
        var test = new List<string>();
        if (listsFiles)
        {
            foreach (var item in (JsonArray)obj["training"]!)
            {
                string? image = (item as JsonObject)?["image"]?.GetValue<string>();
                string? label = (item as JsonObject)?["label"]?.GetValue<string>();
                if (image is null || label is null)
                {
                    throw new MedVoxException("a training entry lacks \"image\" or \"label\"", path, "training");
                }

                training.Add((image, label));
            }

            if (obj["test"] is JsonArray testArray)
            {
                foreach (var item in testArray)
                {
                    string? image = item is JsonValue v && v.TryGetValue(out string? s) ? s : (item as JsonObject)?["image"]?.GetValue<string>();
                    if (image is not null)
                    {
                        test.Add(image);
                    }
                }
            }
        }

        int numTraining = ReadInt(obj, "numTraining", path) ?? training.Count;
        var known = new HashSet<string>(StringComparer.Ordinal)
        {
            "name", "description", "channel_names", "modality", "labels", "numTraining", "file_ending", "training", "test",
        };
        var extra = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (key, value) in obj)
        {
            if (!known.Contains(key))
            {
                extra[key] = value?.DeepClone();
            }
        }

        return new DatasetDescription
        {
            Name = obj["name"] is JsonValue n && n.TryGetValue(out string? name) ? name : string.Empty,
            Description = obj["description"] is JsonValue d && d.TryGetValue(out string? description) ? description : string.Empty,
            ChannelNames = channels,
            Labels = labels,
            NumTraining = numTraining,
            FileEnding = ending,
            ListsFiles = listsFiles,
            Training = training,
            Test = test,
            Extra = extra,
        };
    }

    /// <summary>Writes dataset.json (atomically) in the nnU-Net v2 form, with the file lists too when <see cref="ListsFiles"/>.</summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var obj = new JsonObject();
        if (Name.Length > 0)
        {
            obj["name"] = Name;
        }

        if (Description.Length > 0)
        {
            obj["description"] = Description;
        }

        var channels = new JsonObject();
        for (int i = 0; i < ChannelNames.Count; i++)
        {
            channels[i.ToString(CultureInfo.InvariantCulture)] = ChannelNames[i];
        }

        obj["channel_names"] = channels;
        var labels = new JsonObject();
        foreach (var label in Labels)
        {
            labels[label.Name] = label.IsRegion ? new JsonArray([.. label.Values.Select(v => (JsonNode)v)]) : label.Values[0];
        }

        obj["labels"] = labels;
        obj["numTraining"] = NumTraining;
        obj["file_ending"] = FileEnding;
        if (ListsFiles)
        {
            obj["training"] = new JsonArray([.. Training.Select(t => (JsonNode)new JsonObject { ["image"] = t.Image, ["label"] = t.Label })]);
            obj["test"] = new JsonArray([.. Test.Select(t => (JsonNode)t)]);
        }

        foreach (var (key, value) in Extra)
        {
            obj[key] = value?.DeepClone();
        }

        using var file = AtomicFile.Create(path);
        using (var writer = new Utf8JsonWriter(file.Stream, new JsonWriterOptions { Indented = true }))
        {
            obj.WriteTo(writer);
        }

        file.Stream.WriteByte((byte)'\n');
        file.Commit();
    }

    private static List<string> ReadChannels(JsonObject obj, string path)
    {
        var node = obj["channel_names"] ?? obj["modality"];
        if (node is not JsonObject channels)
        {
            throw new MedVoxException("has no channel_names (or modality) object", path, "channel_names", "add e.g. \"channel_names\": {\"0\": \"CT\"}");
        }

        var byIndex = new SortedDictionary<int, string>();
        foreach (var (key, value) in channels)
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index > 9999)
            {
                throw new MedVoxException($"channel key \"{key}\" is not a channel index", path, "channel_names");
            }

            byIndex[index] = value?.ToString() ?? string.Empty;
        }

        var names = new List<string>();
        foreach (var (index, name) in byIndex)
        {
            if (index != names.Count)
            {
                throw new MedVoxException($"channel indices must run 0, 1, 2...; {names.Count} is missing", path, "channel_names");
            }

            names.Add(name);
        }

        if (names.Count == 0)
        {
            throw new MedVoxException("declares no channel", path, "channel_names");
        }

        return names;
    }

    private static List<DatasetLabel> ReadLabels(JsonObject obj, string path)
    {
        if (obj["labels"] is not JsonObject labels)
        {
            throw new MedVoxException("has no labels object", path, "labels", "add e.g. \"labels\": {\"background\": 0, \"liver\": 1}");
        }

        var list = new List<DatasetLabel>();
        foreach (var (key, value) in labels)
        {
            // The Decathlon writes value -> name ("1": "liver"); nnU-Net v2 writes name -> value ("liver": 1 or [1, 2]).
            if (value is JsonValue text && text.TryGetValue(out string? labelName)
                && int.TryParse(key, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int decathlonValue))
            {
                list.Add(new DatasetLabel(labelName, decathlonValue));
            }
            else if (value is JsonValue number && TryInt(number, out int v))
            {
                list.Add(new DatasetLabel(key, v));
            }
            else if (value is JsonArray array)
            {
                var values = new List<int>();
                foreach (var item in array)
                {
                    if (item is not JsonValue element || !TryInt(element, out int regionValue))
                    {
                        throw new MedVoxException($"label \"{key}\" lists a value that is not an integer", path, "labels");
                    }

                    values.Add(regionValue);
                }

                list.Add(new DatasetLabel(key, values));
            }
            else
            {
                throw new MedVoxException($"label \"{key}\" has no integer value", path, "labels");
            }
        }

        return list;
    }

    private static int? ReadInt(JsonObject obj, string field, string path)
    {
        var node = obj[field];
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue value && TryInt(value, out int result) && result >= 0)
        {
            return result;
        }

        throw new MedVoxException($"{field} is not a non-negative integer", path, field);
    }

    private static bool TryInt(JsonValue value, out int result)
    {
        if (value.TryGetValue(out int i))
        {
            result = i;
            return true;
        }

        if (value.TryGetValue(out double d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue)
        {
            result = (int)d;
            return true;
        }

        result = 0;
        return false;
    }
}
