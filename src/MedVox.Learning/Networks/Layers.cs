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
    /// The mean of each stride-sized block as the sum of the strided slices at each offset inside a block (8 for 2x2x2),
    /// divided by their count; bf16 and float16 maps sum in float32, as LibTorch's pooling computes. Faster than
    /// LibTorch 2.10's <c>avg_pool3d</c> on channels-last maps on the CPU (15 vs 146 ms for 32 x 96^3 float32), nearly as
    /// fast on standard ones (28 vs 20 ms), and it needs no bf16 kernel, which that <c>avg_pool3d</c> lacks on the CPU
    /// ("not implemented for 'BFloat16'"). Sizes the stride does not divide (never inside a U-Net, which checks its
    /// input) fall back to average pooling with ceil mode, widened to float32 for bf16 on the CPU.
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
            bool divisible = true;
            long count = 1;
            for (int a = 0; a < dims; a++)
            {
                divisible &= input.shape[2 + a] % _stride[a] == 0;
                count *= _stride[a];
            }

            using var scope = NewDisposeScope();
            bool reduced = input.dtype is ScalarType.BFloat16 or ScalarType.Float16;
            if (!divisible)
            {
                bool widen = input.dtype == ScalarType.BFloat16 && input.device_type == DeviceType.CPU;
                var x = widen ? input.to(ScalarType.Float32) : input;
                var pooled = dims == 2
                    ? functional.avg_pool2d(x, _stride, _stride, ceil_mode: true)
                    : functional.avg_pool3d(x, _stride, _stride, ceil_mode: true);
                return (widen ? pooled.to(input.dtype) : pooled).MoveToOuterDisposeScope();
            }

            Tensor? sum = null;
            var offset = new long[dims];
            for (long k = 0; k < count; k++)
            {
                long rest = k;
                var part = input;
                for (int a = dims - 1; a >= 0; a--)
                {
                    offset[a] = rest % _stride[a];
                    rest /= _stride[a];
                    part = part.slice(2 + a, offset[a], input.shape[2 + a], _stride[a]);
                }

                if (sum is null)
                {
                    sum = reduced ? part.to(ScalarType.Float32) : part.clone();
                }
                else
                {
                    sum.add_(part);
                }
            }

            using var divisor = count.ToScalar();
            sum!.div_(divisor);
            return (reduced ? sum.to(input.dtype) : sum).MoveToOuterDisposeScope();
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
