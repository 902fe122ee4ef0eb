using System.Numerics;
using MedVox.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace MedVox.Learning.Data;

/// <summary>
/// Moves pixels between images and float32 tensors laid out as networks expect: [C, Z, Y, X] for volumes and
/// [C, Y, X] for 2D images (channel first, x fastest as in the image). Geometry stays with the image; a tensor made
/// from an image is turned back with <see cref="ToImage"/> using that image's geometry.
/// </summary>
public static class ImageTensors
{
    /// <summary>A float32 tensor of the image's values (one frame of a 4D image), on <paramref name="device"/>.</summary>
    public static Tensor ToTensor(Image image, Device? device = null, int frame = 0)
    {
        ArgumentNullException.ThrowIfNull(image);
        var size = image.Size;
        long[] shape = size.Rank == 2 ? [image.Channels, size.Y, size.X] : [image.Channels, size.Z, size.Y, size.X];
        using var scope = NewDisposeScope();
        var host = empty(shape, ScalarType.Float32);
        var visitor = new ToTensorVisitor(image, host, frame);
        image.ElementType.Dispatch(ref visitor);
        var result = device is null || device.type == DeviceType.CPU ? host : host.to(device);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// An image of <paramref name="type"/> with the geometry of <paramref name="like"/> holding the values of
    /// <paramref name="tensor"/> ([C, Z, Y, X] or [C, Y, X], or without the channel axis for one channel).
    /// </summary>
    public static Image ToImage(Tensor tensor, Image like, ElementType type = ElementType.Float32)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(like);
        var size = like.Size;
        long voxels = size.VoxelsPerFrame;
        int channels = (int)(tensor.numel() / voxels);
        if (channels < 1 || channels * voxels != tensor.numel())
        {
            throw new ArgumentException($"A tensor of shape [{string.Join(", ", tensor.shape)}] does not fit an image of size {size}.", nameof(tensor));
        }

        using var scope = NewDisposeScope();
        var host = tensor.detach().to(CPU).to_type(ScalarType.Float32).contiguous();
        var frame = like.Geometry.WithSize(new ImageSize(size.X, size.Y, size.Z, 1, Math.Min(size.Rank, 3)));
        var image = Image.Create(frame, type, channels);
        var visitor = new ToImageVisitor(host, image);
        type.Dispatch(ref visitor);
        return image;
    }

    private readonly struct ToTensorVisitor(Image image, Tensor target, int frame) : IElementVisitor
    {
        public void Visit<T>()
            where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var size = image.Size;
            int channels = image.Channels;
            var accessor = target.data<float>();
            var row = new float[size.X];
            for (int z = 0; z < size.Z; z++)
            {
                for (int y = 0; y < size.Y; y++)
                {
                    var source = image.GetRow<T>(y, z, frame);
                    for (int c = 0; c < channels; c++)
                    {
                        for (int x = 0; x < size.X; x++)
                        {
                            row[x] = float.CreateTruncating(source[(x * channels) + c]);
                        }

                        long offset = (((((long)c * size.Z) + z) * size.Y) + y) * size.X;
                        accessor.CopyFrom(row, 0, offset);
                    }
                }
            }
        }
    }

    private readonly struct ToImageVisitor(Tensor source, Image target) : IElementVisitor
    {
        public void Visit<T>()
            where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var size = target.Size;
            int channels = target.Channels;
            bool integer = !target.ElementType.IsFloatingPoint();
            var accessor = source.data<float>();
            var row = new float[size.X];
            for (int z = 0; z < size.Z; z++)
            {
                for (int y = 0; y < size.Y; y++)
                {
                    var destination = target.GetRow<T>(y, z);
                    for (int c = 0; c < channels; c++)
                    {
                        long offset = (((((long)c * size.Z) + z) * size.Y) + y) * size.X;
                        accessor.CopyTo(row, 0, offset);
                        for (int x = 0; x < size.X; x++)
                        {
                            destination[(x * channels) + c] = integer ? T.CreateSaturating(MathF.Round(row[x])) : T.CreateTruncating(row[x]);
                        }
                    }
                }
            }
        }
    }
}
