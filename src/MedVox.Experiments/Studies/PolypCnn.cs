using MedVox.Classical.Colonography;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Learning.Networks;
using MedVox.Learning.Runtime;
using MedVox.Learning.Training;
using MedVox.Synthetic.Colon;
using static TorchSharp.torch;

namespace MedVox.Experiments.Studies;

/// <summary>How the polyp study trains its candidate classifier.</summary>
/// <param name="Patch">Side of the cubic patch (voxels) the network sees.</param>
/// <param name="SpacingMm">Isotropic spacing (mm) the patch is resampled to, whatever the CT's voxels.</param>
/// <param name="Widths">Channels per stage of the 3D <see cref="SmallCnn"/>.</param>
/// <param name="Iterations">AdamW steps.</param>
/// <param name="BatchSize">Patches per step, half of them positive.</param>
/// <param name="LearningRate">Initial learning rate (poly schedule).</param>
/// <param name="Seed">Seeds the weights and the batches.</param>
internal sealed record PolypCnnSettings(int Patch, double SpacingMm, int[] Widths, int Iterations, int BatchSize, double LearningRate, int Seed);

/// <summary>Training patches of the polyp CNN (each a cube of the patch side plus the shift margin on each side).</summary>
internal sealed class TrainingPatches
{
    public List<float[]> Positives { get; } = [];

    /// <summary>How many of <see cref="Positives"/> are candidates of the permissive filter (the rest are polyp centres).</summary>
    public int CandidatePositives { get; set; }

    /// <summary>
    /// The probability at and above which a candidate is more likely a polyp than not. The network is trained on
    /// balanced batches, so its odds are the likelihood ratio; among candidates polyps have the prior <c>pi</c> seen
    /// on the training phantoms, and posterior odds of 1 need <c>p / (1 - p) &gt;= (1 - pi) / pi</c>, i.e. <c>p &gt;= 1 - pi</c>.
    /// </summary>
    public double OperatingPoint => CandidatePositives + HardNegatives.Count == 0 ? 0.5 : (double)HardNegatives.Count / (CandidatePositives + HardNegatives.Count);

    /// <summary>Candidates of the permissive filter far from every polyp.</summary>
    public List<float[]> HardNegatives { get; } = [];

    /// <summary>Random points of the colon surface far from every polyp.</summary>
    public List<float[]> EasyNegatives { get; } = [];
}

/// <summary>A CT volume as float HU in memory, sampled at physical points (nearest voxel; air outside).</summary>
internal sealed class CtVolume
{
    private readonly float[] _values;
    private readonly int _sizeX, _sizeY, _sizeZ;

    public CtVolume(Image ct)
    {
        Geometry = ct.Geometry;
        (_sizeX, _sizeY, _sizeZ) = (Geometry.Size.X, Geometry.Size.Y, Geometry.Size.Z);
        using var values = ct.ConvertTo(ElementType.Float32);
        _values = values.AsSpan<float>().ToArray();
    }

    public ImageGeometry Geometry { get; }

    /// <summary>
    /// Fills <paramref name="target"/> (side <paramref name="side"/>, x fastest) with HU in [-1000, 1000] mapped to [-2, 2] on an
    /// axis-aligned (LPS) grid of <paramref name="spacingMm"/> centred on <paramref name="centre"/>.
    /// </summary>
    public void Sample(Vector3D centre, int side, double spacingMm, Span<float> target)
    {
        var origin = Geometry.PhysicalToIndex(centre);
        var stepX = Geometry.PhysicalToIndex(centre + new Vector3D(spacingMm, 0, 0)) - origin;
        var stepY = Geometry.PhysicalToIndex(centre + new Vector3D(0, spacingMm, 0)) - origin;
        var stepZ = Geometry.PhysicalToIndex(centre + new Vector3D(0, 0, spacingMm)) - origin;
        double half = (side - 1) / 2.0;
        int n = 0;
        for (int c = 0; c < side; c++)
        {
            for (int b = 0; b < side; b++)
            {
                var row = origin + (stepZ * (c - half)) + (stepY * (b - half));
                for (int a = 0; a < side; a++, n++)
                {
                    var p = row + (stepX * (a - half));
                    int i = (int)Math.Round(p.X), j = (int)Math.Round(p.Y), k = (int)Math.Round(p.Z);
                    float hu = i < 0 || j < 0 || k < 0 || i >= _sizeX || j >= _sizeY || k >= _sizeZ
                        ? -1000f
                        : _values[(((long)k * _sizeY) + j) * _sizeX + i];
                    target[n] = Math.Clamp(hu, -1000f, 1000f) / 500f;
                }
            }
        }
    }
}

/// <summary>
/// The CNN detector of the polyp study: candidates from the classical shape-index/curvedness filter run at permissive
/// thresholds (high sensitivity, many false positives), each classified polyp / not polyp by a small 3D CNN on a cube
/// around it, resampled to isotropic voxels. The CNN's probability is the candidate's score. Training patches come from
/// the same permissive candidates on training phantoms (labelled by the exact polyp positions) plus every polyp's true
/// centre, drawn half positive and half negative, with random shifts of up to two voxels and random axis flips.
/// </summary>
internal static class PolypCnn
{
    /// <summary>Augmentation margin (voxels) on each side of a stored training patch.</summary>
    private const int Margin = 2;

    /// <summary>
    /// The classical thresholds with smaller clusters kept: a superset of the classical detector's clusters (looser
    /// shape thresholds would merge a polyp's cap with the fold beside it and move its centre off the polyp).
    /// </summary>
    public static PolypDetectorOptions CandidateOptions { get; } = new()
    {
        MinClusterVolumeMm3 = 2,
        MinClusterVoxels = 2,
    };

    /// <summary>
    /// Patches of one training phantom: positives at candidates within a polyp's radius and at each polyp's centre
    /// (shifted by up to a quarter of its diameter, <paramref name="copies"/> times); hard negatives at candidates
    /// farther than a diameter from every polyp; easy negatives at random points of the colon surface (wall voxels
    /// touching the lumen) equally far from the polyps.
    /// </summary>
    public static void AddTrainingPatches(CtVolume volume, Image labels, IReadOnlyList<Vector3D> candidates, IReadOnlyList<(Vector3D Centre, double Diameter)> polyps, PolypCnnSettings settings, int copies, int wallPatches, Random random, TrainingPatches patches)
    {
        int side = settings.Patch + (2 * Margin);
        foreach (var candidate in candidates)
        {
            double nearest = Clearance(candidate, polyps, out bool hit);

            // Between the radius and the diameter a candidate is on the polyp's flank: neither label is honest.
            if (hit || nearest > 0)
            {
                (hit ? patches.Positives : patches.HardNegatives).Add(Extract(volume, candidate, side, settings.SpacingMm));
                patches.CandidatePositives += hit ? 1 : 0;
            }
        }

        foreach (var (centre, diameter) in polyps)
        {
            for (int n = 0; n < copies; n++)
            {
                var shift = new Vector3D(random.NextDouble() - 0.5, random.NextDouble() - 0.5, random.NextDouble() - 0.5) * (0.5 * diameter);
                patches.Positives.Add(Extract(volume, centre + (n == 0 ? default : shift), side, settings.SpacingMm));
            }
        }

        var surface = SurfaceVoxels(labels);
        for (int n = 0, tries = 0; n < wallPatches && surface.Count > 0 && tries < 20 * wallPatches; tries++)
        {
            int index = surface[random.Next(surface.Count)];
            var size = labels.Geometry.Size;
            var point = labels.Geometry.IndexToPhysical(index % size.X, index / size.X % size.Y, index / ((long)size.X * size.Y));
            if (Clearance(point, polyps, out _) > 0)
            {
                patches.EasyNegatives.Add(Extract(volume, point, side, settings.SpacingMm));
                n++;
            }
        }
    }

    public static SmallCnn Train(TrainingPatches patches, PolypCnnSettings settings, IProgress<string>? progress, CancellationToken cancellation)
    {
        if (patches.Positives.Count == 0 || patches.EasyNegatives.Count == 0)
        {
            throw new InvalidOperationException($"The polyp CNN needs positive and negative training patches, got {patches.Positives.Count} and {patches.EasyNegatives.Count}.");
        }

        var network = TorchRuntime.CreateSeeded(settings.Seed, () => new SmallCnn(1, 2, settings.Widths, dimensions: 3));
        var options = new TrainingOptions
        {
            Iterations = settings.Iterations,
            Optimizer = OptimizerKind.AdamW,
            LearningRate = settings.LearningRate,
            WeightDecay = 1e-4,
            Seed = settings.Seed,
        };
        using var trainer = new Trainer(network, Loss, options, CPU);
        var source = new PatchBatchSource(patches, settings);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (trainer.Iteration < settings.Iterations)
        {
            cancellation.ThrowIfCancellationRequested();
            double loss = trainer.Step(source, cancellation);
            if (trainer.Iteration % 20 == 0 || trainer.Iteration == settings.Iterations)
            {
                progress?.Report(FormattableString.Invariant($"polyp CNN iteration {trainer.Iteration}/{settings.Iterations}, loss {loss:F3}, {clock.Elapsed.TotalSeconds:F0} s"));
            }
        }

        network.eval();
        return network;
    }

    /// <summary>The network's probability of "polyp" for a patch around each candidate.</summary>
    public static double[] Score(SmallCnn network, CtVolume volume, IReadOnlyList<Vector3D> candidates, PolypCnnSettings settings)
    {
        var scores = new double[candidates.Count];
        int side = settings.Patch, voxels = side * side * side;
        const int Chunk = 32;
        using var noGrad = no_grad();
        for (int start = 0; start < candidates.Count; start += Chunk)
        {
            int count = Math.Min(Chunk, candidates.Count - start);
            var patches = new float[count * voxels];
            for (int n = 0; n < count; n++)
            {
                volume.Sample(candidates[start + n], side, settings.SpacingMm, patches.AsSpan(n * voxels, voxels));
            }

            using var scope = NewDisposeScope();
            var probabilities = nn.functional.softmax(network.forward(tensor(patches, [count, 1, side, side, side])), 1)[.., 1].contiguous();
            var values = probabilities.data<float>();
            for (int n = 0; n < count; n++)
            {
                scores[start + n] = values[n];
            }
        }

        return scores;
    }

    /// <summary>Distance to the nearest polyp's surface sphere of twice its radius (negative inside); whether within a radius of one.</summary>
    private static double Clearance(Vector3D point, IReadOnlyList<(Vector3D Centre, double Diameter)> polyps, out bool hit)
    {
        double nearest = double.PositiveInfinity;
        hit = false;
        foreach (var (centre, diameter) in polyps)
        {
            double distance = (point - centre).Length;
            hit |= distance <= 0.5 * diameter;
            nearest = Math.Min(nearest, distance - diameter);
        }

        return nearest;
    }

    private static float[] Extract(CtVolume volume, Vector3D centre, int side, double spacingMm)
    {
        var patch = new float[side * side * side];
        volume.Sample(centre, side, spacingMm, patch);
        return patch;
    }

    /// <summary>Linear indices of wall voxels with a lumen voxel among their six neighbours.</summary>
    private static List<int> SurfaceVoxels(Image labels)
    {
        var values = labels.AsSpan<byte>();
        var size = labels.Geometry.Size;
        int sx = size.X, sxy = size.X * size.Y;
        var surface = new List<int>();
        for (int i = sxy; i < values.Length - sxy; i++)
        {
            int x = i % sx;
            if (values[i] == ColonLabels.Wall && x > 0 && x < sx - 1 &&
                (values[i - 1] == ColonLabels.Lumen || values[i + 1] == ColonLabels.Lumen || values[i - sx] == ColonLabels.Lumen ||
                 values[i + sx] == ColonLabels.Lumen || values[i - sxy] == ColonLabels.Lumen || values[i + sxy] == ColonLabels.Lumen))
            {
                surface.Add(i);
            }
        }

        return surface;
    }

    private static Tensor Loss(nn.Module network, TrainingBatch batch) =>
        nn.functional.cross_entropy(((nn.Module<Tensor, Tensor>)network).forward(batch.Images), batch.Labels);

    /// <summary>
    /// Batches of shifted, flipped training patches, half positive, a quarter hard and a quarter easy negatives (all
    /// easy when there are no hard ones); batch k depends only on the seed and k.
    /// </summary>
    private sealed class PatchBatchSource(TrainingPatches patches, PolypCnnSettings settings) : IBatchSource
    {
        private long _drawn;

        public TrainingBatch Next(CancellationToken cancellation)
        {
            var random = BatchRandom.For(settings.Seed, _drawn++);
            int side = settings.Patch, stored = side + (2 * Margin), voxels = side * side * side;
            var images = new float[settings.BatchSize * voxels];
            var labels = new long[settings.BatchSize];
            for (int n = 0; n < settings.BatchSize; n++)
            {
                bool positive = n % 2 == 0;
                var list = positive ? patches.Positives : n % 4 == 1 && patches.HardNegatives.Count > 0 ? patches.HardNegatives : patches.EasyNegatives;
                var source = list[random.Next(list.Count)];
                labels[n] = positive ? 1 : 0;
                int ox = random.Next(2 * Margin + 1), oy = random.Next(2 * Margin + 1), oz = random.Next(2 * Margin + 1);
                bool fx = random.Next(2) == 1, fy = random.Next(2) == 1, fz = random.Next(2) == 1;
                var target = images.AsSpan(n * voxels, voxels);
                int t = 0;
                for (int z = 0; z < side; z++)
                {
                    int sz = oz + (fz ? side - 1 - z : z);
                    for (int y = 0; y < side; y++)
                    {
                        int sy = oy + (fy ? side - 1 - y : y);
                        int row = ((sz * stored) + sy) * stored;
                        for (int x = 0; x < side; x++, t++)
                        {
                            target[t] = source[row + ox + (fx ? side - 1 - x : x)];
                        }
                    }
                }
            }

            return new TrainingBatch(
                tensor(images, [settings.BatchSize, 1, side, side, side]).DetachFromDisposeScope(),
                tensor(labels, [settings.BatchSize]).DetachFromDisposeScope());
        }

        public byte[] SaveState() => BitConverter.GetBytes(_drawn);

        public void RestoreState(byte[] state) => _drawn = BitConverter.ToInt64(state);
    }
}
