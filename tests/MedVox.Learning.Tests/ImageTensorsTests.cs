using MedVox.Imaging;
using MedVox.Learning.Data;
using MedVox.Learning.Runtime;
using MedVox.Testing;
using static TorchSharp.torch;

namespace MedVox.Learning.Tests;

public class ImageTensorsTests
{
    [Fact]
    public void VolumeBecomesChannelFirstTensorAndBack()
    {
        using var image = TestImages.Pattern(ElementType.Int16, ImageSize.Of3D(5, 4, 3), channels: 2);
        long before = TensorAccounting.LiveTensors;

        using (var scope = NewDisposeScope())
        {
            var tensor = ImageTensors.ToTensor(image);
            Assert.Equal(new long[] { 2, 3, 4, 5 }, tensor.shape);
            Assert.Equal((float)image.GetValue(4, 3, 2, channel: 1), tensor[1, 2, 3, 4].item<float>());

            using var back = ImageTensors.ToImage(tensor, image, ElementType.Int16);
            ImageAssert.Identical(image, back);
        }

        Assert.Equal(before, TensorAccounting.LiveTensors);
    }

    [Fact]
    public void TwoDimensionalImagesHaveNoDepthAxis()
    {
        using var image = TestImages.Pattern(ElementType.Float32, ImageSize.Of2D(6, 3));
        using var scope = NewDisposeScope();

        var tensor = ImageTensors.ToTensor(image);

        Assert.Equal(new long[] { 1, 3, 6 }, tensor.shape);
        Assert.Equal((float)image.GetValue(5, 2), tensor[0, 2, 5].item<float>());
    }
}
