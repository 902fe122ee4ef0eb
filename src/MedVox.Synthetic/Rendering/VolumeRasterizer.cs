using MedVox.Imaging;

namespace MedVox.Synthetic.Rendering;

/// <summary>How a scene becomes CT-like voxels.</summary>
internal sealed record RenderSettings
{
    /// <summary>Value outside every structure (air).</summary>
    public float Background { get; init; } = -1000;

    /// <summary>Standard deviation of the noise in the output (after the point-spread blur); 0 for none.</summary>
    public double NoiseSd { get; init; }

    /// <summary>Identifies the case: the noise of slice k comes from (NoiseKey, k), whatever thread computes it.</summary>
    public ulong NoiseKey { get; init; }

    /// <summary>Most sub-slices averaged into one thick slice.</summary>
    public int MaxSubSlices { get; init; } = 7;

    /// <summary>Clamp of the output values.</summary>
    public float Minimum { get; init; } = -1024;

    public float Maximum { get; init; } = 3071;
}

/// <summary>
/// Renders structures into an int16 intensity volume and a uint8 label volume with the same (axis-aligned) geometry.
/// Each slice integrates its thickness (odd number of sub-slices averaged), each structure edge ramps over one voxel
/// (coverage of the voxel), a [1 2 1]/4 in-plane blur stands for the scanner's point-spread function, and noise is added
/// before the blur so that it is correlated like CT noise, scaled so its final standard deviation is as requested. The
/// label of a voxel is that of the last structure containing its centre. Slices are rendered in parallel; each uses
/// its own noise stream, so the result does not depend on scheduling.
/// </summary>
internal static class VolumeRasterizer
{
    /// <summary>Noise SD after the separable [1 2 1]/4 blur in x and y relative to before: sqrt(6/16) per axis, 6/16 for both.</summary>
    private const double BlurNoiseFactor = 6.0 / 16.0;

    public static void Render(
        IReadOnlyList<Structure> structures,
        Image intensity,
        Image labels,
        RenderSettings settings,
        IProgress<double>? progress,
        CancellationToken cancellation)
    {
        var size = intensity.Size;
        var geometry = intensity.Geometry;
        int nx = size.X, ny = size.Y, nz = size.Z;
        double sx = geometry.Spacing.X, sy = geometry.Spacing.Y, sz = geometry.Spacing.Z;
        double ox = geometry.Origin.X, oy = geometry.Origin.Y, oz = geometry.Origin.Z;
        int sub = size.Rank == 2 ? 1 : Math.Clamp((int)Math.Ceiling(sz / Math.Min(sx, sy)), 1, settings.MaxSubSlices);
        if (sub % 2 == 0)
        {
            sub++;
        }

        double subSpacing = size.Rank == 2 ? sx : sz / sub;
        double ramp = Math.Max(Math.Max(sx, sy), subSpacing);
        int done = 0;
        var options = new ParallelOptions { CancellationToken = cancellation };
        Parallel.For(
            0,
            nz,
            options,
            () => new SliceScratch(nx, ny),
            (k, _, scratch) =>
            {
                double zc = oz + (k * sz);
                var acc = scratch.Accumulator;
                var current = scratch.Current;
                var label = labels.GetSlice<byte>(k);
                Array.Clear(acc);
                for (int s = 0; s < sub; s++)
                {
                    double z = zc + ((s - ((sub - 1) * 0.5)) * subSpacing);
                    bool center = s == (sub - 1) / 2;
                    Array.Fill(current, settings.Background);
                    if (center)
                    {
                        label.Clear();
                    }

                    foreach (var structure in structures)
                    {
                        Paint(structure, z, center, current, label, scratch.Distances, scratch.Texture, nx, ny, ox, oy, sx, sy, ramp);
                    }

                    for (int i = 0; i < acc.Length; i++)
                    {
                        acc[i] += current[i];
                    }
                }

                float inverse = 1f / sub;
                for (int i = 0; i < acc.Length; i++)
                {
                    acc[i] *= inverse;
                }

                if (settings.NoiseSd > 0)
                {
                    var random = PhantomRandom.ForStream(settings.NoiseKey, k);
                    random.FillNormal(current);
                    float scale = (float)(settings.NoiseSd / BlurNoiseFactor);
                    for (int i = 0; i < acc.Length; i++)
                    {
                        acc[i] += scale * current[i];
                    }
                }

                Blur(acc, current, nx, ny);
                var output = intensity.GetSlice<short>(k);
                for (int i = 0; i < acc.Length; i++)
                {
                    output[i] = (short)MathF.Round(Math.Clamp(acc[i], settings.Minimum, settings.Maximum));
                }

                int finished = Interlocked.Increment(ref done);
                progress?.Report((double)finished / nz);
                return scratch;
            },
            _ => { });
    }

    private static void Paint(
        Structure structure, double z, bool center, float[] current, Span<byte> label, double[] distanceRow, float[] textureRow,
        int nx, int ny, double ox, double oy, double sx, double sy, double ramp)
    {
        var bounds = structure.Shape.Bounds.Expand(ramp);
        if (!bounds.ContainsZ(z))
        {
            return;
        }

        int i0 = Math.Max(0, (int)Math.Floor((bounds.Min.X - ox) / sx));
        int i1 = Math.Min(nx - 1, (int)Math.Ceiling((bounds.Max.X - ox) / sx));
        int j0 = Math.Max(0, (int)Math.Floor((bounds.Min.Y - oy) / sy));
        int j1 = Math.Min(ny - 1, (int)Math.Ceiling((bounds.Max.Y - oy) / sy));
        if (i0 > i1 || j0 > j1)
        {
            return;
        }

        var layers = structure.LayerArray;
        int layerCount = layers.Length;
        double inverseRamp = 1.0 / ramp;
        double x0 = ox + (i0 * sx);
        var distances = distanceRow.AsSpan(0, i1 - i0 + 1);
        for (int j = j0; j <= j1; j++)
        {
            double y = oy + (j * sy);
            structure.Shape.DistanceRow(y, z, x0, sx, distances);
            bool textureReady = false;
            int rowStart = (j * nx) + i0;
            for (int i = 0; i < distances.Length; i++)
            {
                double d = distances[i];
                if (d >= 0.5 * ramp)
                {
                    continue;
                }

                int index = rowStart + i;
                for (int l = 0; l < layerCount; l++)
                {
                    var layer = layers[l];
                    double dl = d + layer.Inset;
                    double coverage = 0.5 - (dl * inverseRamp);
                    if (coverage <= 0)
                    {
                        break;
                    }

                    float a = (float)Math.Min(coverage, 1.0);
                    float value = layer.Value;
                    if (layer.Texture is not null)
                    {
                        if (!textureReady)
                        {
                            layer.Texture.ValueRow(y, z, x0, sx, textureRow.AsSpan(0, distances.Length));
                            textureReady = true;
                        }

                        value = textureRow[i];
                    }

                    current[index] += a * (value - current[index]);
                    if (center && dl < 0 && layer.Label != Structure.KeepLabel)
                    {
                        label[index] = layer.Label;
                    }
                }
            }
        }
    }

    /// <summary>Separable [1 2 1]/4 blur in x and y (edges clamped); <paramref name="scratch"/> has the slice's size.</summary>
    private static void Blur(float[] values, float[] scratch, int nx, int ny)
    {
        for (int j = 0; j < ny; j++)
        {
            var row = values.AsSpan(j * nx, nx);
            var outRow = scratch.AsSpan(j * nx, nx);
            for (int i = 0; i < nx; i++)
            {
                float left = row[Math.Max(i - 1, 0)], right = row[Math.Min(i + 1, nx - 1)];
                outRow[i] = 0.25f * (left + right + (2 * row[i]));
            }
        }

        for (int j = 0; j < ny; j++)
        {
            var up = scratch.AsSpan(Math.Max(j - 1, 0) * nx, nx);
            var mid = scratch.AsSpan(j * nx, nx);
            var down = scratch.AsSpan(Math.Min(j + 1, ny - 1) * nx, nx);
            var outRow = values.AsSpan(j * nx, nx);
            for (int i = 0; i < nx; i++)
            {
                outRow[i] = 0.25f * (up[i] + down[i] + (2 * mid[i]));
            }
        }
    }

    private sealed class SliceScratch(int nx, int ny)
    {
        public float[] Accumulator { get; } = new float[nx * ny];

        public float[] Current { get; } = new float[nx * ny];

        public double[] Distances { get; } = new double[nx];

        public float[] Texture { get; } = new float[nx];
    }
}
