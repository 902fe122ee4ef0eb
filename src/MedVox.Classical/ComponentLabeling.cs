using MedVox.Imaging;

namespace MedVox.Classical;

/// <summary>
/// The result of <see cref="ConnectedComponents.Label"/>: a label image (int32, 0 for background, components numbered
/// from 1 in raster order of their first voxel, as scipy.ndimage.label does) and the components' measurements.
/// Disposing it disposes the label image.
/// </summary>
public sealed class ComponentLabeling : IDisposable
{
    private readonly RunLabeling _runs;

    internal ComponentLabeling(Image labels, IReadOnlyList<Component> components, RunLabeling runs)
    {
        Labels = labels;
        Components = components;
        _runs = runs;
    }

    /// <summary>Label of each voxel, in the mask's geometry.</summary>
    public Image Labels { get; }

    /// <summary>The components; component <c>k</c> (label k) is at index k - 1.</summary>
    public IReadOnlyList<Component> Components { get; }

    public int Count => Components.Count;

    /// <summary>The component with the most voxels (the first in raster order among equals); null when there is none.</summary>
    public Component? Largest
    {
        get
        {
            Component? best = null;
            foreach (var component in Components)
            {
                if (best is null || component.VoxelCount > best.VoxelCount)
                {
                    best = component;
                }
            }

            return best;
        }
    }

    /// <summary>A uint8 mask (0/1) of the components for which <paramref name="keep"/> is true.</summary>
    public Image MaskOf(Func<Component, bool> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        var selected = new bool[Components.Count + 1];
        foreach (var component in Components)
        {
            selected[component.Label] = keep(component);
        }

        var mask = new BinaryMask(Labels.Geometry);
        _runs.Paint(mask.Voxels, selected);
        return mask.ToImage();
    }

    public void Dispose() => Labels.Dispose();
}
