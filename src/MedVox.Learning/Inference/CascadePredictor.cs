using System.Diagnostics;
using System.Globalization;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Memory;

namespace MedVox.Learning.Inference;

/// <summary>
/// Coarse-to-fine prediction: a low-resolution model (its plan's target spacing coarser than the fine model's)
/// segments the whole volume cheaply; the box around everything it finds, widened by a margin in millimetres, is
/// cropped out of the input (a view, no copy) and the full-resolution model segments only that box, at full
/// resolution. Labels outside the box are background. When the coarse model finds nothing, the fine model segments
/// the whole volume (a missed localisation must not erase a structure). Both models must label the same classes.
/// </summary>
public sealed class CascadePredictor : IDisposable
{
    private readonly bool _ownsPredictors;
    private readonly Action<string> _log;

    /// <param name="coarse">Localises: any non-zero label counts as the region of interest.</param>
    /// <param name="fine">Segments inside the region, at full resolution.</param>
    /// <param name="marginMillimetres">Added around the coarse box on every side (clipped to the volume).</param>
    /// <param name="ownsPredictors">Dispose both with this object.</param>
    public CascadePredictor(Predictor coarse, Predictor fine, double marginMillimetres = 10, bool ownsPredictors = false)
    {
        ArgumentNullException.ThrowIfNull(coarse);
        ArgumentNullException.ThrowIfNull(fine);
        if (!(marginMillimetres >= 0) || double.IsInfinity(marginMillimetres))
        {
            throw new ArgumentOutOfRangeException(nameof(marginMillimetres), marginMillimetres, "The margin is a finite number of millimetres >= 0.");
        }

        if (coarse.Plan.Network.Classes != fine.Plan.Network.Classes || coarse.Plan.Channels.Count != fine.Plan.Channels.Count)
        {
            throw new MedVoxException(
                string.Create(CultureInfo.InvariantCulture, $"the coarse model ({coarse.Plan.Network.Classes} classes, {coarse.Plan.Channels.Count} channels) does not match the fine model ({fine.Plan.Network.Classes} classes, {fine.Plan.Channels.Count} channels)"),
                field: "cascade",
                hint: "train both stages on the same dataset");
        }

        Coarse = coarse;
        Fine = fine;
        MarginMillimetres = marginMillimetres;
        _ownsPredictors = ownsPredictors;
        _log = fine.Options.Log ?? (_ => { });
    }

    public Predictor Coarse { get; }

    public Predictor Fine { get; }

    public double MarginMillimetres { get; }

    /// <summary>
    /// The box (start, size) of the non-zero voxels of <paramref name="labels"/>, widened by
    /// <paramref name="marginMillimetres"/> per side (converted with each axis' spacing, rounded up) and clipped to the
    /// image; null when every voxel is zero.
    /// </summary>
    public static (Index3 Start, ImageSize Size)? RegionOf(Image labels, double marginMillimetres)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var size = labels.Size;
        int x0 = int.MaxValue, y0 = int.MaxValue, z0 = int.MaxValue, x1 = -1, y1 = -1, z1 = -1;
        for (int z = 0; z < size.Z; z++)
        {
            for (int y = 0; y < size.Y; y++)
            {
                var row = labels.GetRow<byte>(y, z);
                int first = row.IndexOfAnyExcept((byte)0);
                if (first < 0)
                {
                    continue;
                }

                int last = row.LastIndexOfAnyExcept((byte)0);
                x0 = Math.Min(x0, first);
                x1 = Math.Max(x1, last);
                y0 = Math.Min(y0, y);
                y1 = Math.Max(y1, y);
                z0 = Math.Min(z0, z);
                z1 = z;
            }
        }

        if (x1 < 0)
        {
            return null;
        }

        var spacing = labels.Geometry.Spacing;
        int mx = (int)Math.Ceiling(marginMillimetres / spacing.X), my = (int)Math.Ceiling(marginMillimetres / spacing.Y), mz = (int)Math.Ceiling(marginMillimetres / spacing.Z);
        x0 = Math.Max(0, x0 - mx);
        y0 = Math.Max(0, y0 - my);
        z0 = Math.Max(0, z0 - mz);
        x1 = Math.Min(size.X - 1, x1 + mx);
        y1 = Math.Min(size.Y - 1, y1 + my);
        z1 = Math.Min(size.Z - 1, z1 + mz);
        return (new Index3(x0, y0, z0), size.Rank == 2 ? ImageSize.Of2D(x1 - x0 + 1, y1 - y0 + 1) : ImageSize.Of3D(x1 - x0 + 1, y1 - y0 + 1, z1 - z0 + 1));
    }

    /// <summary>
    /// Predicts one case (channels as for <see cref="Predictor.Predict"/>): labels on the input's grid. The result's
    /// memory plan, placement and timings are the fine stage's; probabilities are not produced by a cascade.
    /// </summary>
    public PredictionResult Predict(IReadOnlyList<Image> images, IReadOnlyList<string>? names = null, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
        {
            throw new ArgumentException("At least one image is needed.", nameof(images));
        }

        var started = Stopwatch.StartNew();
        (Index3 Start, ImageSize Size)? region;
        using (var coarse = Coarse.Predict(images, names, progress is null ? null : new Progress<double>(p => progress.Report(0.2 * p)), cancellation))
        {
            region = RegionOf(coarse.Labels, MarginMillimetres);
        }

        var fineProgress = progress is null ? null : new Progress<double>(p => progress.Report(0.2 + (0.8 * p)));
        var frame = Predictor.FrameGeometry(images[0].Geometry);
        if (region is null)
        {
            _log("cascade: the coarse model found no foreground; segmenting the whole volume at full resolution");
            return Fine.Predict(images, names, fineProgress, cancellation);
        }

        var (start, size) = region.Value;
        _log(string.Create(CultureInfo.InvariantCulture, $"cascade: region {size.X}x{size.Y}x{size.Z} at ({start.X}, {start.Y}, {start.Z}) of {frame.Size.X}x{frame.Size.Y}x{frame.Size.Z} ({100.0 * size.VoxelCount / frame.Size.VoxelCount:F1}% of the voxels)"));
        var views = new List<Image>(images.Count);
        try
        {
            foreach (var image in images)
            {
                views.Add(image.Crop(start, size));
            }

            using var inside = Fine.Predict(views, names, fineProgress, cancellation);
            var labels = Image.Create(frame, ElementType.UInt8, 1, new AllocationOptions { Mode = inside.Labels.IsMapped ? AllocationMode.Mapped : AllocationMode.Memory, ScratchDirectory = Fine.Options.ScratchDirectory });
            for (int z = 0; z < size.Z; z++)
            {
                for (int y = 0; y < size.Y; y++)
                {
                    inside.Labels.GetRow<byte>(y, z).CopyTo(labels.GetRow<byte>(start.Y + y, start.Z + z).Slice(start.X, size.X));
                }
            }

            var timings = inside.Timings;
            timings.Total = started.Elapsed;
            return new PredictionResult(labels, null, inside.Memory, inside.Placement, timings, inside.Warnings);
        }
        finally
        {
            foreach (var view in views)
            {
                view.Dispose();
            }
        }
    }

    public void Dispose()
    {
        if (_ownsPredictors)
        {
            Coarse.Dispose();
            Fine.Dispose();
        }
    }
}
