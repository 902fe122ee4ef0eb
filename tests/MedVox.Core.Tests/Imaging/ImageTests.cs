using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Memory;
using MedVox.Testing;

namespace MedVox.Core.Tests.Imaging;

public class ImageTests
{
    [Fact]
    public void RowsAreXFastestWithInterleavedChannels()
    {
        using var image = Image.Create(new ImageGeometry(ImageSize.Of2D(3, 2)), ElementType.UInt8, channels: 3);
        image.SetValue(2, 1, 0, 200, channel: 1);

        var row = image.GetRow<byte>(1);

        Assert.Equal(9, row.Length);
        Assert.Equal(200, row[(2 * 3) + 1]);
        Assert.Equal(200, image.AsSpan<byte>()[(1 * 9) + 7]);
    }

    [Fact]
    public void TypedAccessChecksTheElementType()
    {
        using var image = Image.Create(new ImageGeometry(ImageSize.Of3D(2, 2, 2)), ElementType.Int16);
        Assert.Throws<InvalidOperationException>(() => image.GetRow<float>(0, 0));
    }

    [Fact]
    public void CropIsAViewThatSharesPixelsAndKeepsPhysicalPositions()
    {
        using var image = TestImages.Pattern(ElementType.Int16, ImageSize.Of3D(6, 5, 4));
        using var view = image.Crop(new Index3(1, 2, 1), ImageSize.Of3D(3, 2, 2));

        Assert.False(view.IsContiguous);
        Assert.Equal(image.GetValue(2, 3, 2), view.GetValue(1, 1, 1));
        Assert.True(Vector3D.MaxAbsDifference(image.Geometry.IndexToPhysical(2, 3, 2), view.Geometry.IndexToPhysical(1, 1, 1)) < 1e-9);

        view.SetValue(0, 0, 0, 1234);
        Assert.Equal(1234, image.GetValue(1, 2, 1));
    }

    [Fact]
    public void CropOutsideTheImageIsRejected()
    {
        using var image = Image.Create(new ImageGeometry(ImageSize.Of3D(4, 4, 4)), ElementType.UInt8);
        Assert.Throws<ArgumentOutOfRangeException>(() => image.Crop(new Index3(2, 0, 0), ImageSize.Of3D(3, 1, 1)));
    }

    [Fact]
    public void ViewKeepsThePixelsAliveAfterTheParentIsDisposed()
    {
        var image = TestImages.Pattern(ElementType.Float32, ImageSize.Of3D(4, 4, 4));
        double expected = image.GetValue(3, 3, 3);
        using var view = image.Crop(new Index3(2, 2, 2), ImageSize.Of3D(2, 2, 2));
        image.Dispose();

        Assert.Equal(expected, view.GetValue(1, 1, 1));
        Assert.Throws<ObjectDisposedException>(() => image.GetRow<float>(0, 0));
    }

    [Fact]
    public void CloneOfAViewIsContiguousAndEqual()
    {
        using var image = TestImages.Pattern(ElementType.UInt16, ImageSize.Of3D(7, 6, 5));
        using var view = image.Crop(new Index3(1, 1, 1), ImageSize.Of3D(4, 3, 2));
        using var clone = view.Clone();

        Assert.True(clone.IsContiguous);
        ImageAssert.Identical(view, clone);
    }

    [Fact]
    public void MappedImageHasTheSameApiAsAnImageInMemory()
    {
        using var folder = TestData.CreateTempFolder();
        var mapped = new AllocationOptions { Mode = AllocationMode.Mapped, ScratchDirectory = folder.Path };
        using var source = TestImages.Pattern(ElementType.Int32, ImageSize.Of3D(9, 8, 7));
        using var copy = source.Clone(mapped);

        Assert.True(copy.IsMapped);
        Assert.Single(Directory.GetFiles(folder.Path));
        ImageAssert.Identical(source, copy);

        copy.Dispose();
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void AutoAllocationMapsBuffersAboveTheMemoryLimit()
    {
        using var folder = TestData.CreateTempFolder();
        var options = new AllocationOptions { MemoryLimitBytes = 1000, ScratchDirectory = folder.Path };

        using var small = Image.Create(new ImageGeometry(ImageSize.Of3D(10, 10, 10)), ElementType.UInt8, allocation: options);
        using var large = Image.Create(new ImageGeometry(ImageSize.Of3D(10, 10, 11)), ElementType.UInt8, allocation: options);

        Assert.False(small.IsMapped);
        Assert.True(large.IsMapped);
    }

    [Fact]
    public void FileMappedCopyOnWriteLeavesTheFileUnchanged()
    {
        using var folder = TestData.CreateTempFolder();
        string path = folder.File("pixels.raw");
        var bytes = Enumerable.Range(0, 64 + 27).Select(i => (byte)i).ToArray();
        File.WriteAllBytes(path, bytes);

        using (var image = Image.Wrap(new ImageGeometry(ImageSize.Of3D(3, 3, 3)), ElementType.UInt8, 1, MappedPixelBuffer.OpenFile(path, 64, 27)))
        {
            Assert.Equal(64 + 13, image.GetValue(1, 1, 1));
            image.SetValue(1, 1, 1, 0);
            Assert.Equal(0, image.GetValue(1, 1, 1));
        }

        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void MappingPastTheEndOfAFileIsAClearError()
    {
        using var folder = TestData.CreateTempFolder();
        string path = folder.File("short.raw");
        File.WriteAllBytes(path, new byte[10]);

        var error = Assert.Throws<InvalidImageFileException>(() => MappedPixelBuffer.OpenFile(path, 0, 27));
        Assert.Contains("short.raw", error.Message, StringComparison.Ordinal);
    }
}
