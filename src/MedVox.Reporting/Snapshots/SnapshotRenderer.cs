using MedVox.Evaluation.Segmentation;
using MedVox.Geometry;
using MedVox.Imaging;
using SkiaSharp;

namespace MedVox.Reporting.Snapshots;

/// <summary>
/// Draws axial, coronal and sagittal slices of a case: the image in a grey-level window with the outlines of the
/// reference and the prediction of each label. Views are laid out in patient directions whatever the file's axis
/// order (radiological convention, see <see cref="SliceView"/>), each voxel drawn over its physical extent so that
/// anisotropic spacing keeps true proportions, and only the shown planes are read.
/// </summary>
public static class SnapshotRenderer
{
    private static readonly SKColor NoImageBackground = new(48, 48, 48);
    private static readonly SKColor OutsideImage = new(0, 0, 40);

    /// <summary>
    /// Renders the views of one case. The label maps set the grid (the reference's, else the prediction's, else the
    /// image's); an image on another grid is sampled at the grid's voxel centres (nearest voxel). Slices pass through
    /// <paramref name="point"/> (LPS, mm) when given, else through the centre of the reference foreground of the
    /// outlined labels (the prediction's when the reference has none); a view whose slice would miss the foreground
    /// moves to the nearest slice that has some.
    /// </summary>
    /// <param name="image">The image shown in grey levels (or RGB for colour images); null draws outlines on grey.</param>
    /// <param name="prediction">The predicted label map, or null.</param>
    /// <param name="reference">The reference label map, or null.</param>
    /// <param name="labels">The labels (values and names) the maps hold.</param>
    /// <param name="options">Window, scale, outlined labels, views.</param>
    /// <param name="point">A physical point the slices pass through.</param>
    public static CaseSnapshot Render(Image? image, Image? prediction, Image? reference, LabelSet labels, SnapshotOptions? options = null, Vector3D? point = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        options ??= SnapshotOptions.Default;
        options.Validate();
        var gridImage = reference ?? prediction ?? image
            ?? throw new ArgumentException("A snapshot needs an image, a prediction or a reference.", nameof(image));
        var grid = new CanonicalGrid(gridImage.Geometry);

        var drawn = SelectLabels(labels, options.Labels);
        var styles = new List<ContourStyle>(drawn.Count);
        foreach (var label in drawn)
        {
            styles.Add(ContourStyle.ForIndex(label.Name, IndexOf(labels.Evaluated, label)));
        }

        var lookups = new LabelLookup[drawn.Count];
        for (int i = 0; i < drawn.Count; i++)
        {
            lookups[i] = LabelLookup.For(labels, [drawn[i]]);
        }

        // Where the slices cross (histograms count in grid indices, so only a map on the grid's size can place them).
        var union = LabelLookup.For(labels, drawn);
        ForegroundHistogram? histogram = null;
        foreach (var map in (ReadOnlySpan<Image?>)[reference, prediction])
        {
            if (map is not null && point is null && map.Size == gridImage.Size)
            {
                var candidate = ForegroundHistogram.Compute(map, union);
                if (candidate.Total > 0)
                {
                    histogram = candidate;
                    break;
                }
            }
        }

        var centreIndex = point is { } p
            ? grid.Geometry.PhysicalToIndex(p)
            : histogram is not null
                ? new Vector3D(histogram.Mean(0), histogram.Mean(1), histogram.Mean(2))
                : new Vector3D((gridImage.Size.X - 1) / 2.0, (gridImage.Size.Y - 1) / 2.0, (gridImage.Size.Z - 1) / 2.0);
        var (c0, c1, c2) = grid.FromSource(centreIndex);
        int[] centre = [c0, c1, c2];

        // The planes of every view, read once.
        var views = new List<ViewPlanes>();
        foreach (var view in options.Views)
        {
            var (column, row, _, across) = CanonicalGrid.ViewAxes(view);
            if (grid.Size[column] < 2 || grid.Size[row] < 2)
            {
                continue;
            }

            int slice = centre[across];
            if (histogram is not null)
            {
                // The histogram counts along source axes; moving along the source axis moves along the canonical one.
                int moved = histogram.NearestWithForeground(grid.SourceAxis(across), grid.Flip(across, slice));
                slice = grid.Flip(across, moved);
            }

            views.Add(ReadPlanes(view, slice, grid, image, prediction, reference));
        }

        if (views.Count == 0)
        {
            throw new ArgumentException($"No view of the {gridImage.Size} grid is at least two voxels wide and high.", nameof(options));
        }

        IntensityWindow? window = options.Window;
        bool automatic = false;
        if (image is not null && window is null)
        {
            window = AutomaticWindow(image, views, options);
            automatic = true;
        }

        double extent = 0;
        foreach (var view in views)
        {
            extent = Math.Max(extent, Math.Max(view.Columns * grid.Spacing[view.ColumnAxis], view.Rows * grid.Spacing[view.RowAxis]));
        }

        double scale = options.PixelsPerMillimetre ?? options.PanelSize / extent;
        var panels = new List<SnapshotPanel>(views.Count);
        using var typeface = ReportFonts.Create(bold: true);
        foreach (var view in views)
        {
            panels.Add(DrawPanel(view, grid, scale, image, window, drawn.Count, lookups, styles, options, typeface));
        }

        var (x0, y0, z0) = grid.ToSource(centre[0], centre[1], centre[2]);
        return new CaseSnapshot(panels, styles, window, automatic, grid.Geometry.IndexToPhysical(x0, y0, z0), scale, grid.IsOblique);
    }

    private static List<LabelDefinition> SelectLabels(LabelSet labels, IReadOnlyList<string>? names)
    {
        if (names is null)
        {
            return [.. labels.Evaluated];
        }

        var selected = new List<LabelDefinition>();
        foreach (string name in names)
        {
            var label = labels.Evaluated.FirstOrDefault(l => l.Name == name)
                ?? throw new ArgumentException($"Label \"{name}\" is not an evaluated label ({string.Join(", ", labels.Evaluated.Select(l => l.Name))}).", nameof(names));
            selected.Add(label);
        }

        return selected;
    }

    private static int IndexOf(IReadOnlyList<LabelDefinition> labels, LabelDefinition label)
    {
        for (int i = 0; i < labels.Count; i++)
        {
            if (labels[i].Name == label.Name)
            {
                return i;
            }
        }

        return 0;
    }

    private static ViewPlanes ReadPlanes(SliceView view, int slice, CanonicalGrid grid, Image? image, Image? prediction, Image? reference)
    {
        var (columnAxis, rowAxis, rowReversed, across) = CanonicalGrid.ViewAxes(view);
        int columns = grid.Size[columnAxis], rows = grid.Size[rowAxis];
        var planes = new ViewPlanes(view, columnAxis, rowAxis, columns, rows);
        var imageSampler = image is null ? null : new VolumeSampler(image, grid);
        var predictionSampler = prediction is null ? null : new VolumeSampler(prediction, grid);
        var referenceSampler = reference is null ? null : new VolumeSampler(reference, grid);
        int colourChannels = image is { IsColor: true, Channels: >= 3 } ? 3 : 1;
        if (imageSampler is not null)
        {
            planes.Image = new double[colourChannels][];
            for (int ch = 0; ch < colourChannels; ch++)
            {
                planes.Image[ch] = new double[columns * rows];
            }
        }

        planes.Prediction = predictionSampler is null ? null : new double[columns * rows];
        planes.Reference = referenceSampler is null ? null : new double[columns * rows];
        Span<int> canonical = stackalloc int[3];
        canonical[across] = slice;
        for (int v = 0; v < rows; v++)
        {
            canonical[rowAxis] = rowReversed ? rows - 1 - v : v;
            for (int u = 0; u < columns; u++)
            {
                canonical[columnAxis] = u;
                var (x, y, z) = grid.ToSource(canonical[0], canonical[1], canonical[2]);
                int i = (v * columns) + u;
                if (imageSampler is not null)
                {
                    for (int ch = 0; ch < colourChannels; ch++)
                    {
                        planes.Image![ch][i] = imageSampler.Sample(x, y, z, ch);
                    }
                }

                if (predictionSampler is not null)
                {
                    planes.Prediction![i] = predictionSampler.Sample(x, y, z, 0);
                }

                if (referenceSampler is not null)
                {
                    planes.Reference![i] = referenceSampler.Sample(x, y, z, 0);
                }
            }
        }

        planes.SourceAxis = grid.SourceAxis(across);
        planes.SourceSlice = grid.Flip(across, slice);
        planes.SourceSliceCount = grid.Geometry.Size[planes.SourceAxis];
        return planes;
    }

    private static IntensityWindow AutomaticWindow(Image image, List<ViewPlanes> views, SnapshotOptions options)
    {
        if (image.IsColor && image.ElementType == ElementType.UInt8)
        {
            return IntensityWindow.FromRange(0, 255);
        }

        var values = new List<double>();
        foreach (var view in views)
        {
            foreach (var channel in view.Image!)
            {
                foreach (double v in channel)
                {
                    if (double.IsFinite(v))
                    {
                        values.Add(v);
                    }
                }
            }
        }

        if (values.Count == 0)
        {
            return IntensityWindow.FromRange(0, 1);
        }

        values.Sort();
        double lower = Percentile(values, options.LowerPercentile);
        double upper = Percentile(values, options.UpperPercentile);
        if (Percentile(values, 0.5) < -500)
        {
            return IntensityWindow.CtSoftTissue;
        }

        if (!(upper > lower))
        {
            (lower, upper) = (values[0], values[^1]);
        }

        return upper > lower ? IntensityWindow.FromRange(lower, upper) : IntensityWindow.FromRange(lower - 0.5, lower + 0.5);
    }

    /// <summary>numpy's default (linear) percentile of sorted values.</summary>
    internal static double Percentile(List<double> sorted, double percent)
    {
        double position = (sorted.Count - 1) * percent / 100;
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Count - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }

    private static SnapshotPanel DrawPanel(ViewPlanes view, CanonicalGrid grid, double scale, Image? image, IntensityWindow? window,
        int labelCount, LabelLookup[] lookups, List<ContourStyle> styles, SnapshotOptions options, SKTypeface typeface)
    {
        int width = Math.Max(1, (int)Math.Round(view.Columns * grid.Spacing[view.ColumnAxis] * scale));
        int height = Math.Max(1, (int)Math.Round(view.Rows * grid.Spacing[view.RowAxis] * scale));
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        FillImage(bitmap, view, window, image is not null);

        using (var canvas = new SKCanvas(bitmap))
        {
            float sx = (float)width / view.Columns, sy = (float)height / view.Rows;
            var mask = new bool[view.Columns * view.Rows];

            // All references first, then all predictions on top, so that no prediction hides under another label's reference.
            for (int pass = 0; pass < 2; pass++)
            {
                var plane = pass == 0 ? view.Reference : view.Prediction;
                if (plane is null)
                {
                    continue;
                }

                for (int l = 0; l < labelCount; l++)
                {
                    bool any = false;
                    for (int i = 0; i < plane.Length; i++)
                    {
                        mask[i] = lookups[l].Contains(plane[i]);
                        any |= mask[i];
                    }

                    if (!any)
                    {
                        continue;
                    }

                    using var path = new SKPath();
                    foreach (var loop in ContourTracer.Trace(mask, view.Columns, view.Rows))
                    {
                        path.MoveTo(loop[0].X * sx, loop[0].Y * sy);
                        for (int k = 1; k < loop.Count; k++)
                        {
                            path.LineTo(loop[k].X * sx, loop[k].Y * sy);
                        }

                        path.Close();
                    }

                    var (r, g, b) = ContourStyle.Parse(pass == 0 ? styles[l].ReferenceColor : styles[l].PredictionColor);
                    using var paint = new SKPaint
                    {
                        Color = new SKColor(r, g, b),
                        Style = SKPaintStyle.Stroke,
                        StrokeWidth = pass == 0 ? 2 * options.LineWidth : options.LineWidth,
                        StrokeJoin = SKStrokeJoin.Miter,
                        IsAntialias = true,
                    };
                    canvas.DrawPath(path, paint);
                }
            }

            if (options.OrientationLetters && grid.Geometry.Size.Rank >= 3 && Math.Min(width, height) >= 48)
            {
                DrawLetters(canvas, view.View, width, height, typeface);
            }
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return new SnapshotPanel(view.View, data.ToArray(), width, height, view.Columns, view.Rows, view.SourceAxis, view.SourceSlice, view.SourceSliceCount);
    }

    /// <summary>
    /// Fills the panel from the image plane: each pixel shows the voxel under its centre when zoomed in, and the mean
    /// of the voxels it covers when zoomed out (so that a 512-voxel slice shown smaller does not alias).
    /// </summary>
    private static void FillImage(SKBitmap bitmap, ViewPlanes view, IntensityWindow? window, bool hasImage)
    {
        int width = bitmap.Width, height = bitmap.Height;
        var pixels = bitmap.GetPixelSpan();
        var (columnStart, columnEnd) = Footprints(width, view.Columns);
        var (rowStart, rowEnd) = Footprints(height, view.Rows);
        double lower = window?.Lower ?? 0, range = window?.Width ?? 1;
        int channels = hasImage ? view.Image!.Length : 0;
        Span<double> sum = stackalloc double[3];
        for (int py = 0; py < height; py++)
        {
            for (int px = 0; px < width; px++)
            {
                int o = ((py * width) + px) * 4;
                pixels[o + 3] = 255;
                if (!hasImage)
                {
                    pixels[o] = NoImageBackground.Red;
                    pixels[o + 1] = NoImageBackground.Green;
                    pixels[o + 2] = NoImageBackground.Blue;
                    continue;
                }

                sum.Clear();
                int count = 0;
                for (int v = rowStart[py]; v < rowEnd[py]; v++)
                {
                    for (int u = columnStart[px]; u < columnEnd[px]; u++)
                    {
                        int i = (v * view.Columns) + u;
                        if (double.IsNaN(view.Image![0][i]))
                        {
                            continue;
                        }

                        for (int c = 0; c < channels; c++)
                        {
                            sum[c] += view.Image[c][i];
                        }

                        count++;
                    }
                }

                if (count == 0)
                {
                    pixels[o] = OutsideImage.Red;
                    pixels[o + 1] = OutsideImage.Green;
                    pixels[o + 2] = OutsideImage.Blue;
                    continue;
                }

                for (int c = 0; c < 3; c++)
                {
                    double value = sum[Math.Min(c, channels - 1)] / count;
                    pixels[o + c] = (byte)Math.Clamp(Math.Round((value - lower) / range * 255), 0, 255);
                }
            }
        }
    }

    /// <summary>For each of <paramref name="pixels"/> pixels, the voxels [start, end) it covers (at least the one under its centre).</summary>
    private static (int[] Start, int[] End) Footprints(int pixels, int voxels)
    {
        var start = new int[pixels];
        var end = new int[pixels];
        for (int p = 0; p < pixels; p++)
        {
            int centre = Math.Min(voxels - 1, (int)((p + 0.5) * voxels / pixels));
            int first = (int)Math.Ceiling(((double)p * voxels / pixels) - 0.5);
            int last = (int)Math.Ceiling((((double)p + 1) * voxels / pixels) - 0.5);
            start[p] = Math.Clamp(Math.Min(first, centre), 0, voxels - 1);
            end[p] = Math.Clamp(Math.Max(last, centre + 1), start[p] + 1, voxels);
        }

        return (start, end);
    }

    private static void DrawLetters(SKCanvas canvas, SliceView view, int width, int height, SKTypeface typeface)
    {
        var (left, right, top, bottom) = CanonicalGrid.ViewLetters(view);
        using var font = new SKFont(typeface, 14);
        using var outline = new SKPaint { Color = SKColors.Black, Style = SKPaintStyle.Stroke, StrokeWidth = 3, IsAntialias = true, StrokeJoin = SKStrokeJoin.Round };
        using var fill = new SKPaint { Color = SKColors.White, Style = SKPaintStyle.Fill, IsAntialias = true };
        float ascent = -font.Metrics.Ascent;
        void Draw(string text, float x, float y, SKTextAlign align)
        {
            canvas.DrawText(text, x, y, align, font, outline);
            canvas.DrawText(text, x, y, align, font, fill);
        }

        float middleY = (height / 2f) + (ascent / 2f);
        Draw(left, 4, middleY, SKTextAlign.Left);
        Draw(right, width - 4, middleY, SKTextAlign.Right);
        Draw(top, width / 2f, ascent + 3, SKTextAlign.Center);
        Draw(bottom, width / 2f, height - 5, SKTextAlign.Center);
    }

    /// <summary>Reads voxels of one image at source indices of the display grid: directly on the same grid, else at the same physical point.</summary>
    private sealed class VolumeSampler(Image image, CanonicalGrid grid)
    {
        private readonly bool _sameGrid = image.Geometry.Size.X == grid.Geometry.Size.X && image.Geometry.Size.Y == grid.Geometry.Size.Y
            && image.Geometry.Size.Z == grid.Geometry.Size.Z && image.Geometry.IsEquivalent(grid.Geometry.WithSize(image.Geometry.Size), 1e-4);

        public double Sample(int x, int y, int z, int channel)
        {
            if (_sameGrid)
            {
                return image.GetValue(x, y, z, 0, channel);
            }

            var index = image.Geometry.PhysicalToIndex(grid.Geometry.IndexToPhysical(x, y, z));
            int ix = (int)Math.Round(index.X), iy = (int)Math.Round(index.Y), iz = (int)Math.Round(index.Z);
            var size = image.Size;
            return (uint)ix < (uint)size.X && (uint)iy < (uint)size.Y && (uint)iz < (uint)size.Z
                ? image.GetValue(ix, iy, iz, 0, channel)
                : double.NaN;
        }
    }

    private sealed class ViewPlanes(SliceView view, int columnAxis, int rowAxis, int columns, int rows)
    {
        public SliceView View { get; } = view;

        public int ColumnAxis { get; } = columnAxis;

        public int RowAxis { get; } = rowAxis;

        public int Columns { get; } = columns;

        public int Rows { get; } = rows;

        public double[][]? Image { get; set; }

        public double[]? Prediction { get; set; }

        public double[]? Reference { get; set; }

        public int SourceAxis { get; set; }

        public int SourceSlice { get; set; }

        public int SourceSliceCount { get; set; }
    }
}
