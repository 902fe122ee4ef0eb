namespace MedVox.Learning.Data;

/// <summary>What the fingerprint keeps of one training case (sizes x, y, z; spacing in mm per index axis).</summary>
public sealed record CaseFingerprint
{
    public required string Id { get; init; }

    public required int[] Size { get; init; }

    public required double[] Spacing { get; init; }

    /// <summary>Orientation code of the index axes (nibabel's convention, e.g. "RAS", "LPS").</summary>
    public required string Orientation { get; init; }

    /// <summary>Bounding box of the voxels that are nonzero in any channel (nnU-Net's crop), in index space; the whole image when there are none.</summary>
    public required int[] NonzeroStart { get; init; }

    public required int[] NonzeroSize { get; init; }

    /// <summary>Voxels whose label is above 0.</summary>
    public long ForegroundVoxels { get; init; }

    /// <summary>Voxels per label value present in the label map.</summary>
    public required IReadOnlyDictionary<int, long> LabelVoxels { get; init; }

    /// <summary>Foreground intensity statistics per channel.</summary>
    public required IReadOnlyList<IntensityStatistics> Foreground { get; init; }

    /// <summary>
    /// Fingerprints a loaded case: one pass for moments, extremes, nonzero box and label counts; one more for a uniform
    /// sample (without replacement, in scan order) of at most <paramref name="maxSamples"/> foreground voxels per channel.
    /// </summary>
    internal static (CaseFingerprint Fingerprint, float[][] Samples) Compute(LoadedCase loaded, int maxSamples, ulong seed, int caseIndex)
    {
        var label = loaded.Label ?? throw new InvalidOperationException("A fingerprint needs the label.");
        var channels = loaded.Channels;
        var size = loaded.Geometry.Size;
        int channelCount = channels.Count;
        var partials = new SlabPartial[size.Z];
        ParallelSlabs.For(size.Z, z =>
        {
            var partial = new SlabPartial(channelCount);
            for (int y = 0; y < size.Y; y++)
            {
                ReadOnlySpan<byte> labels = label.GetRow<byte>(y, z);
                for (int x = 0; x < labels.Length; x++)
                {
                    partial.LabelCounts[labels[x]]++;
                }

                bool nonzero = false;
                for (int c = 0; c < channelCount; c++)
                {
                    ReadOnlySpan<float> values = channels[c].GetRow<float>(y, z);
                    ref var moments = ref partial.Moments[c];
                    for (int x = 0; x < values.Length; x++)
                    {
                        float v = values[x];
                        if (labels[x] > 0)
                        {
                            moments.Add(v);
                        }

                        if (v != 0)
                        {
                            nonzero = true;
                            partial.MinX = Math.Min(partial.MinX, x);
                            partial.MaxX = Math.Max(partial.MaxX, x);
                        }
                    }
                }

                if (nonzero)
                {
                    partial.MinY = Math.Min(partial.MinY, y);
                    partial.MaxY = Math.Max(partial.MaxY, y);
                    partial.HasNonzero = true;
                }
            }

            partials[z] = partial;
        });

        var total = new SlabPartial(channelCount);
        int minZ = int.MaxValue, maxZ = -1;
        for (int z = 0; z < size.Z; z++)
        {
            var p = partials[z];
            for (int c = 0; c < channelCount; c++)
            {
                total.Moments[c].Merge(p.Moments[c]);
            }

            for (int v = 0; v < 256; v++)
            {
                total.LabelCounts[v] += p.LabelCounts[v];
            }

            if (p.HasNonzero)
            {
                total.MinX = Math.Min(total.MinX, p.MinX);
                total.MaxX = Math.Max(total.MaxX, p.MaxX);
                total.MinY = Math.Min(total.MinY, p.MinY);
                total.MaxY = Math.Max(total.MaxY, p.MaxY);
                minZ = Math.Min(minZ, z);
                maxZ = Math.Max(maxZ, z);
            }
        }

        long foreground = 0;
        var labelVoxels = new SortedDictionary<int, long>();
        for (int v = 0; v < 256; v++)
        {
            if (total.LabelCounts[v] > 0)
            {
                labelVoxels[v] = total.LabelCounts[v];
                if (v > 0)
                {
                    foreground += total.LabelCounts[v];
                }
            }
        }

        var samples = SampleForeground(loaded, foreground, (int)Math.Min(foreground, maxSamples), new DataRandom(seed, caseIndex, purpose: 1));
        var statistics = new IntensityStatistics[channelCount];
        var sorted = new float[channelCount][];
        for (int c = 0; c < channelCount; c++)
        {
            // The statistics sort their copy; the pooled dataset statistics get the samples in scan order.
            sorted[c] = (float[])samples[c].Clone();
            statistics[c] = IntensityStatistics.FromMoments(total.Moments[c], sorted[c]);
        }

        bool any = maxZ >= 0;
        var fingerprint = new CaseFingerprint
        {
            Id = loaded.Id,
            Size = [size.X, size.Y, size.Z],
            Spacing = [loaded.Geometry.Spacing.X, loaded.Geometry.Spacing.Y, loaded.Geometry.Spacing.Z],
            Orientation = loaded.Geometry.OrientationCode,
            NonzeroStart = any ? [total.MinX, total.MinY, minZ] : [0, 0, 0],
            NonzeroSize = any ? [total.MaxX - total.MinX + 1, total.MaxY - total.MinY + 1, maxZ - minZ + 1] : [size.X, size.Y, size.Z],
            ForegroundVoxels = foreground,
            LabelVoxels = labelVoxels,
            Foreground = statistics,
        };
        return (fingerprint, samples);
    }

    /// <summary>Knuth's selection sampling: each foreground voxel is kept with probability (still needed) / (still to come).</summary>
    private static float[][] SampleForeground(LoadedCase loaded, long foreground, int count, DataRandom random)
    {
        var channels = loaded.Channels;
        var label = loaded.Label!;
        var samples = new float[channels.Count][];
        for (int c = 0; c < samples.Length; c++)
        {
            samples[c] = new float[count];
        }

        long remaining = foreground;
        int taken = 0;
        var size = loaded.Geometry.Size;
        for (int z = 0; z < size.Z && taken < count; z++)
        {
            for (int y = 0; y < size.Y && taken < count; y++)
            {
                ReadOnlySpan<byte> labels = label.GetRow<byte>(y, z);
                for (int x = 0; x < labels.Length && taken < count; x++)
                {
                    if (labels[x] == 0)
                    {
                        continue;
                    }

                    int needed = count - taken;
                    if (needed >= remaining || random.NextInt64(remaining) < needed)
                    {
                        for (int c = 0; c < samples.Length; c++)
                        {
                            samples[c][taken] = channels[c].GetRow<float>(y, z)[x];
                        }

                        taken++;
                    }

                    remaining--;
                }
            }
        }

        return samples;
    }

    private sealed class SlabPartial(int channels)
    {
        public Moments[] Moments { get; } = CreateMoments(channels);

        public long[] LabelCounts { get; } = new long[256];

        public bool HasNonzero { get; set; }

        public int MinX { get; set; } = int.MaxValue;

        public int MaxX { get; set; } = -1;

        public int MinY { get; set; } = int.MaxValue;

        public int MaxY { get; set; } = -1;

        private static Moments[] CreateMoments(int channels)
        {
            var moments = new Moments[channels];
            moments.AsSpan().Fill(Data.Moments.Empty);
            return moments;
        }
    }
}
