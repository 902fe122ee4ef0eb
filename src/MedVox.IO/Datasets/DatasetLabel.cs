namespace MedVox.IO.Datasets;

/// <summary>
/// A named label of a segmentation dataset: one value, or several for an nnU-Net region (a region such as "whole
/// tumour" is the union of label values).
/// </summary>
public sealed record DatasetLabel(string Name, IReadOnlyList<int> Values)
{
    public DatasetLabel(string name, int value)
        : this(name, [value])
    {
    }

    public bool IsRegion => Values.Count > 1;
}
