using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Core.Tests.Imaging;

public class ImageStatisticsTests
{
    [Fact]
    public void MatchesADirectComputation()
    {
        using var image = TestImages.Pattern(ElementType.Int16, ImageSize.Of3D(13, 11, 7));
        var values = new List<double>();
        for (int z = 0; z < 7; z++)
        {
            for (int y = 0; y < 11; y++)
            {
                for (int x = 0; x < 13; x++)
                {
                    values.Add(image.GetValue(x, y, z));
                }
            }
        }

        var stats = ImageStatistics.Compute(image);

        double mean = values.Average();
        Assert.Equal(values.Min(), stats.Min);
        Assert.Equal(values.Max(), stats.Max);
        Assert.Equal(mean, stats.Mean, 9);
        Assert.Equal(Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Count), stats.StandardDeviation, 6);
        Assert.Equal(values.Count, stats.Count);
    }

    [Fact]
    public void IgnoresNaN()
    {
        using var image = Image.FromPixels<float>(new MedVox.Geometry.ImageGeometry(ImageSize.Of2D(4, 1)), [1f, float.NaN, 3f, 5f]);

        var stats = ImageStatistics.Compute(image);

        Assert.Equal(3, stats.Count);
        Assert.Equal(3, stats.Mean, 12);
    }
}
