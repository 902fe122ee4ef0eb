using System.Numerics;
using MedVox.Imaging;

namespace MedVox.Evaluation.Segmentation;

/// <summary>An axis-aligned voxel box, inclusive bounds; empty when <see cref="MinX"/> &gt; <see cref="MaxX"/>.</summary>
internal readonly record struct VoxelBox(int MinX, int MaxX, int MinY, int MaxY, int MinZ, int MaxZ)
{
    public static VoxelBox Empty => new(int.MaxValue, int.MinValue, int.MaxValue, int.MinValue, int.MaxValue, int.MinValue);

    public bool IsEmpty => MinX > MaxX;

    public int SizeX => MaxX - MinX + 1;

    public int SizeY => MaxY - MinY + 1;

    public int SizeZ => MaxZ - MinZ + 1;

    public long VoxelCount => IsEmpty ? 0 : (long)SizeX * SizeY * SizeZ;

    public VoxelBox Union(VoxelBox other) => new(
        Math.Min(MinX, other.MinX), Math.Max(MaxX, other.MaxX),
        Math.Min(MinY, other.MinY), Math.Max(MaxY, other.MaxY),
        Math.Min(MinZ, other.MinZ), Math.Max(MaxZ, other.MaxZ));
}

/// <summary>Maps label-map values to dense indices: 0 for the background, 1..K for declared values, <see cref="Undeclared"/> otherwise.</summary>
internal sealed class LabelValueIndex
{
    public const ushort Undeclared = ushort.MaxValue;

    private const int MaxLookup = 1 << 16;

    private readonly ushort[] _lookup;
    private readonly Dictionary<long, ushort> _others = [];

    public LabelValueIndex(LabelSet labels)
    {
        Binary = labels.IsBinary;
        var values = labels.DeclaredValues.Where(v => v != 0).ToArray();
        if (values.Length >= Undeclared)
        {
            throw new ArgumentException($"{values.Length} label values are more than the {Undeclared - 1} supported.", nameof(labels));
        }

        long largest = values.Length == 0 ? 0 : values.Max();
        _lookup = new ushort[(int)Math.Clamp(largest + 1, 256, MaxLookup)];
        Array.Fill(_lookup, Undeclared);
        _lookup[0] = 0;
        Values = new long[values.Length + 1];
        for (int i = 0; i < values.Length; i++)
        {
            ushort index = (ushort)(i + 1);
            Values[index] = values[i];
            if ((ulong)values[i] < (ulong)_lookup.Length)
            {
                _lookup[values[i]] = index;
            }
            else
            {
                _others[values[i]] = index;
            }
        }
    }

    /// <summary>Every non-zero value is index 1 (binary masks).</summary>
    public bool Binary { get; }

    /// <summary>The number of indices in use: background plus declared values.</summary>
    public int Count => Values.Length;

    /// <summary>The label-map value of each index.</summary>
    public long[] Values { get; }

    public ushort IndexOf(long value)
    {
        if (Binary)
        {
            return value == 0 ? (ushort)0 : (ushort)1;
        }

        if ((ulong)value < (ulong)_lookup.Length)
        {
            return _lookup[value];
        }

        return _others.TryGetValue(value, out ushort index) ? index : Undeclared;
    }

    /// <summary>A table over all indices: 1 where the index belongs to <paramref name="label"/>.</summary>
    public byte[] MembersOf(LabelDefinition label)
    {
        var members = new byte[MaxLookup];
        if (Binary)
        {
            members[1] = 1;
            return members;
        }

        foreach (long value in label.Values)
        {
            ushort index = IndexOf(value);
            if (index != Undeclared && index != 0)
            {
                members[index] = 1;
            }
        }

        return members;
    }
}

/// <summary>
/// A label map reduced to value indices (one ushort per voxel, x fastest), with the voxel count and bounding box of
/// each index and a record of values that are not declared or not integers.
/// </summary>
internal sealed class LabelVolume
{
    private const int MaxReportedValues = 8;

    private LabelVolume(ushort[] indices, int count)
    {
        Indices = indices;
        Counts = new long[count];
        Boxes = new VoxelBox[count];
        Array.Fill(Boxes, VoxelBox.Empty);
    }

    public ushort[] Indices { get; }

    /// <summary>Voxels per index.</summary>
    public long[] Counts { get; }

    /// <summary>Bounding box per index (the background's is not tracked).</summary>
    public VoxelBox[] Boxes { get; }

    /// <summary>Undeclared values (the first few by value) and their voxel counts.</summary>
    public SortedDictionary<long, long> UndeclaredValues { get; } = [];

    public long UndeclaredVoxels { get; private set; }

    public long NonIntegerVoxels { get; private set; }

    public double FirstNonIntegerValue { get; private set; } = double.NaN;

    public static LabelVolume Read(Image image, LabelValueIndex index)
    {
        var volume = new LabelVolume(new ushort[image.Size.VoxelCount], index.Count);
        var reader = new Reader(image, index, volume);
        image.ElementType.Dispatch(ref reader);
        return volume;
    }

    private void Merge(long[] counts, int[] bounds, int z, SliceExtras? extras)
    {
        lock (Counts)
        {
            for (int i = 1; i < counts.Length; i++)
            {
                if (counts[i] == 0)
                {
                    continue;
                }

                Counts[i] += counts[i];
                var slice = new VoxelBox(bounds[4 * i], bounds[(4 * i) + 1], bounds[(4 * i) + 2], bounds[(4 * i) + 3], z, z);
                Boxes[i] = Boxes[i].Union(slice);
            }

            if (extras is null)
            {
                return;
            }

            UndeclaredVoxels += extras.UndeclaredVoxels;
            foreach (var (value, count) in extras.Undeclared)
            {
                if (UndeclaredValues.TryGetValue(value, out long known))
                {
                    UndeclaredValues[value] = known + count;
                }
                else if (UndeclaredValues.Count < MaxReportedValues)
                {
                    UndeclaredValues[value] = count;
                }
            }

            if (extras.NonIntegerVoxels > 0 && NonIntegerVoxels == 0)
            {
                FirstNonIntegerValue = extras.FirstNonInteger;
            }

            NonIntegerVoxels += extras.NonIntegerVoxels;
        }
    }

    /// <summary>What a slice found beyond declared values (rare, so allocated only when needed).</summary>
    private sealed class SliceExtras
    {
        public Dictionary<long, long> Undeclared { get; } = [];

        public long UndeclaredVoxels { get; set; }

        public long NonIntegerVoxels { get; set; }

        public double FirstNonInteger { get; set; } = double.NaN;
    }

    private readonly struct Reader(Image image, LabelValueIndex index, LabelVolume volume) : IElementVisitor
    {
        public void Visit<T>()
            where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var source = image;
            var map = index;
            var target = volume;
            Parallel.For(0, source.Size.Z, z => ReadSlice<T>(source, map, target, z));
        }

        private static void ReadSlice<T>(Image source, LabelValueIndex map, LabelVolume target, int z)
            where T : unmanaged, INumber<T>
        {
            int nx = source.Size.X, ny = source.Size.Y;
            var counts = new long[map.Count];
            var bounds = new int[4 * map.Count];
            for (int i = 0; i < map.Count; i++)
            {
                bounds[4 * i] = int.MaxValue;
                bounds[(4 * i) + 1] = int.MinValue;
                bounds[(4 * i) + 2] = int.MaxValue;
                bounds[(4 * i) + 3] = int.MinValue;
            }

            SliceExtras? extras = null;
            bool binary = map.Binary;
            for (int y = 0; y < ny; y++)
            {
                ReadOnlySpan<T> row = source.GetRow<T>(y, z);
                var destination = target.Indices.AsSpan((int)((((long)z * ny) + y) * nx), row.Length);
                for (int x = 0; x < row.Length; x++)
                {
                    T value = row[x];
                    if (T.IsZero(value))
                    {
                        destination[x] = 0;
                        continue;
                    }

                    long label;
                    if (typeof(T) == typeof(float) || typeof(T) == typeof(double))
                    {
                        double real = double.CreateTruncating(value);
                        if (real != Math.Floor(real) || !double.IsFinite(real) || Math.Abs(real) > 1e15)
                        {
                            extras ??= new SliceExtras();
                            if (extras.NonIntegerVoxels == 0)
                            {
                                extras.FirstNonInteger = real;
                            }

                            extras.NonIntegerVoxels++;
                            destination[x] = LabelValueIndex.Undeclared;
                            continue;
                        }

                        label = (long)real;
                    }
                    else
                    {
                        label = long.CreateTruncating(value);
                    }

                    ushort i = binary ? (ushort)1 : map.IndexOf(label);
                    destination[x] = i;
                    if (i == LabelValueIndex.Undeclared)
                    {
                        extras ??= new SliceExtras();
                        extras.UndeclaredVoxels++;
                        extras.Undeclared[label] = extras.Undeclared.GetValueOrDefault(label) + 1;
                        continue;
                    }

                    counts[i]++;
                    int b = 4 * i;
                    bounds[b] = Math.Min(bounds[b], x);
                    bounds[b + 1] = Math.Max(bounds[b + 1], x);
                    bounds[b + 2] = Math.Min(bounds[b + 2], y);
                    bounds[b + 3] = y;
                }
            }

            target.Merge(counts, bounds, z, extras);
        }
    }
}
