using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Classical.Atlas;

/// <summary>
/// A registration-free multi-organ probabilistic atlas (in the spirit of Park et al., IEEE TMI 2003, and the
/// multi-organ atlases of Shimizu et al.): every training case's body bounding box is mapped onto one normalised grid,
/// divided into cells, and each cell holds the frequency of every label there (the spatial prior); each label also has
/// an intensity model (a smoothed HU histogram). A new case is mapped the same way and every voxel gets the label of
/// highest posterior, log prior + log likelihood, the prior interpolated between cell centres. No image is registered
/// to another: the body box is the only normalisation, which is what makes it fast and what limits it.
/// Volumes are handled in LPS order (an exact permutation of the file's axes), so the file's axis order does not matter.
/// </summary>
public sealed class ProbabilisticAtlas
{
    private const double LowestHu = -1024;

    private readonly float[] _logPrior;
    private readonly float[] _logLikelihood;
    private readonly int _bins;

    private ProbabilisticAtlas(AtlasOptions options, int labelCount, float[] logPrior, float[] logLikelihood, int bins, int cases)
    {
        Options = options;
        LabelCount = labelCount;
        _logPrior = logPrior;
        _logLikelihood = logLikelihood;
        _bins = bins;
        Cases = cases;
    }

    public AtlasOptions Options { get; }

    /// <summary>Labels 0 .. LabelCount - 1 (the highest label seen in training, plus one).</summary>
    public int LabelCount { get; }

    /// <summary>Training cases the atlas was built from.</summary>
    public int Cases { get; }

    /// <summary>Builds the atlas from CT volumes (HU) and their label maps (integer labels 0-255, same grid).</summary>
    public static ProbabilisticAtlas Build(IReadOnlyList<(Image Ct, Image Labels)> cases, AtlasOptions? options = null, CancellationToken cancellation = default)
    {
        options ??= new AtlasOptions();
        options.Validate();
        if (cases.Count == 0)
        {
            throw new MedVoxException("an atlas needs at least one training case, got none");
        }

        int g = options.GridCells;
        int bins = (int)Math.Ceiling(4096 / options.BinWidthHu);
        const int MaxLabels = 256;
        var counts = new double[g * g * g * MaxLabels];
        var histogram = new double[MaxLabels * bins];
        int labelCount = 0;
        foreach (var (ct, labels) in cases)
        {
            cancellation.ThrowIfCancellationRequested();
            BinaryMask.RequireScalarVolume(ct, nameof(cases));
            BinaryMask.RequireScalarVolume(labels, nameof(cases));
            if (ct.Size != labels.Size)
            {
                throw new MedVoxException($"a training case's label map ({labels.Size}) does not match its image ({ct.Size})");
            }

            using var lpsCt = InLps(ct, ElementType.Float32);
            using var lpsLabels = InLps(labels, ElementType.UInt8);
            var box = BodyBox(lpsCt);
            var hu = lpsCt.AsSpan<float>();
            var values = lpsLabels.AsSpan<byte>();
            var size = lpsCt.Size;
            for (int z = box.Min.Z; z <= box.Max.Z; z++)
            {
                int cz = Cell(z, box.Min.Z, box.SizeZ, g);
                for (int y = box.Min.Y; y <= box.Max.Y; y++)
                {
                    int cy = Cell(y, box.Min.Y, box.SizeY, g);
                    int row = ((z * size.Y) + y) * size.X;
                    for (int x = box.Min.X; x <= box.Max.X; x++)
                    {
                        int label = values[row + x];
                        int cell = (((cz * g) + cy) * g) + Cell(x, box.Min.X, box.SizeX, g);
                        counts[(cell * MaxLabels) + label]++;
                        histogram[(label * bins) + Bin(hu[row + x], options.BinWidthHu, bins)]++;
                        labelCount = Math.Max(labelCount, label + 1);
                    }
                }
            }
        }

        var logPrior = new float[g * g * g * labelCount];
        for (int cell = 0; cell < g * g * g; cell++)
        {
            double total = 0;
            for (int l = 0; l < labelCount; l++)
            {
                total += counts[(cell * MaxLabels) + l] + options.PriorPseudoCount;
            }

            for (int l = 0; l < labelCount; l++)
            {
                logPrior[(cell * labelCount) + l] = (float)Math.Log((counts[(cell * MaxLabels) + l] + options.PriorPseudoCount) / total);
            }
        }

        var logLikelihood = new float[labelCount * bins];
        for (int l = 0; l < labelCount; l++)
        {
            var smoothed = Smooth(histogram.AsSpan(l * bins, bins), options.HistogramSigmaBins);
            double total = 0;
            foreach (double v in smoothed)
            {
                total += v;
            }

            // A floor of one count spread over the range keeps unseen intensities possible but unlikely.
            double floor = 1.0 / bins;
            for (int b = 0; b < bins; b++)
            {
                logLikelihood[(l * bins) + b] = (float)Math.Log((smoothed[b] + floor) / (total + 1));
            }
        }

        return new ProbabilisticAtlas(options, labelCount, logPrior, logLikelihood, bins, cases.Count);
    }

    /// <summary>Labels <paramref name="ct"/> (HU): a uint8 label map with the CT's geometry; 0 outside the body box.</summary>
    public Image Segment(Image ct, CancellationToken cancellation = default)
    {
        BinaryMask.RequireScalarVolume(ct, nameof(ct));
        string code = ct.Geometry.OrientationCode;
        using var lps = InLps(ct, ElementType.Float32);
        var result = SegmentLps(lps, cancellation);
        if (code == "LPS")
        {
            return result;
        }

        using (result)
        {
            var back = result.Reorient(code);
            back.SetGeometry(ct.Geometry);
            return back;
        }
    }

    private Image SegmentLps(Image ct, CancellationToken cancellation)
    {
        var box = BodyBox(ct);
        var size = ct.Size;
        int g = Options.GridCells, labelCount = LabelCount;
        var best = new byte[size.VoxelsPerFrame];
        var second = new byte[best.Length];
        var xCells = Interpolation(box.Min.X, box.SizeX, g);
        var yCells = Interpolation(box.Min.Y, box.SizeY, g);
        var zCells = Interpolation(box.Min.Z, box.SizeZ, g);
        Parallel.For(box.Min.Z, box.Max.Z + 1, z =>
        {
            var score = new float[labelCount];
            var hu = ct.AsSpan<float>();
            var (z0, wz) = zCells[z - box.Min.Z];
            for (int y = box.Min.Y; y <= box.Max.Y; y++)
            {
                var (y0, wy) = yCells[y - box.Min.Y];
                int row = ((z * size.Y) + y) * size.X;
                for (int x = box.Min.X; x <= box.Max.X; x++)
                {
                    var (x0, wx) = xCells[x - box.Min.X];
                    Array.Clear(score);
                    for (int corner = 0; corner < 8; corner++)
                    {
                        int dx = corner & 1, dy = (corner >> 1) & 1, dz = corner >> 2;
                        float w = (float)((dx == 0 ? 1 - wx : wx) * (dy == 0 ? 1 - wy : wy) * (dz == 0 ? 1 - wz : wz));
                        if (w == 0)
                        {
                            continue;
                        }

                        int cell = (((Math.Min(z0 + dz, g - 1) * g) + Math.Min(y0 + dy, g - 1)) * g) + Math.Min(x0 + dx, g - 1);
                        var prior = _logPrior.AsSpan(cell * labelCount, labelCount);
                        for (int l = 0; l < labelCount; l++)
                        {
                            score[l] += w * prior[l];
                        }
                    }

                    int bin = Bin(hu[row + x], Options.BinWidthHu, _bins);
                    int first = 0, next = -1;
                    float top = float.NegativeInfinity, runnerUp = float.NegativeInfinity;
                    for (int l = 0; l < labelCount; l++)
                    {
                        float s = score[l] + _logLikelihood[(l * _bins) + bin];
                        if (s > top)
                        {
                            (next, runnerUp) = (first, top);
                            (first, top) = (l, s);
                        }
                        else if (s > runnerUp)
                        {
                            (next, runnerUp) = (l, s);
                        }
                    }

                    best[row + x] = (byte)first;
                    second[row + x] = (byte)Math.Max(next, 0);
                }
            }
        });

        cancellation.ThrowIfCancellationRequested();
        foreach (int label in Options.SingleComponentLabels)
        {
            KeepLargest(best, second, ct.Geometry, label);
        }

        return Image.FromPixels<byte>(ct.Geometry, best);
    }

    /// <summary>Voxels of <paramref name="label"/> outside its largest face-connected component take their runner-up label.</summary>
    private static void KeepLargest(byte[] best, byte[] second, ImageGeometry geometry, int label)
    {
        if (label is <= 0 or > 255)
        {
            return;
        }

        var mask = new BinaryMask(geometry);
        var voxels = mask.Voxels;
        for (int i = 0; i < best.Length; i++)
        {
            voxels[i] = best[i] == label ? (byte)1 : (byte)0;
        }

        var kept = ConnectedComponents.KeepLargest(mask, Connectivity.Six).Voxels;
        for (int i = 0; i < best.Length; i++)
        {
            if (voxels[i] != 0 && kept[i] == 0)
            {
                best[i] = second[i];
            }
        }
    }

    /// <summary>For each voxel along an axis of the body box: the lower cell centre and the weight of the upper one.</summary>
    private static (int Cell, double Weight)[] Interpolation(int min, int count, int g)
    {
        var result = new (int, double)[count];
        for (int i = 0; i < count; i++)
        {
            double c = (((i + 0.5) / count) * g) - 0.5;
            c = Math.Clamp(c, 0, g - 1);
            int c0 = Math.Min((int)c, g - 2);
            result[i] = (c0, c - c0);
        }

        return result;
    }

    private static int Cell(int index, int min, int count, int g) => Math.Min(g - 1, (int)((index - min + 0.5) / count * g));

    private static int Bin(float hu, double width, int bins)
    {
        double b = (hu - LowestHu) / width;
        return b <= 0 || double.IsNaN(b) ? 0 : b >= bins - 1 ? bins - 1 : (int)b;
    }

    private static double[] Smooth(ReadOnlySpan<double> histogram, double sigma)
    {
        var result = new double[histogram.Length];
        if (sigma <= 0)
        {
            histogram.CopyTo(result);
            return result;
        }

        int radius = (int)Math.Ceiling(3 * sigma);
        for (int b = 0; b < histogram.Length; b++)
        {
            if (histogram[b] == 0)
            {
                continue;
            }

            for (int k = -radius; k <= radius; k++)
            {
                int t = b + k;
                if (t >= 0 && t < histogram.Length)
                {
                    result[t] += histogram[b] * Math.Exp(-0.5 * k * k / (sigma * sigma));
                }
            }
        }

        return result;
    }

    private static VoxelBounds BodyBox(Image lpsCt)
    {
        var body = BodyRegion.FindMask(lpsCt, BodyRegion.DefaultThresholdHu, openingMm: 0);
        return body.Bounds() ?? throw new MedVoxException(
            $"no body found: no voxel lies above {BodyRegion.DefaultThresholdHu} HU", hint: "the atlas needs CT volumes in Hounsfield units");
    }

    /// <summary>A contiguous copy in LPS voxel order with the given element type.</summary>
    private static Image InLps(Image image, ElementType type)
    {
        var converted = image.ConvertTo(type);
        if (converted.Geometry.OrientationCode == "LPS")
        {
            return converted;
        }

        using (converted)
        {
            return converted.Reorient("LPS");
        }
    }
}
