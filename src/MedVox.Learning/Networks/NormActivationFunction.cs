using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace MedVox.Learning.Networks;

/// <summary>
/// Instance normalisation (affine) followed by LeakyReLU as one autograd node that keeps only its output, the idea of
/// in-place activated batch norm (Rota Bulo et al., CVPR 2018) applied to instance norm. Composed from LibTorch's
/// operations the pair keeps the norm's input and the activation's output for the backward pass: two maps per
/// conv-norm-LeakyReLU block. The output z is the next convolution's input, which that convolution keeps anyway, and
/// everything the backward pass needs follows from it: the LeakyReLU is invertible, u = z (z &gt; 0) or z / slope, and
/// with h = dL/du = dz (z &gt; 0) or slope dz, the norm's gradient for its input y is, per sample and channel over M
/// voxels,
/// dL/dy = gamma rstd (h - mean h) - rstd m (u - beta) / gamma with m = mean(h (u - beta)) = mean(dz z) - beta mean h
/// (h u = dz z exactly), dL/dgamma = M m / gamma and dL/dbeta = M mean h. gamma appears only in per-channel
/// coefficients; a |gamma| below <see cref="MinimumScale"/> is taken as that value there (such a channel's output is
/// nearly the constant beta, and its input gradient nearly zero). The forward pass is LibTorch's instance norm, so the
/// output is the same as the composed layers'; only the backward pass differs, by rounding.
/// </summary>
internal sealed class NormActivationFunction : SingleTensorFunction<NormActivationFunction>
{
    /// <summary>Smallest |gamma| the backward pass divides by.</summary>
    public const double MinimumScale = 1e-4;

    /// <summary>Parts the backward pass and the statistics work through one at a time (their temporaries are that part's size).</summary>
    public const int SlabCount = 4;

    public override string Name => "InstanceNormLeakyRelu";

    /// <summary>LeakyReLU(instance_norm(<paramref name="input"/>; <paramref name="weight"/>, <paramref name="bias"/>, <paramref name="eps"/>)) keeping only the output.</summary>
    public static Tensor Compute(Tensor input, Tensor weight, Tensor bias, double eps, Scalar slope) =>
        apply(input, weight, bias, eps, slope);

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        var weight = (Tensor)vars[1];
        var bias = (Tensor)vars[2];
        double eps = (double)vars[3];
        var slope = (Scalar)vars[4];
        using var scope = NewDisposeScope();
        var rstd = InverseDeviation(input, eps);
        var output = nn.functional.instance_norm(input, weight: weight, bias: bias, eps: eps).leaky_relu_(slope);
        ctx.save_for_backward([output, weight, bias, rstd.MoveToOuterDisposeScope()]);
        ctx.save_data("slope", slope.ToDouble());
        return output.MoveToOuterDisposeScope();
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        // Each block's input gradient would otherwise stay with its wrapper until the training step ends.
        Training.ReturnedGradients.Release();
        double slope = (double)ctx.get_data("slope");
        Tensor inputGradient, weightGradient, biasGradient;
        using (var scope = NewDisposeScope())
        {
            var saved = ctx.get_saved_variables();
            var (z, weight, bias, rstd) = (saved[0].detach(), saved[1].detach(), saved[2].detach(), saved[3]);
            Training.CustomNodeMemory.ReleaseSaved(ctx);
            var dz = grad_output;
            long[] spatial = SpatialAxes(z);
            long[] channelShape = [1, z.shape[1], .. spatial.Select(_ => 1L)];
            double voxels = 1;
            foreach (long axis in spatial)
            {
                voxels *= z.shape[axis];
            }

            // Numbers go to LibTorch as scalars held until the calls return (an implicit conversion's temporary can be
            // collected while LibTorch reads it).
            using var zero = 0.ToScalar();
            using var one = 1.0.ToScalar();
            using var count = voxels.ToScalar();
            using var minimum = MinimumScale.ToScalar();
            using var toGradient = (slope - 1).ToScalar();
            using var toInput = ((1 / slope) - 1).ToScalar();

            // Pass 1, slab by slab: float32 sums per (sample, channel) of dz z and of h.
            var dotProduct = zeros([z.shape[0], z.shape[1], .. spatial.Select(_ => 1L)], ScalarType.Float32, z.device);
            var sumH = zeros_like(dotProduct);
            foreach (var (start, length) in Slabs(z))
            {
                using var slab = NewDisposeScope();
                var (dzSlab, zSlab) = (dz.narrow(2, start, length), z.narrow(2, start, length));
                dotProduct.add_(Sum(dzSlab.mul(zSlab), spatial));
                sumH.add_(Sum(dzSlab.addcmul(dzSlab, zSlab.le(zero).to(dz.dtype), toGradient), spatial));
            }

            var gamma = weight.to(ScalarType.Float32).reshape(channelShape);
            var beta = bias.to(ScalarType.Float32).reshape(channelShape);
            var safeGamma = gamma.abs().clamp_min_(minimum).copysign_(gamma);
            var meanH = sumH.div(count);
            var m = dotProduct.div(count).sub_(beta * meanH);

            // Pass 2: dL/dy = a h + c u + b with a = gamma rstd, c = -rstd m / gamma, b = -a mean h - c beta.
            var a = gamma * rstd;
            var c = -rstd * m / safeGamma;
            var b = (-a * meanH) - (c * beta);
            inputGradient = empty_like(z).MoveToOuterDisposeScope();
            foreach (var (start, length) in Slabs(z))
            {
                using var slab = NewDisposeScope();
                var (dzSlab, zSlab) = (dz.narrow(2, start, length), z.narrow(2, start, length));
                var negative = zSlab.le(zero).to(z.dtype);
                var h = dzSlab.addcmul(dzSlab, negative, toGradient);
                var u = negative.mul_(zSlab).mul_(toInput).add_(zSlab);
                inputGradient.narrow(2, start, length).copy_(h.mul_(a).addcmul_(u, c, one).add_(b));
            }

            weightGradient = m.mul(count).div_(safeGamma).sum(dim: 0).flatten().to(weight.dtype).MoveToOuterDisposeScope();
            biasGradient = sumH.sum(dim: 0).flatten().to(bias.dtype).MoveToOuterDisposeScope();
        }

        grad_output.Dispose();
        Training.ReturnedGradients.Keep([inputGradient, weightGradient, biasGradient]);

        // One entry per argument of apply: input, weight, bias, then none for eps and the slope.
        return [inputGradient, weightGradient, biasGradient, null!, null!];
    }

    /// <summary>1 / sqrt(var + eps) per (sample, channel) in float32: the mean, then the squared deviations, slab by slab.</summary>
    private static Tensor InverseDeviation(Tensor input, double eps)
    {
        using var scope = NewDisposeScope();
        long[] spatial = SpatialAxes(input);
        using var count = (input.numel() / (input.shape[0] * input.shape[1])).ToScalar();
        using var epsilon = eps.ToScalar();
        var mean = zeros([input.shape[0], input.shape[1], .. spatial.Select(_ => 1L)], ScalarType.Float32, input.device);
        foreach (var (start, length) in Slabs(input))
        {
            using var slab = NewDisposeScope();
            mean.add_(Sum(input.narrow(2, start, length), spatial));
        }

        mean.div_(count);
        var squares = zeros_like(mean);
        foreach (var (start, length) in Slabs(input))
        {
            using var slab = NewDisposeScope();
            var deviation = input.narrow(2, start, length).to(ScalarType.Float32).sub(mean);
            squares.add_(Sum(deviation.mul_(deviation), spatial));
        }

        return squares.div_(count).add_(epsilon).rsqrt_().MoveToOuterDisposeScope();
    }

    private static Tensor Sum(Tensor t, long[] spatial) => t.sum(spatial, keepdim: true, type: ScalarType.Float32);

    /// <summary>
    /// Ranges of the first spatial axis that split a map into about <see cref="SlabCount"/> parts, so that float32
    /// copies and temporaries exist for one part at a time.
    /// </summary>
    private static IEnumerable<(long Start, long Length)> Slabs(Tensor t)
    {
        long extent = t.shape[2];
        long step = Math.Max(1, (extent + SlabCount - 1) / SlabCount);
        for (long start = 0; start < extent; start += step)
        {
            yield return (start, Math.Min(step, extent - start));
        }
    }

    private static long[] SpatialAxes(Tensor t)
    {
        var axes = new long[t.dim() - 2];
        for (int a = 0; a < axes.Length; a++)
        {
            axes[a] = a + 2;
        }

        return axes;
    }
}
