using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Core.Tests.Imaging;

public class ImageConversionTests
{
    [Fact]
    public void AppliesSlopeAndInterceptAndSaturatesIntegers()
    {
        using var source = Image.FromPixels<short>(new ImageGeometry(ImageSize.Of2D(4, 1)), [0, 1000, -2000, 30000]);

        using var floats = source.ConvertTo(ElementType.Float32, slope: 0.5, intercept: -1024);
        using var bytes = source.ConvertTo(ElementType.UInt8);

        Assert.Equal([-1024f, -524f, -2024f, 13976f], floats.AsSpan<float>().ToArray());
        Assert.Equal([(byte)0, 255, 0, 255], bytes.AsSpan<byte>().ToArray());
        Assert.True(floats.Geometry.IsEquivalent(source.Geometry));
    }
}
