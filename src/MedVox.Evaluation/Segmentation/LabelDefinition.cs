namespace MedVox.Evaluation.Segmentation;

/// <summary>
/// A structure to evaluate: its name and the label-map values that make it up (one value for a plain label; several
/// for an nnU-Net region such as "whole tumour" = 1, 2, 3). Value 0 alone is the background, which is never evaluated.
/// </summary>
public sealed record LabelDefinition
{
    public LabelDefinition(string name, IReadOnlyList<long> values)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException($"Label '{name}' declares no values.", nameof(values));
        }

        if (values.Count > 1 && values.Contains(0))
        {
            throw new ArgumentException($"Label '{name}' mixes the background value 0 with other values.", nameof(values));
        }

        Name = name;
        Values = [.. values.Distinct().Order()];
    }

    public LabelDefinition(string name, long value)
        : this(name, [value])
    {
    }

    public string Name { get; }

    /// <summary>The label-map values, sorted and distinct.</summary>
    public IReadOnlyList<long> Values { get; }

    /// <summary>True for the background (value 0 alone), which is allowed in every label map but not evaluated.</summary>
    public bool IsBackground => Values is [0];

    public bool Equals(LabelDefinition? other) =>
        other is not null && Name == other.Name && Values.SequenceEqual(other.Values);

    public override int GetHashCode() => HashCode.Combine(Name, Values.Count, Values[0]);

    public override string ToString() => $"{Name} = {string.Join("|", Values)}";
}
