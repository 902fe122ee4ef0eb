using MedVox.Evaluation.Segmentation;

namespace MedVox.Reporting.Snapshots;

/// <summary>Which label-map values belong to a set of labels: a table for small values, a hash set beyond.</summary>
internal sealed class LabelLookup
{
    private const long DenseLimit = 1 << 16;
    private readonly bool _anyNonZero;
    private readonly bool[] _dense = new bool[DenseLimit];
    private readonly HashSet<long> _sparse = [];

    private LabelLookup(bool anyNonZero) => _anyNonZero = anyNonZero;

    /// <summary>The values of <paramref name="drawn"/> (every non-zero value for a binary label set).</summary>
    public static LabelLookup For(LabelSet labels, IEnumerable<LabelDefinition> drawn)
    {
        var lookup = new LabelLookup(labels.IsBinary);
        foreach (var label in drawn)
        {
            foreach (long value in label.Values)
            {
                lookup.Add(value);
            }
        }

        return lookup;
    }

    public bool Contains(double value)
    {
        if (double.IsNaN(value))
        {
            return false;
        }

        if (_anyNonZero)
        {
            return value != 0;
        }

        long v = (long)Math.Round(value);
        return v is >= 0 and < DenseLimit ? _dense[v] : _sparse.Contains(v);
    }

    private void Add(long value)
    {
        if (value is >= 0 and < DenseLimit)
        {
            _dense[value] = true;
        }
        else
        {
            _sparse.Add(value);
        }
    }
}
