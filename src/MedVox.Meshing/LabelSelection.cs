using System.Globalization;
using MedVox.IO.Datasets;

namespace MedVox.Meshing;

/// <summary>
/// Which labels <c>medvox mesh</c> turns into surfaces, and their names: names come from the dataset.json beside the
/// label map or in its parent folder (nnU-Net/Decathlon layout: labelsTr/CASE.nii.gz), or from name=value pairs;
/// a value without a name is called label_N.
/// </summary>
public static class LabelSelection
{
    /// <summary>The labels (background excluded) of the dataset.json next to the label map or one folder up; empty when there is none.</summary>
    public static (IReadOnlyList<MeshLabel> Labels, string? Source) DeclaredLabels(string labelMapPath)
    {
        ArgumentNullException.ThrowIfNull(labelMapPath);
        string folder = Path.GetDirectoryName(Path.GetFullPath(labelMapPath)) ?? ".";
        foreach (string candidate in new[] { Path.Combine(folder, DatasetDescription.FileName), Path.Combine(folder, "..", DatasetDescription.FileName) })
        {
            if (File.Exists(candidate))
            {
                var description = DatasetDescription.Load(candidate);
                var labels = new List<MeshLabel>();
                foreach (var label in description.Labels)
                {
                    var values = label.Values.Where(v => v != 0).Select(v => (long)v).ToList();
                    if (values.Count > 0)
                    {
                        labels.Add(new MeshLabel(label.Name, values));
                    }
                }

                return (labels, Path.GetFullPath(candidate));
            }
        }

        return ([], null);
    }

    /// <summary>
    /// Resolves <c>--labels</c>: null or "all" selects every declared label and every value present; otherwise a comma
    /// list of names, values, and name=value pairs (a pair names a value; given alone, pairs are the selection).
    /// Unknown names and values that neither occur in the map nor are declared throw <see cref="MedVoxException"/>.
    /// </summary>
    public static IReadOnlyList<MeshLabel> Resolve(string? text, IReadOnlyList<MeshLabel> declared, LabelInventory inventory, string? file = null)
    {
        ArgumentNullException.ThrowIfNull(declared);
        ArgumentNullException.ThrowIfNull(inventory);
        var definitions = new List<MeshLabel>(declared);
        var tokens = (text ?? "all").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (tokens.Length == 0)
        {
            throw new MedVoxException("--labels is empty", file, "--labels", "give names (liver,kidney_left), values (1,3), name=value pairs, or all");
        }

        var pairs = new List<MeshLabel>();
        foreach (string token in tokens)
        {
            int eq = token.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                continue;
            }

            string name = token[..eq].Trim();
            if (name.Length == 0 || !long.TryParse(token[(eq + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) || value < 1)
            {
                throw new MedVoxException($"'{token}' is not a name=value pair with a value of 1 or more", file, "--labels", "write pairs such as liver=1,spleen=2");
            }

            var pair = new MeshLabel(name, value);
            definitions.RemoveAll(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase) || (d.Values.Count == 1 && d.Values[0] == value));
            definitions.Add(pair);
            pairs.Add(pair);
        }

        var selected = new List<MeshLabel>();
        bool selectedAny = false;
        foreach (string token in tokens)
        {
            if (token.Contains('=', StringComparison.Ordinal))
            {
                continue;
            }

            selectedAny = true;
            if (string.Equals(token, "all", StringComparison.OrdinalIgnoreCase))
            {
                selected.AddRange(All(definitions, inventory));
            }
            else if (long.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value))
            {
                selected.Add(ByValue(value, definitions, inventory, file));
            }
            else
            {
                selected.Add(definitions.FirstOrDefault(d => string.Equals(d.Name, token, StringComparison.OrdinalIgnoreCase))
                    ?? throw new MedVoxException($"no label is named '{token}'", file, "--labels",
                        definitions.Count == 0
                            ? "no dataset.json was found next to the label map; name values with pairs such as liver=1, or give values"
                            : $"known names: {string.Join(", ", definitions.Select(d => d.Name))}"));
            }
        }

        if (!selectedAny)
        {
            selected.AddRange(pairs);
        }

        // Each structure once, in the order asked.
        var unique = new List<MeshLabel>();
        foreach (var label in selected)
        {
            if (!unique.Any(u => u.Name == label.Name))
            {
                unique.Add(label);
            }
        }

        return unique;
    }

    private static IEnumerable<MeshLabel> All(List<MeshLabel> definitions, LabelInventory inventory)
    {
        var covered = new HashSet<long>();
        foreach (var definition in definitions)
        {
            covered.UnionWith(definition.Values);
            yield return definition;
        }

        foreach (long value in inventory.Values)
        {
            if (!covered.Contains(value))
            {
                yield return new MeshLabel(MeshLabel.DefaultName(value), value);
            }
        }
    }

    private static MeshLabel ByValue(long value, List<MeshLabel> definitions, LabelInventory inventory, string? file)
    {
        if (value == 0)
        {
            throw new MedVoxException("label 0 is the background and has no surface", file, "--labels", "select labels 1 and above");
        }

        var named = definitions.FirstOrDefault(d => d.Values.Count == 1 && d.Values[0] == value);
        if (named is not null)
        {
            return named;
        }

        if (!inventory.Extents.ContainsKey(value))
        {
            string present = inventory.Values.Count == 0 ? "none: the map is all background" : string.Join(", ", inventory.Values);
            throw new MedVoxException($"label {value} does not occur in the label map (values present: {present})", file, "--labels",
                "choose values that occur, or names from the dataset.json");
        }

        return new MeshLabel(MeshLabel.DefaultName(value), value);
    }
}
