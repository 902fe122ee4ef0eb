using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MedVox.Learning.Networks;

/// <summary>
/// Factories for layers whose class depends on the number of spatial dimensions, so that networks are written once for
/// 2D and 3D (MONAI's Conv[Conv.CONV, dims] idea). Kernel sizes and strides are per axis (anisotropic allowed), in the
/// order of the tensor's spatial axes (z, y, x for volumes; y, x for slices).
/// </summary>
public static class Layers
{
    public static Module<Tensor, Tensor> Convolution(int dims, long inChannels, long outChannels, IReadOnlyList<int> kernel, IReadOnlyList<int> stride, bool bias = true)
    {
        CheckAxes(dims, kernel, nameof(kernel));
        CheckAxes(dims, stride, nameof(stride));
        return dims switch
        {
            2 => Conv2d(inChannels, outChannels, (kernel[0], kernel[1]), (stride[0], stride[1]), (kernel[0] / 2, kernel[1] / 2), bias: bias),
            3 => Conv3d(inChannels, outChannels, (kernel[0], kernel[1], kernel[2]), (stride[0], stride[1], stride[2]), (kernel[0] / 2, kernel[1] / 2, kernel[2] / 2), bias: bias),
            _ => throw new ArgumentOutOfRangeException(nameof(dims), $"Networks are 2D or 3D, not {dims}D."),
        };
    }

    /// <summary>Transposed convolution with kernel = stride: exact inverse of a strided downsampling in shape.</summary>
    public static Module<Tensor, Tensor> TransposedConvolution(int dims, long inChannels, long outChannels, IReadOnlyList<int> stride, bool bias = true)
    {
        CheckAxes(dims, stride, nameof(stride));
        return dims switch
        {
            2 => ConvTranspose2d(inChannels, outChannels, (stride[0], stride[1]), (stride[0], stride[1]), bias: bias),
            3 => ConvTranspose3d(inChannels, outChannels, (stride[0], stride[1], stride[2]), (stride[0], stride[1], stride[2]), bias: bias),
            _ => throw new ArgumentOutOfRangeException(nameof(dims), $"Networks are 2D or 3D, not {dims}D."),
        };
    }

    /// <summary>Instance normalisation with learned scale and shift (nnU-Net's default: eps 1e-5, affine).</summary>
    public static Module<Tensor, Tensor> InstanceNorm(int dims, long features) => dims switch
    {
        2 => InstanceNorm2d(features, eps: 1e-5, affine: true),
        3 => InstanceNorm3d(features, eps: 1e-5, affine: true),
        _ => throw new ArgumentOutOfRangeException(nameof(dims), $"Networks are 2D or 3D, not {dims}D."),
    };

    /// <summary>Average pooling with kernel = stride (residual shortcut downsampling).</summary>
    public static Module<Tensor, Tensor> AveragePool(int dims, IReadOnlyList<int> stride) => dims switch
    {
        2 => AvgPool2d((stride[0], stride[1]), (stride[0], stride[1]), ceil_mode: true),
        3 => AvgPool3d((stride[0], stride[1], stride[2]), (stride[0], stride[1], stride[2]), ceil_mode: true),
        _ => throw new ArgumentOutOfRangeException(nameof(dims), $"Networks are 2D or 3D, not {dims}D."),
    };

    private static void CheckAxes(int dims, IReadOnlyList<int> values, string name)
    {
        if (values.Count != dims)
        {
            throw new ArgumentException($"{name} needs {dims} values (one per spatial axis), got {values.Count}.", name);
        }

        foreach (int v in values)
        {
            if (v < 1)
            {
                throw new ArgumentException($"{name} values must be positive, got {v}.", name);
            }
        }
    }
}
