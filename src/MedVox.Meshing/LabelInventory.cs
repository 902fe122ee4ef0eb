using System.Numerics;
using MedVox.Imaging;

namespace MedVox.Meshing;

/// <summary>Voxel count and bounding box of one label value.</summary>
public readonly record struct LabelExtent(long VoxelCount, VoxelBox Box);

/// <summary>
/// Every non-zero value of a label map with its voxel count and bounding box, from one pass over the rows (parallel
/// over slices, background runs skipped with vectorised search). Values must be non-negative integers.
/// </summary>
public sealed class LabelInventory
{
    private LabelInventory(Dictionary<long, LabelExtent> extents) => Extents = extents;

    /// <summary>Non-zero label values present, with count and box.</summary>
    public IReadOnlyDictionary<long, LabelExtent> Extents { get; }

    /// <summary>Values present, ascending.</summary>
    public IReadOnlyList<long> Values => [.. Extents.Keys.Order()];

    /// <summary>Scans a scalar 3D label map; a fractional or negative value throws <see cref="MedVoxException"/>.</summary>
    public static LabelInventory Scan(Image labels, string? file = null)
    {
        LabelMaps.Require(labels, file);
        var scan = new ScanVisitor(labels, file);
        labels.ElementType.Dispatch(ref scan);
        return new LabelInventory(scan.Result!);
    }

    private struct ScanVisitor(Image image, string? file) : IElementVisitor
    {
        public Dictionary<long, LabelExtent>? Result { get; private set; }

        public void Visit<T>()
            where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var img = image;
            string? path = file;
            var size = img.Size;
            var partial = new Dictionary<long, Accumulator>[size.Z];
            LabelMaps.ParallelFor(size.Z, z =>
            {
                var found = new Dictionary<long, Accumulator>();
                for (int y = 0; y < size.Y; y++)
                {
                    var row = img.GetRow<T>(y, z);
                    int x = 0;
                    while (x < row.Length)
                    {
                        int skip = row[x..].IndexOfAnyExcept(T.Zero);
                        if (skip < 0)
                        {
                            break;
                        }

                        x += skip;
                        T value = row[x];
                        int end = x + 1;
                        while (end < row.Length && row[end] == value)
                        {
                            end++;
                        }

                        if (T.IsNegative(value) || !T.IsInteger(value))
                        {
                            throw new MedVoxException($"is not a label map: voxel ({x}, {y}, {z}) holds {value}", path,
                                hint: "label maps hold non-negative whole numbers (0 = background); threshold or round the image first");
                        }

                        long key = long.CreateSaturating(value);
                        ref var acc = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(found, key, out bool existed);
                        if (!existed)
                        {
                            acc = new Accumulator(x, y, z);
                        }

                        acc.Add(x, end - 1, y, z);
                        x = end;
                    }
                }

                partial[z] = found;
            });

            var result = new Dictionary<long, LabelExtent>();
            var merged = new Dictionary<long, Accumulator>();
            foreach (var slice in partial)
            {
                foreach (var (key, acc) in slice)
                {
                    merged[key] = merged.TryGetValue(key, out var before) ? before.Merge(acc) : acc;
                }
            }

            foreach (var (key, acc) in merged)
            {
                result[key] = new LabelExtent(acc.Count, new VoxelBox(acc.MinX, acc.MinY, acc.MinZ, acc.MaxX, acc.MaxY, acc.MaxZ));
            }

            Result = result;
        }
    }

    private struct Accumulator(int x, int y, int z)
    {
        public long Count;
        public int MinX = x, MinY = y, MinZ = z, MaxX = x, MaxY = y, MaxZ = z;

        public void Add(int x0, int x1, int y, int z)
        {
            Count += x1 - x0 + 1;
            MinX = Math.Min(MinX, x0);
            MaxX = Math.Max(MaxX, x1);
            MinY = Math.Min(MinY, y);
            MaxY = Math.Max(MaxY, y);
            MinZ = Math.Min(MinZ, z);
            MaxZ = Math.Max(MaxZ, z);
        }

        public readonly Accumulator Merge(Accumulator other) => new(Math.Min(MinX, other.MinX), Math.Min(MinY, other.MinY), Math.Min(MinZ, other.MinZ))
        {
            Count = Count + other.Count,
            MaxX = Math.Max(MaxX, other.MaxX),
            MaxY = Math.Max(MaxY, other.MaxY),
            MaxZ = Math.Max(MaxZ, other.MaxZ),
        };
    }
}
