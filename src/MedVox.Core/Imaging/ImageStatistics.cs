using System.Numerics;

namespace MedVox.Imaging;

/// <summary>Minimum, maximum, mean and standard deviation over all finite elements of an image.</summary>
public readonly record struct ImageStatistics(double Min, double Max, double Mean, double StandardDeviation, long Count)
{
    /// <summary>Computes the statistics in one pass, in parallel over slices (NaN and infinities are ignored).</summary>
    public static ImageStatistics Compute(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var visitor = new Visitor(image);
        image.ElementType.Dispatch(ref visitor);
        return visitor.Result;
    }

    private struct Visitor(Image image) : IElementVisitor
    {
        public ImageStatistics Result;

        public void Visit<T>()
            where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var source = image;
            int slabs = source.Size.Z * source.Size.T;
            var partial = new RunningMoments[slabs];
            Parallel.For(0, slabs, slab =>
            {
                int z = slab % source.Size.Z, t = slab / source.Size.Z;
                var acc = RunningMoments.Empty;
                for (int y = 0; y < source.Size.Y; y++)
                {
                    acc.Add(source.GetRow<T>(y, z, t));
                }

                partial[slab] = acc;
            });

            var total = RunningMoments.Empty;
            foreach (var p in partial)
            {
                total.Merge(p);
            }

            Result = total.ToStatistics();
        }
    }
}
