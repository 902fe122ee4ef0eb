namespace MedVox.Synthetic.Rendering;

/// <summary>A value that varies in space (tissue texture, gravity-dependent contents).</summary>
internal abstract class ValueField
{
    public abstract float Value(double x, double y, double z);

    /// <summary>Values along a row of points (x0 + i * dx, y, z).</summary>
    public virtual void ValueRow(double y, double z, double x0, double dx, Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Value(x0 + (i * dx), y, z);
        }
    }
}

/// <summary>
/// One material painted inside a shape shrunk by <see cref="Inset"/> mm: its value (or a texture), and the label its
/// voxels get (<see cref="Structure.KeepLabel"/> leaves the label of what lies beneath).
/// </summary>
internal sealed record Layer(double Inset, float Value, byte Label, ValueField? Texture = null);

/// <summary>
/// A shape painted in layers from the outside in (a bone: cortex, then marrow), each over what was painted before, so
/// that the paint order is the label priority and partial volume mixes with whatever lies beneath.
/// </summary>
internal sealed class Structure
{
    public const byte KeepLabel = 255;

    public Structure(string name, Shape shape, params Layer[] layers)
    {
        if (layers.Length == 0)
        {
            throw new ArgumentException("A structure needs at least one layer.", nameof(layers));
        }

        for (int i = 1; i < layers.Length; i++)
        {
            if (layers[i].Inset < layers[i - 1].Inset)
            {
                throw new ArgumentException("Layers go from the outside in: insets must not decrease.", nameof(layers));
            }
        }

        int textured = 0;
        foreach (var layer in layers)
        {
            textured += layer.Texture is null ? 0 : 1;
        }

        if (textured > 1)
        {
            throw new ArgumentException("At most one layer of a structure has a texture.", nameof(layers));
        }

        Name = name;
        Shape = shape;
        LayerArray = layers;
    }

    public Structure(string name, Shape shape, float value, byte label)
        : this(name, shape, new Layer(0, value, label))
    {
    }

    public string Name { get; }

    public Shape Shape { get; }

    public IReadOnlyList<Layer> Layers => LayerArray;

    internal Layer[] LayerArray { get; }
}
