using System.Numerics;

namespace MedVox.Imaging;

/// <summary>Element type conversion with an optional linear map (value * slope + intercept), as formats' scaling fields need.</summary>
public static class ImageConversion
{
    /// <summary>
    /// A new image of <paramref name="target"/> type holding <c>value * slope + intercept</c> for every element; integer
    /// targets round to nearest and saturate. Geometry, colour flag and metadata are kept.
    /// </summary>
    public static Image ConvertTo(this Image source, ElementType target, double slope = 1, double intercept = 0, Memory.AllocationOptions? allocation = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var result = Image.Create(source.Geometry, target, source.Channels, allocation);
        result.IsColor = source.IsColor;
        foreach (var (key, value) in source.Metadata)
        {
            result.Metadata[key] = value;
        }

        var outer = new SourceVisitor(source, result, slope, intercept);
        source.ElementType.Dispatch(ref outer);
        return result;
    }

    private readonly struct SourceVisitor(Image source, Image result, double slope, double intercept) : IElementVisitor
    {
        public void Visit<TSource>()
            where TSource : unmanaged, INumber<TSource>, IMinMaxValue<TSource>
        {
            var inner = new TargetVisitor<TSource>(source, result, slope, intercept);
            result.ElementType.Dispatch(ref inner);
        }
    }

    private readonly struct TargetVisitor<TSource>(Image source, Image result, double slope, double intercept) : IElementVisitor
        where TSource : unmanaged, INumber<TSource>
    {
        public void Visit<TTarget>()
            where TTarget : unmanaged, INumber<TTarget>, IMinMaxValue<TTarget>
        {
            var (src, dst, a, b) = (source, result, slope, intercept);
            bool identity = a == 1 && b == 0;
            bool integerTarget = !dst.ElementType.IsFloatingPoint();
            Parallel.For(0, src.Size.Z * src.Size.T, slab =>
            {
                int z = slab % src.Size.Z, t = slab / src.Size.Z;
                for (int y = 0; y < src.Size.Y; y++)
                {
                    var input = src.GetRow<TSource>(y, z, t);
                    var output = dst.GetRow<TTarget>(y, z, t);
                    for (int i = 0; i < input.Length; i++)
                    {
                        double v = double.CreateTruncating(input[i]);
                        if (!identity)
                        {
                            v = (v * a) + b;
                        }

                        output[i] = integerTarget ? TTarget.CreateSaturating(Math.Round(v, MidpointRounding.ToEven)) : TTarget.CreateTruncating(v);
                    }
                }
            });
        }
    }
}
