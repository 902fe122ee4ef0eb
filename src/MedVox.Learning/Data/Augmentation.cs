using MedVox.Geometry;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace MedVox.Learning.Data;

/// <summary>
/// nnU-Net's training augmentation on batch tensors, on whatever device the batch is: per sample one spatial transform
/// (rotation, scaling and optional elastic deformation in a single <c>affine_grid</c>/<c>grid_sample</c>, images
/// linear, labels nearest), then Gaussian noise, blur, brightness, contrast, low-resolution simulation, inverted and
/// plain gamma (images only), then mirroring (exact flips). Every random parameter comes from (seed, batch index), and
/// noise fields from a torch generator seeded from them: the same batch index always gets the same augmentation,
/// on any thread. Rotations and scaling act in voxel coordinates, as in nnU-Net.
/// </summary>
public sealed class Augmentation
{
    private const float GammaEpsilon = 1e-7f;

    public Augmentation(AugmentationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var range in (ReadOnlySpan<ValueRange>)[options.RotationX, options.RotationY, options.RotationZ, options.Scale, options.ElasticAlpha, options.ElasticSigma,
            options.NoiseStandardDeviation, options.BlurSigma, options.Brightness, options.Contrast, options.LowResolutionScale, options.Gamma])
        {
            if (!range.IsValid)
            {
                throw new ArgumentException($"Augmentation range {range} is not a finite interval.", nameof(options));
            }
        }

        if (options.Scale.Min <= 0 || options.LowResolutionScale.Min <= 0 || options.Gamma.Min <= 0)
        {
            throw new ArgumentException("Scale, low-resolution scale and gamma must be positive.", nameof(options));
        }

        Options = options;
    }

    public AugmentationOptions Options { get; }

    /// <summary>
    /// nnU-Net's get_patch_size: the patch to sample so that rotating (by at most the ranges' largest angles, capped at
    /// 90°) and scaling down to the smallest scale still fills <paramref name="finalPatchSize"/> (tensor order).
    /// </summary>
    public static int[] InitialPatchSize(int[] finalPatchSize, AugmentationOptions options)
    {
        ArgumentNullException.ThrowIfNull(finalPatchSize);
        ArgumentNullException.ThrowIfNull(options);
        double Cap(ValueRange r) => Math.Min(Math.PI / 2, Math.Max(Math.Abs(r.Min), Math.Abs(r.Max)));
        bool is2D = finalPatchSize.Length == 2;
        var size = is2D ? new Vector3D(finalPatchSize[1], finalPatchSize[0], 0) : new Vector3D(finalPatchSize[2], finalPatchSize[1], finalPatchSize[0]);
        var result = size;
        var rotations = is2D
            ? new[] { Rotation(0, 0, Cap(options.RotationZ)) }
            : [Rotation(Cap(options.RotationX), 0, 0), Rotation(0, Cap(options.RotationY), 0), Rotation(0, 0, Cap(options.RotationZ))];
        foreach (var rotation in rotations)
        {
            var rotated = rotation * size;
            result = new Vector3D(Math.Max(result.X, Math.Abs(rotated.X)), Math.Max(result.Y, Math.Abs(rotated.Y)), Math.Max(result.Z, Math.Abs(rotated.Z)));
        }

        double smallest = Math.Min(options.Scale.Min, 1);
        result /= smallest;
        return is2D ? [(int)result.Y, (int)result.X] : [(int)result.Z, (int)result.Y, (int)result.X];
    }

    /// <summary>
    /// An augmented copy of <paramref name="batch"/> (index <paramref name="index"/>, default the batch's own): new
    /// tensors on the batch's device, owned by the returned batch; the input is left as it was.
    /// </summary>
    public Batch Apply(Batch batch, long? index = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        long batchIndex = index ?? batch.Index;
        var random = new DataRandom(Options.Seed, batchIndex, purpose: 4);
        bool is2D = batch.Is2D;
        int dims = is2D ? 2 : 3;
        var inputSize = batch.Images.shape[2..];
        long[] outputSize = Options.OutputPatchSize is { } output ? [.. output.Select(v => (long)v)] : inputSize;
        if (outputSize.Length != dims)
        {
            throw new ArgumentException($"The output patch size has {outputSize.Length} axes; the batch has {dims} spatial axes.", nameof(batch));
        }

        for (int a = 0; a < dims; a++)
        {
            if (outputSize[a] < 1 || outputSize[a] > inputSize[a])
            {
                throw new ArgumentException($"The output patch ({string.Join("x", outputSize)}) must fit in the batch's patches ({string.Join("x", inputSize)}); sample larger patches (see InitialPatchSize).", nameof(batch));
            }
        }

        using var scope = NewDisposeScope();
        var device = batch.Images.device;
        int count = batch.Count;
        long channels = batch.Images.shape[1];

        // Each sample is written once into its slice of the result and changed in place there.
        var images = empty([count, channels, .. outputSize], batch.Images.dtype, device);
        var labels = empty([count, .. outputSize], ScalarType.Int64, device);
        for (int i = 0; i < count; i++)
        {
            var spatial = DrawSpatial(ref random, is2D);
            var mirror = DrawMirror(ref random, dims);
            using var generator = new Generator((ulong)random.NextSeed(), device);
            var image = images[i];
            Spatial(batch.Images[i], batch.Labels[i], spatial, mirror, inputSize, outputSize, generator, image, labels[i]);
            Intensity(image, ref random, generator);
        }

        return new Batch(images.DetachFromDisposeScope(), labels.DetachFromDisposeScope(), batch.Index, batch.Patches);
    }

    /// <summary>Mirrors image [C, ...] and label [...] along the given spatial axes (tensor order): exact, its own inverse.</summary>
    public static (Tensor Image, Tensor Label) Flip(Tensor image, Tensor label, ReadOnlySpan<int> axes)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(label);
        if (axes.IsEmpty)
        {
            return (image.alias(), label.alias());
        }

        var imageDims = new long[axes.Length];
        var labelDims = new long[axes.Length];
        for (int i = 0; i < axes.Length; i++)
        {
            imageDims[i] = axes[i] + 1;
            labelDims[i] = axes[i];
        }

        return (image.flip(imageDims), label.flip(labelDims));
    }

    /// <summary>Separable Gaussian blur of <paramref name="volume"/> (spatial axes last: [..., (Z), Y, X]) with one sigma (voxels) per spatial axis (2 or 3); edges replicated.</summary>
    public static Tensor GaussianBlur(Tensor volume, ReadOnlySpan<double> sigmas)
    {
        ArgumentNullException.ThrowIfNull(volume);
        int dims = sigmas.Length;
        if (dims is < 2 or > 3 || volume.dim() < dims)
        {
            throw new ArgumentException("Blur needs 2 or 3 sigmas and as many spatial axes.", nameof(sigmas));
        }

        var shape = volume.shape;
        var result = volume.reshape([-1, 1, .. shape[^dims..]]);
        for (int a = 0; a < dims; a++)
        {
            if (sigmas[a] > 0)
            {
                result = BlurAxis(result, a, dims, sigmas[a]);
            }
        }

        return result.reshape(shape);
    }

    /// <summary>Rotation (voxel coordinates x, y, z) about x, then y, then z.</summary>
    internal static Matrix3D Rotation(double ax, double ay, double az)
    {
        double cx = Math.Cos(ax), sx = Math.Sin(ax), cy = Math.Cos(ay), sy = Math.Sin(ay), cz = Math.Cos(az), sz = Math.Sin(az);
        var rx = new Matrix3D(1, 0, 0, 0, cx, -sx, 0, sx, cx);
        var ry = new Matrix3D(cy, 0, sy, 0, 1, 0, -sy, 0, cy);
        var rz = new Matrix3D(cz, -sz, 0, sz, cz, 0, 0, 0, 1);
        return rz * ry * rx;
    }

    /// <summary>
    /// The spatial transform of one sample, written into <paramref name="image"/> [C, ...] and <paramref name="label"/>:
    /// output voxel p (relative to the patch centre, voxels, x-y-z) samples the input at scale * R * p (+ elastic
    /// displacement); mirrored output axes negate their column of the transform. Without a drawn transform the centre
    /// of the input is copied (flipped where mirrored), exactly.
    /// </summary>
    internal void Spatial(Tensor input, Tensor inputLabel, SpatialParameters p, int mirror, long[] inputSize, long[] outputSize, Generator generator, Tensor image, Tensor label)
    {
        int dims = inputSize.Length;
        if (!p.Any)
        {
            var croppedImage = input;
            var croppedLabel = inputLabel;
            for (int a = 0; a < dims; a++)
            {
                long start = (inputSize[a] - outputSize[a]) / 2;
                croppedImage = croppedImage.narrow(a + 1, start, outputSize[a]);
                croppedLabel = croppedLabel.narrow(a, start, outputSize[a]);
            }

            if (mirror != 0)
            {
                (croppedImage, croppedLabel) = Flip(croppedImage, croppedLabel, MirrorAxes(mirror, dims));
            }

            image.copy_(croppedImage);
            label.copy_(croppedLabel);
            return;
        }

        // theta maps normalised output coordinates (x, y, z) to normalised input coordinates (align_corners=false:
        // -1 and 1 are the outer voxel edges, so voxel offset = n * size / 2).
        var m = Rotation(p.AngleX, p.AngleY, p.AngleZ);
        int n = dims;
        var theta = new float[n * (n + 1)];
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++)
            {
                double inputHalf = inputSize[dims - 1 - r] / 2.0, outputHalf = outputSize[dims - 1 - c] / 2.0;
                double flip = (mirror & (1 << (dims - 1 - c))) != 0 ? -1 : 1;
                theta[(r * (n + 1)) + c] = (float)(flip * p.Scale * m[r, c] * outputHalf / inputHalf);
            }
        }

        long channels = input.shape[0];
        var device = input.device;
        using var thetaTensor = tensor(theta, [1, n, n + 1], ScalarType.Float32, device);
        var grid = affine_grid(thetaTensor, [1, channels, .. outputSize], align_corners: false);
        if (p.Elastic)
        {
            grid = grid + ElasticDisplacement(p, inputSize, outputSize, generator, device);
        }

        image.copy_(grid_sample(input.unsqueeze(0), grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false).squeeze(0));
        using var pad = ((float)Options.LabelPadValue).ToScalar();
        var shifted = inputLabel.to(ScalarType.Float32).sub(pad).unsqueeze(0).unsqueeze(0);
        var sampledLabel = grid_sample(shifted, grid, GridSampleMode.Nearest, GridSamplePaddingMode.Zeros, align_corners: false);
        label.copy_(sampledLabel.squeeze(0).squeeze(0).add_(pad).round_());
    }

    internal SpatialParameters DrawSpatial(ref DataRandom random, bool is2D)
    {
        var p = default(SpatialParameters);
        p.Scale = 1;
        if (random.Chance(Options.RotationProbability))
        {
            p.Rotate = true;
            if (!is2D)
            {
                p.AngleX = random.Uniform(Options.RotationX.Min, Options.RotationX.Max);
                p.AngleY = random.Uniform(Options.RotationY.Min, Options.RotationY.Max);
            }

            p.AngleZ = random.Uniform(Options.RotationZ.Min, Options.RotationZ.Max);
        }

        if (random.Chance(Options.ScaleProbability))
        {
            p.Scaled = true;
            p.Scale = random.Uniform(Options.Scale.Min, Options.Scale.Max);
        }

        if (random.Chance(Options.ElasticProbability))
        {
            p.Elastic = true;
            p.Alpha = random.Uniform(Options.ElasticAlpha.Min, Options.ElasticAlpha.Max);
            p.Sigma = random.Uniform(Options.ElasticSigma.Min, Options.ElasticSigma.Max);
        }

        return p;
    }

    /// <summary>The intensity transforms of one sample ([C, ...] float, changed in place), in nnU-Net's order.</summary>
    internal void Intensity(Tensor image, ref DataRandom random, Generator generator)
    {
        int channels = (int)image.shape[0];
        int dims = (int)image.dim() - 1;
        var o = Options;
        if (random.Chance(o.NoiseProbability))
        {
            using var sd = random.Uniform(o.NoiseStandardDeviation.Min, o.NoiseStandardDeviation.Max).ToScalar();
            image.add_(randn(image.shape, image.dtype, image.device, generator: generator).mul_(sd));
        }

        if (random.Chance(o.BlurProbability))
        {
            Span<double> sigmas = stackalloc double[dims];
            for (int c = 0; c < channels; c++)
            {
                if (random.Chance(o.BlurPerChannelProbability))
                {
                    for (int a = 0; a < dims; a++)
                    {
                        sigmas[a] = random.Uniform(o.BlurSigma.Min, o.BlurSigma.Max);
                    }

                    var channel = image[c];
                    channel.copy_(GaussianBlur(channel, sigmas));
                }
            }
        }

        if (random.Chance(o.BrightnessProbability))
        {
            for (int c = 0; c < channels; c++)
            {
                using var brightness = BackgroundContrast(ref random, o.Brightness).ToScalar();
                image[c].mul_(brightness);
            }
        }

        if (random.Chance(o.ContrastProbability))
        {
            for (int c = 0; c < channels; c++)
            {
                using var factor = BackgroundContrast(ref random, o.Contrast).ToScalar();
                var x = image[c];
                var mean = x.mean();
                var min = x.min();
                var max = x.max();
                x.sub_(mean).mul_(factor).add_(mean).clamp_(min, max);
            }
        }

        if (random.Chance(o.LowResolutionProbability))
        {
            double scale = random.Uniform(o.LowResolutionScale.Min, o.LowResolutionScale.Max);
            for (int c = 0; c < channels; c++)
            {
                if (random.Chance(o.LowResolutionPerChannelProbability))
                {
                    var channel = image[c];
                    channel.copy_(LowResolution(channel, scale));
                }
            }
        }

        if (random.Chance(o.InvertedGammaProbability))
        {
            for (int c = 0; c < channels; c++)
            {
                var channel = image[c];
                channel.copy_(GammaRetainingStatistics(channel, BackgroundContrast(ref random, o.Gamma), invert: true));
            }
        }

        if (random.Chance(o.GammaProbability))
        {
            for (int c = 0; c < channels; c++)
            {
                var channel = image[c];
                channel.copy_(GammaRetainingStatistics(channel, BackgroundContrast(ref random, o.Gamma), invert: false));
            }
        }
    }

    /// <summary>nnU-Net's gamma: rescale to [0, 1], raise to gamma, scale back, then restore the mean and deviation.</summary>
    internal static Tensor GammaRetainingStatistics(Tensor x, double gamma, bool invert)
    {
        if (invert)
        {
            x = -x;
        }

        using var epsilon = GammaEpsilon.ToScalar();
        using var exponent = gamma.ToScalar();
        using var tiny = 1e-8f.ToScalar();
        var mean = x.mean();
        var sd = x.std(unbiased: false);
        var min = x.min();
        var range = (x.max() - min).add_(epsilon);
        var y = (((x - min) / range).pow_(exponent) * range) + min;
        y = ((y - y.mean()) / y.std(unbiased: false).add_(tiny) * sd) + mean;
        return invert ? -y : y;
    }

    /// <summary>The mirrored spatial axes of a sample as bits (bit a: tensor spatial axis a).</summary>
    private int DrawMirror(ref DataRandom random, int dims)
    {
        int mirror = 0;
        for (int a = 0; a < dims; a++)
        {
            bool allowed = Options.MirrorAxes is null;
            for (int i = 0; !allowed && i < Options.MirrorAxes!.Count; i++)
            {
                allowed = Options.MirrorAxes[i] == a;
            }

            if (allowed && random.Chance(Options.MirrorProbability))
            {
                mirror |= 1 << a;
            }
        }

        return mirror;
    }

    private static int[] MirrorAxes(int mirror, int dims)
    {
        var axes = new List<int>(dims);
        for (int a = 0; a < dims; a++)
        {
            if ((mirror & (1 << a)) != 0)
            {
                axes.Add(a);
            }
        }

        return [.. axes];
    }

    /// <summary>nnU-Net's BGContrast sampling: half the time below 1 (when the range reaches below), otherwise above.</summary>
    private static double BackgroundContrast(ref DataRandom random, ValueRange range)
    {
        if (random.NextDouble() < 0.5 && range.Min < 1)
        {
            return random.Uniform(range.Min, Math.Min(1, range.Max));
        }

        return random.Uniform(Math.Max(range.Min, 1), Math.Max(range.Max, Math.Max(range.Min, 1)));
    }

    /// <summary>Nearest-neighbour downsampling by <paramref name="scale"/>, then linear upsampling back to the original size.</summary>
    private static Tensor LowResolution(Tensor channel, double scale)
    {
        var size = channel.shape;
        var small = new long[size.Length];
        for (int a = 0; a < size.Length; a++)
        {
            small[a] = Math.Max(1, (long)Math.Round(size[a] * scale));
        }

        var batched = channel.unsqueeze(0).unsqueeze(0);
        var down = interpolate(batched, small, mode: InterpolationMode.Nearest);
        var mode = size.Length == 3 ? InterpolationMode.Trilinear : InterpolationMode.Bilinear;
        return interpolate(down, size, mode: mode, align_corners: false).squeeze(0).squeeze(0);
    }

    /// <summary>
    /// A smooth random displacement in normalised grid units, [1, (Z), Y, X, dims]: uniform noise in [-1, 1] on a grid
    /// coarser by about sigma / 2, Gaussian-smoothed there, scaled by alpha (with the variance correction for the coarse
    /// grid) and upsampled linearly to the output patch.
    /// </summary>
    private static Tensor ElasticDisplacement(SpatialParameters p, long[] inputSize, long[] outputSize, Generator generator, Device device)
    {
        int dims = outputSize.Length;
        int step = Math.Max(1, (int)(p.Sigma / 2));
        var coarse = new long[dims + 1];
        coarse[0] = dims;
        for (int a = 0; a < dims; a++)
        {
            coarse[a + 1] = Math.Max(2, ((outputSize[a] + step - 1) / step) + 1);
        }

        using var two = 2.ToScalar();
        using var one = 1.ToScalar();
        using var amplitude = (p.Alpha / Math.Pow(step, dims / 2.0)).ToScalar();
        var noise = rand(coarse, ScalarType.Float32, device, generator: generator).mul_(two).sub_(one);
        var sigmas = new double[dims];
        Array.Fill(sigmas, p.Sigma / step);
        var smooth = GaussianBlur(noise, sigmas).mul_(amplitude);
        var mode = dims == 3 ? InterpolationMode.Trilinear : InterpolationMode.Bilinear;
        var field = interpolate(smooth.unsqueeze(0), outputSize, mode: mode, align_corners: true).squeeze(0);

        // Component k displaces along tensor axis dims - 1 - k (grid order x, y, z); voxels to normalised units.
        var components = new Tensor[dims];
        for (int k = 0; k < dims; k++)
        {
            int axis = dims - 1 - k;
            using var toGrid = (2.0 / inputSize[axis]).ToScalar();
            components[k] = field[axis].mul(toGrid);
        }

        return stack(components, -1).unsqueeze(0);
    }

    /// <summary>Blurs spatial axis <paramref name="axis"/> of <paramref name="x"/> ([M, 1, (Z), Y, X]) with a one-axis kernel; edges replicated.</summary>
    private static Tensor BlurAxis(Tensor x, int axis, int dims, double sigma)
    {
        int radius = Math.Max(1, (int)((4 * sigma) + 0.5));
        var weights = new float[(2 * radius) + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++)
        {
            double w = Math.Exp(-(i * i) / (2 * sigma * sigma));
            weights[i + radius] = (float)w;
            sum += w;
        }

        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)(weights[i] / sum);
        }

        // pad() lists (before, after) from the last axis backwards.
        var padding = new long[2 * dims];
        int slot = 2 * (dims - 1 - axis);
        padding[slot] = radius;
        padding[slot + 1] = radius;
        var kernelShape = new long[dims + 2];
        Array.Fill(kernelShape, 1L);
        kernelShape[axis + 2] = weights.Length;
        using var kernel = tensor(weights, kernelShape, x.dtype, x.device);
        var padded = pad(x, padding, PaddingModes.Replicate);
        return dims == 3 ? conv3d(padded, kernel) : conv2d(padded, kernel);
    }

    /// <summary>The spatial transform drawn for one sample.</summary>
    internal struct SpatialParameters
    {
        public bool Rotate;
        public bool Scaled;
        public bool Elastic;
        public double AngleX, AngleY, AngleZ, Scale, Alpha, Sigma;

        public readonly bool Any => Rotate || Scaled || Elastic;
    }
}
