using MedVox.Learning.Training;
using MedVox.Slides.Synthetic;
using static TorchSharp.torch;

namespace MedVox.Slides.Models;

/// <summary>
/// Training batches from slides and their tumour masks (0/255 pyramids of the same size): patches centred on tumour
/// or on any tissue (by the tissue and mask overviews), a tenth anywhere (glass too), read at one level, flipped and transposed at random (the eight
/// symmetries of the square, which tissue has) and lightly jittered in brightness. Batch k depends only on the seed and
/// k, so the state a checkpoint keeps is the batch counter.
/// </summary>
public sealed class SlidePatchSource : IBatchSource, IDisposable
{
    /// <summary>Share of patches placed anywhere on the slide.</summary>
    private const double AnywhereFraction = 0.1;

    private readonly List<TrainingSlide> _slides = [];
    private readonly SlideTrainingOptions _options;

    public SlidePatchSource(IReadOnlyList<(string Slide, string Mask)> pairs, SlideTrainingOptions options, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        if (pairs.Count == 0)
        {
            throw new MedVoxException("no training slides given", field: "--slide");
        }

        try
        {
            foreach (var (slidePath, maskPath) in pairs)
            {
                _slides.Add(TrainingSlide.Open(slidePath, maskPath, options.Level, cancellation));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public long Drawn { get; private set; }

    /// <summary>Microns per pixel of the patches (null when the first slide records none).</summary>
    public double? MicronsPerPixel => _slides[0].Slide.MicronsPerPixel is { } mpp ? mpp.X * _slides[0].Downsample : null;

    public double Downsample => _slides[0].Downsample;

    public TrainingBatch Next(CancellationToken cancellation)
    {
        int n = _options.BatchSize, p = _options.PatchSize, plane = p * p;
        var images = new float[n * 3 * plane];
        var labels = new long[n * plane];
        var rgb = new byte[plane * 3];
        var mask = new byte[plane];
        long batch = Drawn++;
        var random = new Random((int)PhantomFields.Hash((uint)_options.Seed, 7, (uint)batch, (uint)(batch >> 32)));
        for (int i = 0; i < n; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var slide = _slides[random.Next(_slides.Count)];
            double draw = random.NextDouble();
            bool tumour = slide.TumourCentres.Count > 0 && draw < _options.TumourFraction;
            var centres = tumour ? slide.TumourCentres : slide.TissueCentres;
            var (cx, cy) = centres[random.Next(centres.Count)];
            if (draw > 1 - AnywhereFraction)
            {
                // Some patches anywhere, glass included, so that windows mostly of glass are seen in training too.
                (cx, cy) = (random.NextDouble() * slide.Slide.Levels[0].Width, random.NextDouble() * slide.Slide.Levels[0].Height);
            }

            double jitterX = (random.NextDouble() - 0.5) * slide.OverviewScale, jitterY = (random.NextDouble() - 0.5) * slide.OverviewScale;
            long x = (long)(((cx + jitterX) / slide.Downsample) - (p / 2)), y = (long)(((cy + jitterY) / slide.Downsample) - (p / 2));
            slide.Slide.ReadRegion(_options.Level, x, y, p, p, rgb);
            slide.Mask.ReadRegion(slide.MaskLevel, x, y, p, p, mask, fill: 0);
            int symmetry = random.Next(8);
            float gain = 1 + (float)((random.NextDouble() - 0.5) * 0.1), shift = (float)((random.NextDouble() - 0.5) * 0.1);
            for (int ty = 0; ty < p; ty++)
            {
                for (int tx = 0; tx < p; tx++)
                {
                    int sx = (symmetry & 1) != 0 ? p - 1 - tx : tx, sy = (symmetry & 2) != 0 ? p - 1 - ty : ty;
                    if ((symmetry & 4) != 0)
                    {
                        (sx, sy) = (sy, sx);
                    }

                    int source = (sy * p) + sx, target = (ty * p) + tx;
                    for (int k = 0; k < 3; k++)
                    {
                        images[(((i * 3) + k) * plane) + target] = (((rgb[(source * 3) + k] / 127.5f) - 1) * gain) + shift;
                    }

                    labels[(i * plane) + target] = mask[source] >= 128 ? 1 : 0;
                }
            }
        }

        return new TrainingBatch(
            tensor(images, [n, 3, p, p]).DetachFromDisposeScope(),
            tensor(labels, [n, p, p]).DetachFromDisposeScope());
    }

    public byte[] SaveState() => BitConverter.GetBytes(Drawn);

    public void RestoreState(byte[] state) => Drawn = BitConverter.ToInt64(state);

    public void Dispose()
    {
        foreach (var slide in _slides)
        {
            slide.Dispose();
        }

        _slides.Clear();
    }

    /// <summary>A training slide, its mask, and the level-0 centres of tissue and tumour overview pixels.</summary>
    private sealed class TrainingSlide : IDisposable
    {
        public required SlideReader Slide { get; init; }

        public required SlideReader Mask { get; init; }

        public required int MaskLevel { get; init; }

        public required double Downsample { get; init; }

        public required double OverviewScale { get; init; }

        public required List<(double X, double Y)> TissueCentres { get; init; }

        public required List<(double X, double Y)> TumourCentres { get; init; }

        public static TrainingSlide Open(string slidePath, string maskPath, int level, CancellationToken cancellation)
        {
            SlideReader? slide = null, mask = null;
            try
            {
                slide = SlideFile.Open(slidePath);
                mask = SlideFile.Open(maskPath);
                var info = slide.Level(level);
                if (mask.Levels[0].Width != slide.Levels[0].Width || mask.Levels[0].Height != slide.Levels[0].Height)
                {
                    throw new MedVoxException($"the mask is {mask.Levels[0].Width}x{mask.Levels[0].Height}, the slide {slide.Levels[0].Width}x{slide.Levels[0].Height}", maskPath, hint: "give the mask written with this slide");
                }

                int maskLevel = -1;
                for (int i = 0; i < mask.LevelCount; i++)
                {
                    if (mask.Levels[i].Width == info.Width && mask.Levels[i].Height == info.Height)
                    {
                        maskLevel = i;
                    }
                }

                if (maskLevel < 0)
                {
                    throw new MedVoxException($"the mask has no level of {info.Width}x{info.Height} (level {level} of the slide)", maskPath, hint: "write masks with the slide's tile size, or train on a level both have");
                }

                var tissue = TissueMask.Detect(slide, cancellation);
                var truth = SlideOverview.Read(mask, SlideOverview.TargetPixels, cancellation);
                var tissueCentres = new List<(double, double)>();
                var tumourCentres = new List<(double, double)>();
                var pixels = tissue.Pixels;
                for (int y = 0; y < tissue.Height; y++)
                {
                    for (int x = 0; x < tissue.Width; x++)
                    {
                        if (pixels[(y * tissue.Width) + x] == 0)
                        {
                            continue;
                        }

                        double cx = (x + 0.5) * tissue.Scale, cy = (y + 0.5) * tissue.Scale;
                        tissueCentres.Add((cx, cy));
                        int mx = (int)(cx / truth.Scale), my = (int)(cy / truth.Scale);
                        if (mx < truth.Width && my < truth.Height && truth.Pixels[(my * truth.Width) + mx] >= 128)
                        {
                            tumourCentres.Add((cx, cy));
                        }
                    }
                }

                if (tissueCentres.Count == 0)
                {
                    throw new MedVoxException("no tissue found on the slide", slidePath);
                }

                return new TrainingSlide
                {
                    Slide = slide,
                    Mask = mask,
                    MaskLevel = maskLevel,
                    Downsample = info.Downsample,
                    OverviewScale = tissue.Scale,
                    TissueCentres = tissueCentres,
                    TumourCentres = tumourCentres,
                };
            }
            catch
            {
                slide?.Dispose();
                mask?.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            Slide.Dispose();
            Mask.Dispose();
        }
    }
}
