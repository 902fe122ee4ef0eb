using TorchSharp;
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

    /// <summary>Average pooling with kernel = stride (residual shortcut downsampling), in bf16 too.</summary>
    public static Module<Tensor, Tensor> AveragePool(int dims, IReadOnlyList<int> stride)
    {
        if (dims is not (2 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(dims), $"Networks are 2D or 3D, not {dims}D.");
        }

        CheckAxes(dims, stride, nameof(stride));
        return new BlockAverage(stride);
    }

    /// <summary>
    /// The mean of each stride-sized block, taken on a view that splits every spatial axis into (blocks, stride): no
    /// copy in either memory layout, and in bf16 on the CPU too, where LibTorch 2.10 has no <c>avg_pool3d</c> kernel
    /// ("not implemented for 'BFloat16'"); widening the map to float32 instead would cost two bf16 maps of memory.
    /// Sizes the stride does not divide (never inside a U-Net, which checks its input) fall back to average pooling with
    /// ceil mode, as before.
    /// </summary>
    private sealed class BlockAverage : Module<Tensor, Tensor>
    {
        private readonly long[] _stride;

        public BlockAverage(IReadOnlyList<int> stride)
            : base(nameof(BlockAverage))
        {
            _stride = [.. stride.Select(v => (long)v)];
        }

        public override Tensor forward(Tensor input)
        {
            int dims = _stride.Length;
            var shape = new long[2 + (2 * dims)];
            var reduced = new long[dims];
            shape[0] = input.shape[0];
            shape[1] = input.shape[1];
            bool divisible = true;
            for (int a = 0; a < dims; a++)
            {
                long size = input.shape[2 + a];
                divisible &= size % _stride[a] == 0;
                shape[2 + (2 * a)] = size / _stride[a];
                shape[3 + (2 * a)] = _stride[a];
                reduced[a] = 3 + (2 * a);
            }

            if (divisible)
            {
                using var scope = NewDisposeScope();
                return input.view(shape).mean(reduced).MoveToOuterDisposeScope();
            }

            using var widened = NewDisposeScope();
            bool widen = input.dtype == ScalarType.BFloat16 && input.device_type == DeviceType.CPU;
            var x = widen ? input.to(ScalarType.Float32) : input;
            var pooled = dims == 2
                ? functional.avg_pool2d(x, _stride, _stride, ceil_mode: true)
                : functional.avg_pool3d(x, _stride, _stride, ceil_mode: true);
            return (widen ? pooled.to(ScalarType.BFloat16) : pooled).MoveToOuterDisposeScope();
        }
    }

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
