using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace MedVox.Evaluation.Segmentation;

/// <summary>
/// The labels a segmentation task declares (name → values), as in a dataset.json. Label maps may hold only the
/// background 0 and declared values; anything else is reported as a problem of the case.
/// </summary>
public sealed class LabelSet : IReadOnlyList<LabelDefinition>
{
    private readonly LabelDefinition[] _labels;

    public LabelSet(IEnumerable<LabelDefinition> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        _labels = [.. labels];
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var label in _labels)
        {
            if (!names.Add(label.Name))
            {
                throw new ArgumentException($"Label '{label.Name}' is declared twice.", nameof(labels));
            }
        }

        Evaluated = [.. _labels.Where(l => !l.IsBackground)];
        if (Evaluated.Count == 0)
        {
            throw new ArgumentException("The label set declares no foreground label to evaluate.", nameof(labels));
        }

        DeclaredValues = [.. _labels.SelectMany(l => l.Values).Append(0).Distinct().Order()];
    }

    /// <summary>
    /// The same declared values (so label maps holding the others stay valid), but only the named labels evaluated: for
    /// a method that segments some of a dataset's structures.
    /// </summary>
    public LabelSet Only(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var wanted = new HashSet<string>(names, StringComparer.Ordinal);
        foreach (var name in wanted)
        {
            if (!Array.Exists(_labels, l => l.Name == name))
            {
                throw new MedVoxException($"no label named '{name}'", hint: $"the labels are {string.Join(", ", _labels.Select(l => l.Name))}");
            }
        }

        var restricted = new LabelSet(_labels) { IsBinary = IsBinary };
        restricted.Evaluated = [.. restricted.Evaluated.Where(l => wanted.Contains(l.Name))];
        if (restricted.Evaluated.Count == 0)
        {
            throw new MedVoxException("no foreground label left to evaluate", hint: "name at least one foreground label");
        }

        return restricted;
    }

    /// <summary>One foreground label "foreground" made of every non-zero value: for binary masks of any value.</summary>
    public static LabelSet Binary { get; } = new([new LabelDefinition("foreground", 1)]) { IsBinary = true };

    /// <summary>True for <see cref="Binary"/>: every non-zero voxel is foreground and no value is undeclared.</summary>
    public bool IsBinary { get; private init; }

    /// <summary>The labels that are evaluated (all but the background), in declaration order.</summary>
    public IReadOnlyList<LabelDefinition> Evaluated { get; private set; }

    /// <summary>All values a label map may contain: 0 and every declared value, sorted.</summary>
    public IReadOnlyList<long> DeclaredValues { get; }

    public int Count => _labels.Length;

    public LabelDefinition this[int index] => _labels[index];

    /// <summary>Builds a set from name → value pairs (e.g. <c>{"liver": 1, "tumour": 2}</c>).</summary>
    public static LabelSet FromValues(IEnumerable<KeyValuePair<string, int>> labels) =>
        new(labels.Select(pair => new LabelDefinition(pair.Key, pair.Value)));

    /// <summary>Reads the "labels" of a dataset.json (nnU-Net v2 or Medical Segmentation Decathlon style).</summary>
    public static LabelSet FromDatasetJson(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new MedVoxException("no such file", path);
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("labels", out var labels))
            {
                throw new MedVoxException("has no \"labels\" object", path, "labels", "declare the labels as {\"background\": 0, \"name\": 1, ...}");
            }

            return Parse(labels, path);
        }
        catch (JsonException ex)
        {
            throw new MedVoxException($"is not valid JSON ({ex.Message})", path, hint: "fix the file");
        }
    }

    /// <summary>
    /// Parses a "labels" object: nnU-Net v2 style <c>{"background": 0, "liver": 1, "whole tumour": [1, 2, 3]}</c>
    /// (name → value or region values) or Decathlon style <c>{"0": "background", "1": "liver"}</c> (value → name).
    /// </summary>
    public static LabelSet Parse(JsonElement labels, string? source = null)
    {
        if (labels.ValueKind != JsonValueKind.Object)
        {
            throw new MedVoxException("\"labels\" is not an object", source, "labels", "write {\"background\": 0, \"name\": 1, ...}");
        }

        var properties = labels.EnumerateObject().ToList();
        bool valueToName = properties.Count > 0 && properties.TrueForAll(p =>
            p.Value.ValueKind == JsonValueKind.String && long.TryParse(p.Name, NumberStyles.Integer, CultureInfo.InvariantCulture, out _));
        var definitions = new List<LabelDefinition>();
        foreach (var property in properties)
        {
            if (valueToName)
            {
                long value = long.Parse(property.Name, NumberStyles.Integer, CultureInfo.InvariantCulture);
                definitions.Add(Define(property.Value.GetString()!, [value], source));
                continue;
            }

            var values = new List<long>();
            if (property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt64(out long single))
            {
                values.Add(single);
            }
            else if (property.Value.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in property.Value.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long v))
                    {
                        throw new MedVoxException($"label \"{property.Name}\" has a non-integer value {item.GetRawText()}", source, "labels", "label values are integers");
                    }

                    values.Add(v);
                }
            }
            else
            {
                throw new MedVoxException($"label \"{property.Name}\" has value {property.Value.GetRawText()}, not an integer or a list of integers", source, "labels");
            }

            definitions.Add(Define(property.Name, values, source));
        }

        try
        {
            return new LabelSet(definitions);
        }
        catch (ArgumentException ex)
        {
            throw new MedVoxException(ex.Message.Split(" (Parameter", 2)[0], source, "labels");
        }
    }

    public IEnumerator<LabelDefinition> GetEnumerator() => ((IEnumerable<LabelDefinition>)_labels).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _labels.GetEnumerator();

    private static LabelDefinition Define(string name, List<long> values, string? source)
    {
        try
        {
            return new LabelDefinition(name, values);
        }
        catch (ArgumentException ex)
        {
            throw new MedVoxException(ex.Message.Split(" (Parameter", 2)[0], source, "labels");
        }
    }
}
