using System.Globalization;
using System.Numerics;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Learning.Data;

namespace MedVox.Learning.Inference;

/// <summary>
/// The preprocessing of <see cref="Preprocessor"/> (crop, per-channel normalisation, resampling to the plan's spacing
/// with "separate z") computed one preprocessed slice at a time, so that a volume is never held as float32 at the
/// network's spacing. <see cref="Create"/> makes the passes that need the whole image (crop box, intensity statistics,
/// the check for NaN) slab by slab; <see cref="ReadSlice"/> then yields preprocessed slices in increasing order, keeping
/// only the in-plane-resampled input slices that the next output slices interpolate between. The values equal those
/// of <see cref="Preprocessor.Transform(string, IReadOnlyList{Image}, Image?)"/> (same arithmetic, same order).
/// </summary>
internal sealed class StreamingPreprocessor
{
    private const int PassSlab = 8;

    private readonly List<ChannelSource> _channels;
    private readonly Normalization[] _normalization;
    private readonly Dictionary<int, float[]> _inPlane = [];
    private readonly bool[] _neededRows;
    private readonly Image[] _distinctImages;
    private readonly int[] _distinctFrames;

    private StreamingPreprocessor(List<ChannelSource> channels, ImageGeometry original, Index3 cropStart, ImageSize cropSize, PreprocessingPlan plan, Normalization[] normalization, ChannelRange[] ranges)
    {
        _channels = channels;
        _normalization = normalization;
        OriginalGeometry = original;
        CropStart = cropStart;
        CropSize = cropSize;
        Ranges = ranges;
        var target = new Vector3D(plan.TargetSpacing[0], plan.TargetSpacing[1], plan.TargetSpacing[2]);
        var cropGeometry = original.Region(cropStart, cropSize);
        var newSize = Resampling.SizeForSpacing(cropSize, original.Spacing, target);
        bool resample = newSize != cropSize;
        SeparateAxis = resample ? Preprocessor.SeparateAxis(original.Spacing, target, original.Size.Rank, plan.AnisotropyThreshold) : null;
        SeparateAxisInterpolation = plan.SeparateAxisInterpolation;
        Geometry = resample ? Resampling.GeometryForSpacing(cropGeometry, target) : cropGeometry;
        var size = Geometry.Size;
        X = AxisTable.ForScale(cropSize.X, size.X, KernelOf(0));
        Y = AxisTable.ForScale(cropSize.Y, size.Y, KernelOf(1));
        Z = AxisTable.ForScale(cropSize.Z, size.Z, KernelOf(2));
        _neededRows = Y.NeededInputs();
        var images = new List<Image>();
        var frames = new List<int>();
        foreach (var channel in channels)
        {
            bool seen = false;
            for (int i = 0; i < images.Count; i++)
            {
                seen |= ReferenceEquals(images[i], channel.Image) && frames[i] == channel.Frame;
            }

            if (!seen)
            {
                images.Add(channel.Image);
                frames.Add(channel.Frame);
            }
        }

        _distinctImages = [.. images];
        _distinctFrames = [.. frames];
    }

    /// <summary>The grid of the input (one frame).</summary>
    public ImageGeometry OriginalGeometry { get; }

    /// <summary>The plan's crop box in the input's index space.</summary>
    public Index3 CropStart { get; }

    public ImageSize CropSize { get; }

    /// <summary>The preprocessed grid: the crop box at the plan's spacing.</summary>
    public ImageGeometry Geometry { get; }

    /// <summary>Index axis resampled with <see cref="SeparateAxisInterpolation"/> (nnU-Net's separate z), or null.</summary>
    public int? SeparateAxis { get; }

    public Interpolation SeparateAxisInterpolation { get; }

    /// <summary>Crop index to preprocessed index, per axis.</summary>
    public AxisTable X { get; }

    public AxisTable Y { get; }

    public AxisTable Z { get; }

    public int ChannelCount => _channels.Count;

    /// <summary>Minimum and maximum of each channel over the whole input (for plausibility checks).</summary>
    public IReadOnlyList<ChannelRange> Ranges { get; }

    /// <summary>Floats in one preprocessed slice of all channels: channels x y x x.</summary>
    public int SliceLength => ChannelCount * Geometry.Size.Y * Geometry.Size.X;

    /// <summary>Interpolation per index axis, as the preprocessor resamples.</summary>
    public Interpolation KernelOf(int axis) => SeparateAxis == axis ? SeparateAxisInterpolation : Interpolation.Linear;

    /// <summary>Reads and checks the input, finds the crop box and the normalisation of every channel.</summary>
    public static StreamingPreprocessor Create(List<ChannelSource> channels, PreprocessingPlan plan, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentNullException.ThrowIfNull(plan);
        if (channels.Count != plan.ChannelCount)
        {
            throw new ArgumentException($"{channels.Count} channel(s) given, the plan has {plan.ChannelCount}.", nameof(channels));
        }

        var geometry = channels[0].Image.Geometry;
        geometry = geometry.WithSize(new ImageSize(geometry.Size.X, geometry.Size.Y, geometry.Size.Z, 1, Math.Min(geometry.Size.Rank, 3)));
        var (start, cropSize, ranges) = ScanForCrop(channels, plan, geometry.Size, cancellation);
        var normalization = new Normalization[channels.Count];
        for (int c = 0; c < channels.Count; c++)
        {
            normalization[c] = plan.Normalization[c].Scheme switch
            {
                NormalizationScheme.CT => new Normalization(plan.Normalization[c].ClipLow, plan.Normalization[c].ClipHigh, plan.Normalization[c].Mean, 1 / Math.Max(plan.Normalization[c].StandardDeviation, 1e-8)),
                NormalizationScheme.RgbToUnit => new Normalization(double.NegativeInfinity, double.PositiveInfinity, 0, 1 / 255.0),
                NormalizationScheme.None => new Normalization(double.NegativeInfinity, double.PositiveInfinity, 0, 1),
                _ => default,
            };
        }

        var statistics = CropStatistics(channels, plan, start, cropSize, cancellation);
        for (int c = 0; c < channels.Count; c++)
        {
            if (plan.Normalization[c].Scheme == NormalizationScheme.ZScore)
            {
                var s = statistics[c].ToStatistics();
                normalization[c] = new Normalization(double.NegativeInfinity, double.PositiveInfinity, s.Mean, 1 / Math.Max(s.StandardDeviation, 1e-8));
            }
            else if (plan.Normalization[c].Scheme == NormalizationScheme.RescaleToUnit)
            {
                var s = statistics[c].ToStatistics();
                normalization[c] = new Normalization(double.NegativeInfinity, double.PositiveInfinity, s.Min, 1 / Math.Max(s.Max - s.Min, 1e-8));
            }
        }

        return new StreamingPreprocessor(channels, geometry, start, cropSize, plan, normalization, ranges);
    }

    /// <summary>
    /// Writes preprocessed slice <paramref name="k"/> (channels x y x x floats) into <paramref name="destination"/>.
    /// Slices are expected in increasing order; in-plane results of input slices below what slice k needs are dropped.
    /// </summary>
    public void ReadSlice(int k, Span<float> destination)
    {
        int z0 = Z.Index0[k], z1 = Z.Index1[k];
        var a = InPlane(z0);
        if (Z.IsIdentity || z1 == z0 || Z.Weight[k] == 0)
        {
            a.AsSpan().CopyTo(destination);
        }
        else
        {
            var b = InPlane(z1);
            float w1 = Z.Weight[k], w0 = 1f - w1;
            for (int i = 0; i < a.Length; i++)
            {
                destination[i] = (w0 * a[i]) + (w1 * b[i]);
            }
        }

        List<int>? stale = null;
        foreach (int key in _inPlane.Keys)
        {
            if (key < z0)
            {
                (stale ??= []).Add(key);
            }
        }

        if (stale is not null)
        {
            foreach (int key in stale)
            {
                _inPlane.Remove(key);
            }
        }
    }

    /// <summary>Input crop slice <paramref name="zi"/> normalised and resampled in-plane (x, then y), all channels.</summary>
    private float[] InPlane(int zi)
    {
        if (_inPlane.TryGetValue(zi, out var cached))
        {
            return cached;
        }

        var size = Geometry.Size;
        int outX = size.X, outY = size.Y, cropX = CropSize.X;
        int plane = outX * outY;
        var result = new float[ChannelCount * plane];
        var rows = new float[CropSize.Y * outX];
        int z = CropStart.Z + zi;
        for (int c = 0; c < ChannelCount; c++)
        {
            var channel = _channels[c];
            var n = _normalization[c];
            Parallel.For(
                0,
                CropSize.Y,
                () => new float[cropX],
                (yi, _, buffer) =>
                {
                    if (_neededRows[yi])
                    {
                        channel.ReadRow(CropStart.Y + yi, z, CropStart.X, buffer);
                        for (int x = 0; x < buffer.Length; x++)
                        {
                            buffer[x] = (float)((Math.Clamp(buffer[x], n.Low, n.High) - n.Offset) * n.Scale);
                        }

                        X.Apply(buffer, rows.AsSpan(yi * outX, outX));
                    }

                    return buffer;
                },
                _ => { });

            var output = result.AsSpan(c * plane, plane);
            for (int y = 0; y < outY; y++)
            {
                ReadOnlySpan<float> r0 = rows.AsSpan(Y.Index0[y] * outX, outX);
                ReadOnlySpan<float> r1 = rows.AsSpan(Y.Index1[y] * outX, outX);
                float w1 = Y.Weight[y], w0 = 1f - w1;
                var target = output.Slice(y * outX, outX);
                for (int x = 0; x < outX; x++)
                {
                    target[x] = (w0 * r0[x]) + (w1 * r1[x]);
                }
            }
        }

        for (int i = 0; i < _distinctImages.Length; i++)
        {
            MappedPages.Release(_distinctImages[i], z, z + 1, _distinctFrames[i]);
        }

        _inPlane[zi] = result;
        return result;
    }

    /// <summary>
    /// First pass: the plan's crop box over all channels (as <c>Preprocessor</c> computes it), each channel's range,
    /// and the check that intensities are finite, slab by slab (mapped pages are released behind the pass).
    /// </summary>
    private static (Index3 Start, ImageSize Size, ChannelRange[] Ranges) ScanForCrop(List<ChannelSource> channels, PreprocessingPlan plan, ImageSize size, CancellationToken cancellation)
    {
        bool nonzero = plan.Crop == CropMode.Nonzero;
        bool crop = plan.Crop != CropMode.None;
        float threshold = (float)plan.CropThreshold;
        var boxes = new int[size.Z][];
        var minima = new double[size.Z, channels.Count];
        var maxima = new double[size.Z, channels.Count];
        for (int first = 0; first < size.Z; first += PassSlab)
        {
            cancellation.ThrowIfCancellationRequested();
            int last = Math.Min(size.Z, first + PassSlab);
            Data.ParallelSlabs.For(last - first, i =>
            {
                int z = first + i;
                var row = new float[size.X];
                int minX = int.MaxValue, maxX = -1, minY = int.MaxValue, maxY = -1;
                for (int c = 0; c < channels.Count; c++)
                {
                    minima[z, c] = double.PositiveInfinity;
                    maxima[z, c] = double.NegativeInfinity;
                }

                for (int y = 0; y < size.Y; y++)
                {
                    bool any = false;
                    for (int c = 0; c < channels.Count; c++)
                    {
                        channels[c].ReadRow(y, z, 0, row);
                        if (!RowRange(row, out float low, out float high))
                        {
                            int x = FirstNonFinite(row);
                            throw new MedVoxException(
                                string.Create(CultureInfo.InvariantCulture, $"the image holds {(float.IsNaN(row[x]) ? "NaN" : "an infinite value")} at voxel ({x}, {y}, {z})"),
                                channels[c].Name,
                                hint: "fix or mask undefined intensities before prediction");
                        }

                        if (crop && Edges(row, nonzero, threshold) is (int left, int right))
                        {
                            any = true;
                            minX = Math.Min(minX, left);
                            maxX = Math.Max(maxX, right);
                        }

                        minima[z, c] = Math.Min(minima[z, c], low);
                        maxima[z, c] = Math.Max(maxima[z, c], high);
                    }

                    if (any)
                    {
                        minY = Math.Min(minY, y);
                        maxY = Math.Max(maxY, y);
                    }
                }

                boxes[z] = [minX, maxX, minY, maxY];
            });
            ReleaseSlabs(channels, first, last);
        }

        var ranges = new ChannelRange[channels.Count];
        for (int c = 0; c < channels.Count; c++)
        {
            double low = double.PositiveInfinity, high = double.NegativeInfinity;
            for (int z = 0; z < size.Z; z++)
            {
                low = Math.Min(low, minima[z, c]);
                high = Math.Max(high, maxima[z, c]);
            }

            ranges[c] = new ChannelRange(low, high);
        }

        var wholeSize = new ImageSize(size.X, size.Y, size.Z, 1, size.Rank);
        if (!crop)
        {
            return (Index3.Zero, wholeSize, ranges);
        }

        int x0 = int.MaxValue, x1 = -1, y0 = int.MaxValue, y1 = -1, z0 = int.MaxValue, z1 = -1;
        for (int z = 0; z < size.Z; z++)
        {
            var b = boxes[z];
            if (b[1] >= 0)
            {
                x0 = Math.Min(x0, b[0]);
                x1 = Math.Max(x1, b[1]);
                y0 = Math.Min(y0, b[2]);
                y1 = Math.Max(y1, b[3]);
                z0 = Math.Min(z0, z);
                z1 = Math.Max(z1, z);
            }
        }

        return z1 < 0
            ? (Index3.Zero, wholeSize, ranges)
            : (new Index3(x0, y0, z0), new ImageSize(x1 - x0 + 1, y1 - y0 + 1, z1 - z0 + 1, 1, size.Rank), ranges);
    }

    /// <summary>Minimum and maximum of a row, a vector at a time; false when a value is not finite.</summary>
    private static bool RowRange(ReadOnlySpan<float> row, out float low, out float high)
    {
        int i = 0;
        low = float.PositiveInfinity;
        high = float.NegativeInfinity;
        bool finite = true;
        if (Vector.IsHardwareAccelerated && row.Length >= Vector<float>.Count)
        {
            var lows = new Vector<float>(float.PositiveInfinity);
            var highs = new Vector<float>(float.NegativeInfinity);
            var ok = Vector<int>.AllBitsSet;
            for (; i <= row.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(row[i..]);

                // v - v is 0 for finite values, NaN for NaN and infinities.
                ok &= Vector.Equals(v - v, Vector<float>.Zero);
                lows = Vector.Min(lows, v);
                highs = Vector.Max(highs, v);
            }

            finite = ok == Vector<int>.AllBitsSet;
            for (int k = 0; k < Vector<float>.Count; k++)
            {
                low = Math.Min(low, lows[k]);
                high = Math.Max(high, highs[k]);
            }
        }

        for (; i < row.Length; i++)
        {
            float v = row[i];
            finite &= float.IsFinite(v);
            low = Math.Min(low, v);
            high = Math.Max(high, v);
        }

        return finite;
    }

    private static int FirstNonFinite(ReadOnlySpan<float> row)
    {
        for (int x = 0; x < row.Length; x++)
        {
            if (!float.IsFinite(row[x]))
            {
                return x;
            }
        }

        return 0;
    }

    /// <summary>The first and last x whose value is nonzero (or above the threshold), searched from both ends a vector at a time; null when none is.</summary>
    private static (int Left, int Right)? Edges(ReadOnlySpan<float> row, bool nonzero, float threshold)
    {
        bool Hit(float v) => nonzero ? v != 0 : v > threshold;
        bool AnyHit(Vector<float> v) => nonzero ? !Vector.EqualsAll(v, Vector<float>.Zero) : Vector.GreaterThanAny(v, new Vector<float>(threshold));
        int width = Vector.IsHardwareAccelerated ? Vector<float>.Count : int.MaxValue;
        int left = 0;
        while (left <= row.Length - width && !AnyHit(new Vector<float>(row[left..])))
        {
            left += width;
        }

        while (left < row.Length && !Hit(row[left]))
        {
            left++;
        }

        if (left == row.Length)
        {
            return null;
        }

        int right = row.Length;
        while (right - width >= left && !AnyHit(new Vector<float>(row[(right - width)..])))
        {
            right -= width;
        }

        do
        {
            right--;
        }
        while (!Hit(row[right]));

        return (left, right);
    }

    /// <summary>Second pass, for z-score and min-max channels: statistics over the crop box, merged in the order <see cref="ImageStatistics"/> merges them.</summary>
    private static RunningMoments[] CropStatistics(List<ChannelSource> channels, PreprocessingPlan plan, Index3 start, ImageSize cropSize, CancellationToken cancellation)
    {
        var totals = new RunningMoments[channels.Count];
        var wanted = new bool[channels.Count];
        bool any = false;
        for (int c = 0; c < channels.Count; c++)
        {
            totals[c] = RunningMoments.Empty;
            wanted[c] = plan.Normalization[c].Scheme is NormalizationScheme.ZScore or NormalizationScheme.RescaleToUnit;
            any |= wanted[c];
        }

        if (!any)
        {
            return totals;
        }

        var slabs = new RunningMoments[PassSlab, channels.Count];
        for (int first = 0; first < cropSize.Z; first += PassSlab)
        {
            cancellation.ThrowIfCancellationRequested();
            int count = Math.Min(PassSlab, cropSize.Z - first);
            Data.ParallelSlabs.For(count, i =>
            {
                int z = start.Z + first + i;
                var row = new float[cropSize.X];
                for (int c = 0; c < channels.Count; c++)
                {
                    var moments = RunningMoments.Empty;
                    if (wanted[c])
                    {
                        for (int y = 0; y < cropSize.Y; y++)
                        {
                            channels[c].ReadRow(start.Y + y, z, start.X, row);
                            moments.Add(row);
                        }
                    }

                    slabs[i, c] = moments;
                }
            });

            for (int i = 0; i < count; i++)
            {
                for (int c = 0; c < channels.Count; c++)
                {
                    totals[c].Merge(slabs[i, c]);
                }
            }

            ReleaseSlabs(channels, start.Z + first, start.Z + first + count);
        }

        return totals;
    }

    private static void ReleaseSlabs(List<ChannelSource> channels, int z0, int z1)
    {
        foreach (var channel in channels)
        {
            MappedPages.Release(channel.Image, z0, z1, channel.Frame);
        }
    }

    private readonly record struct Normalization(double Low, double High, double Offset, double Scale);
}

/// <summary>Smallest and largest value of one input channel.</summary>
public readonly record struct ChannelRange(double Min, double Max);
