using MedVox.Imaging;

namespace MedVox.Learning.Inference;

/// <summary>
/// Turns final slices of logits on the preprocessed grid into the label map (and optionally probabilities) on the
/// input's grid, slab by slab: each preprocessed slice is resampled in-plane back onto the crop box's rows and columns
/// (linear, "separate z" as in preprocessing: nnU-Net resamples logits, then takes the argmax); an input slice is written
/// as soon as the (at most two) preprocessed slices it interpolates between are final, and resampled planes are dropped
/// once no later input slice needs them. Voxels outside the crop box are background.
/// </summary>
internal sealed class OriginalGridWriter
{
    private readonly StreamingPreprocessor _pre;
    private readonly int _classes;
    private readonly Image _labels;
    private readonly Image? _probabilities;
    private readonly AxisTable _x;
    private readonly AxisTable _y;
    private readonly AxisTable _z;
    private readonly bool[] _neededSlices;
    private readonly bool[] _neededRows;
    private readonly Dictionary<int, float[]> _planes = [];
    private int _next;

    public OriginalGridWriter(StreamingPreprocessor pre, int classes, Image labels, Image? probabilities)
    {
        _pre = pre;
        _classes = classes;
        _labels = labels;
        _probabilities = probabilities;
        var size = pre.Geometry.Size;
        var crop = pre.CropSize;
        _x = AxisTable.ForScale(size.X, crop.X, pre.KernelOf(0));
        _y = AxisTable.ForScale(size.Y, crop.Y, pre.KernelOf(1));
        _z = AxisTable.ForScale(size.Z, crop.Z, pre.KernelOf(2));
        _neededSlices = _z.NeededInputs();
        _neededRows = _y.NeededInputs();
        if (probabilities is not null)
        {
            FillBackground(probabilities, classes);
        }
    }

    /// <summary>Input slices written so far (of the crop box).</summary>
    public int Written => _next;

    /// <summary>Whether the network's grid is the crop box's own grid (no resampling back): labels can then be taken as they are.</summary>
    public bool IsIdentity => _x.IsIdentity && _y.IsIdentity && _z.IsIdentity && _pre.Geometry.Size.Z == _pre.CropSize.Z;

    /// <summary>
    /// Writes slice <paramref name="k"/> of labels already reduced on the network's grid (<see cref="IsIdentity"/> only):
    /// rows of the crop box width, in order.
    /// </summary>
    public void AcceptLabels(int k, ReadOnlySpan<byte> plane)
    {
        var crop = _pre.CropSize;
        var start = _pre.CropStart;
        int z = start.Z + k;
        for (int y = 0; y < crop.Y; y++)
        {
            plane.Slice(y * crop.X, crop.X).CopyTo(_labels.GetRow<byte>(start.Y + y, z).Slice(start.X, crop.X));
        }

        MappedPages.Release(_labels, z, z + 1);
        _next = k + 1;
    }

    /// <summary>Bytes of the resampled planes held at most (two planes of classes x crop rows x crop columns, plus one being made).</summary>
    public static long WorkingBytes(int classes, int cropX, int cropY, int preprocessedY) =>
        ((3L * classes * cropY) + preprocessedY) * cropX * sizeof(float);

    /// <summary>Takes final preprocessed slice <paramref name="k"/> (classes x y x x float32, normalised logits); slices arrive in increasing order.</summary>
    public void Accept(int k, float[] logits)
    {
        if (_neededSlices[k])
        {
            _planes[k] = BackInPlane(logits);
        }

        while (_next < _pre.CropSize.Z && _z.Index1[_next] <= k)
        {
            Emit(_next++);
        }

        int keep = _next < _pre.CropSize.Z ? _z.Index0[_next] : int.MaxValue;
        List<int>? stale = null;
        foreach (int key in _planes.Keys)
        {
            if (key < keep)
            {
                (stale ??= []).Add(key);
            }
        }

        if (stale is not null)
        {
            foreach (int key in stale)
            {
                _planes.Remove(key);
            }
        }
    }

    /// <summary>One preprocessed slice resampled in-plane onto the crop box: classes x crop rows x crop columns.</summary>
    private float[] BackInPlane(float[] logits)
    {
        var size = _pre.Geometry.Size;
        var crop = _pre.CropSize;
        int inX = size.X, inY = size.Y, outX = crop.X, outY = crop.Y;
        var rows = new float[(long)_classes * inY * outX];
        var plane = new float[(long)_classes * outY * outX];
        Parallel.For(0, _classes * inY, i =>
        {
            int c = i / inY, y = i % inY;
            if (_neededRows[y])
            {
                _x.Apply(logits.AsSpan(((c * inY) + y) * inX, inX), rows.AsSpan(((c * inY) + y) * outX, outX));
            }
        });
        Parallel.For(0, _classes * outY, i =>
        {
            int c = i / outY, y = i % outY;
            ReadOnlySpan<float> r0 = rows.AsSpan(((c * inY) + _y.Index0[y]) * outX, outX);
            ReadOnlySpan<float> r1 = rows.AsSpan(((c * inY) + _y.Index1[y]) * outX, outX);
            float w1 = _y.Weight[y], w0 = 1f - w1;
            var target = plane.AsSpan(((c * outY) + y) * outX, outX);
            for (int x = 0; x < outX; x++)
            {
                target[x] = (w0 * r0[x]) + (w1 * r1[x]);
            }
        });
        return plane;
    }

    /// <summary>Writes input slice <c>crop.Z + zc</c>: blend along z, argmax (first class on ties), optional softmax.</summary>
    private void Emit(int zc)
    {
        var crop = _pre.CropSize;
        var start = _pre.CropStart;
        var a = _planes[_z.Index0[zc]];
        var b = _planes[_z.Index1[zc]];
        float w1 = _z.Weight[zc], w0 = 1f - w1;
        int outX = crop.X, outY = crop.Y, classes = _classes;
        int z = start.Z + zc;
        Parallel.For(
            0,
            outY,
            () => (new float[outX], new float[outX], new float[classes * outX]),
            (y, _, buffers) =>
            {
                var (best, sum, values) = buffers;
                var labels = _labels.GetRow<byte>(start.Y + y, z).Slice(start.X, outX);
                for (int c = 0; c < classes; c++)
                {
                    int offset = ((c * outY) + y) * outX;
                    ReadOnlySpan<float> ra = a.AsSpan(offset, outX);
                    ReadOnlySpan<float> rb = b.AsSpan(offset, outX);
                    var v = values.AsSpan(c * outX, outX);
                    for (int x = 0; x < outX; x++)
                    {
                        v[x] = (w0 * ra[x]) + (w1 * rb[x]);
                    }

                    for (int x = 0; x < outX; x++)
                    {
                        if (c == 0 || v[x] > best[x])
                        {
                            best[x] = v[x];
                            labels[x] = (byte)c;
                        }
                    }
                }

                if (_probabilities is not null)
                {
                    var row = _probabilities.GetRow<float>(start.Y + y, z).Slice(start.X * classes, outX * classes);
                    sum.AsSpan().Clear();
                    for (int c = 0; c < classes; c++)
                    {
                        var v = values.AsSpan(c * outX, outX);
                        for (int x = 0; x < outX; x++)
                        {
                            float e = MathF.Exp(v[x] - best[x]);
                            v[x] = e;
                            sum[x] += e;
                        }
                    }

                    for (int x = 0; x < outX; x++)
                    {
                        for (int c = 0; c < classes; c++)
                        {
                            row[(x * classes) + c] = values[(c * outX) + x] / sum[x];
                        }
                    }
                }

                return buffers;
            },
            _ => { });

        MappedPages.Release(_labels, z, z + 1);
        if (_probabilities is not null)
        {
            MappedPages.Release(_probabilities, z, z + 1);
        }
    }

    /// <summary>Background probability 1 everywhere (the crop box is overwritten as it is predicted).</summary>
    private static void FillBackground(Image probabilities, int classes)
    {
        var size = probabilities.Size;
        Parallel.For(0, size.Z, z =>
        {
            for (int y = 0; y < size.Y; y++)
            {
                var row = probabilities.GetRow<float>(y, z);
                for (int x = 0; x < size.X; x++)
                {
                    row[x * classes] = 1f;
                }
            }

            MappedPages.Release(probabilities, z, z + 1);
        });
    }
}
