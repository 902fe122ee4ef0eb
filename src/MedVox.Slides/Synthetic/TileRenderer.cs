namespace MedVox.Slides.Synthetic;

/// <summary>Renders one phantom tile (RGB and tumour mask) into buffers it reuses; one renderer per worker thread.</summary>
internal sealed class TileRenderer
{
    private const int Grid = 8;

    // Colours (RGB): glass, stroma light/dark, tumour background light/dark, normal and tumour nuclei.
    private static readonly double[] Glass = [243, 241, 245];
    private static readonly double[] StromaLight = [241, 196, 218];
    private static readonly double[] StromaDark = [214, 128, 172];
    private static readonly double[] TumourLight = [214, 160, 205];
    private static readonly double[] TumourDark = [178, 112, 176];
    private static readonly double[] NucleusNormal = [98, 62, 148];
    private static readonly double[] NucleusTumour = [62, 34, 112];

    private readonly PhantomFields _fields;
    private readonly int _size;
    private readonly int _gridPoints;
    private readonly double[] _tissueGrid;
    private readonly double[] _tumourGrid;

    public TileRenderer(PhantomFields fields, int size)
    {
        _fields = fields;
        _size = size;
        _gridPoints = (size / Grid) + 1;
        _tissueGrid = new double[_gridPoints * _gridPoints];
        _tumourGrid = new double[_gridPoints * _gridPoints];
        Rgb = new byte[size * size * 3];
        Mask = new byte[size * size];
    }

    public byte[] Rgb { get; }

    public byte[] Mask { get; }

    /// <summary>Renders the tile whose first pixel is (<paramref name="x0"/>, <paramref name="y0"/>); returns the tumour and tissue pixels inside the slide.</summary>
    public (long Tumour, long Tissue) Render(int x0, int y0, int width, int height)
    {
        int n = _size;
        for (int gy = 0; gy < _gridPoints; gy++)
        {
            for (int gx = 0; gx < _gridPoints; gx++)
            {
                double x = x0 + (gx * Grid), y = y0 + (gy * Grid);
                _tissueGrid[(gy * _gridPoints) + gx] = _fields.Tissue(x, y);
                _tumourGrid[(gy * _gridPoints) + gx] = _fields.Tumour(x, y);
            }
        }

        long tumourCount = 0, tissueCount = 0;
        uint seed = _fields.Seed;
        for (int y = 0; y < n; y++)
        {
            int gy = y / Grid;
            double ty = (y % Grid) / (double)Grid;
            bool insideY = y0 + y < height;
            for (int x = 0; x < n; x++)
            {
                int gx = x / Grid;
                double tx = (x % Grid) / (double)Grid;
                int g = (gy * _gridPoints) + gx;
                double tissue = Bilinear(_tissueGrid, g, tx, ty);
                double tumour = Bilinear(_tumourGrid, g, tx, ty);
                int i = (y * n) + x;

                int px = x0 + x, py = y0 + y;
                bool isTissue = tissue > SlidePhantom.TissueLevel;
                bool isTumour = isTissue && tumour > SlidePhantom.TumourLevel;
                Mask[i] = isTumour ? (byte)255 : (byte)0;
                if (insideY && px < width)
                {
                    tissueCount += isTissue ? 1 : 0;
                    tumourCount += isTumour ? 1 : 0;
                }

                // Fibres: anisotropic value noise (stretched along x), two octaves.
                double fibre = (0.65 * PhantomFields.ValueNoise(px / 14.0, py / 5.0, seed, 40)) + (0.35 * PhantomFields.ValueNoise(px / 5.0, py / 2.5, seed, 41));

                // Tumour background blends in over a short distance of the field, tissue fades into glass at its edge.
                double tumourWeight = Smooth((tumour - SlidePhantom.TumourLevel + 0.01) / 0.02);
                double edge = Smooth((tissue - SlidePhantom.TissueLevel + 0.004) / 0.008);
                double grain = (PhantomFields.Unit(seed, 42, (uint)px, (uint)py) - 0.5) * 10;
                int o = i * 3;
                for (int k = 0; k < 3; k++)
                {
                    double stroma = StromaLight[k] + ((StromaDark[k] - StromaLight[k]) * fibre);
                    double cancer = TumourLight[k] + ((TumourDark[k] - TumourLight[k]) * fibre);
                    double tissueColour = stroma + ((cancer - stroma) * tumourWeight);
                    double value = Glass[k] + ((tissueColour - Glass[k]) * edge) + grain;
                    Rgb[o + k] = (byte)Math.Clamp(value, 0, 255);
                }
            }
        }

        DrawNuclei(x0, y0, cell: 22, tumourGrid: false);
        DrawNuclei(x0, y0, cell: 13, tumourGrid: true);
        return (tumourCount, tissueCount);
    }

    /// <summary>
    /// Nuclei on a jittered grid: normal ones (sparse, small, round, lighter) where the centre lies in non-tumour tissue,
    /// tumour ones (dense, large, elongated, dark) where it lies in tumour. Cells overlapping the tile plus a margin are visited.
    /// </summary>
    private void DrawNuclei(int x0, int y0, int cell, bool tumourGrid)
    {
        const int Margin = 12;
        uint seed = _fields.Seed;
        uint channel = tumourGrid ? 60u : 50u;
        int firstX = (int)Math.Floor((x0 - Margin) / (double)cell), lastX = (int)Math.Floor((x0 + _size + Margin) / (double)cell);
        int firstY = (int)Math.Floor((y0 - Margin) / (double)cell), lastY = (int)Math.Floor((y0 + _size + Margin) / (double)cell);
        var colour = tumourGrid ? NucleusTumour : NucleusNormal;
        for (int cy = firstY; cy <= lastY; cy++)
        {
            for (int cx = firstX; cx <= lastX; cx++)
            {
                uint ux = (uint)cx, uy = (uint)cy;
                if (PhantomFields.Unit(seed, channel, ux, uy) > (tumourGrid ? 0.9 : 0.45))
                {
                    continue;
                }

                double centreX = (cx + PhantomFields.Unit(seed, channel + 1, ux, uy)) * cell;
                double centreY = (cy + PhantomFields.Unit(seed, channel + 2, ux, uy)) * cell;
                double tissue = _fields.Tissue(centreX, centreY);
                if (tissue <= SlidePhantom.TissueLevel + 0.01)
                {
                    continue;
                }

                bool inTumour = _fields.Tumour(centreX, centreY) > SlidePhantom.TumourLevel;
                if (inTumour != tumourGrid)
                {
                    continue;
                }

                double radius = tumourGrid
                    ? 5 + (3 * PhantomFields.Unit(seed, channel + 3, ux, uy))
                    : 3.5 + (2 * PhantomFields.Unit(seed, channel + 3, ux, uy));
                double aspect = 1 + ((tumourGrid ? 0.9 : 0.4) * PhantomFields.Unit(seed, channel + 4, ux, uy));
                double angle = Math.PI * PhantomFields.Unit(seed, channel + 5, ux, uy);
                double darkness = 0.75 + (0.25 * PhantomFields.Unit(seed, channel + 6, ux, uy));
                Paint(centreX - x0, centreY - y0, radius * Math.Sqrt(aspect), radius / Math.Sqrt(aspect), angle, colour, darkness, seed, (uint)(cx * 7919) ^ uy);
            }
        }
    }

    private void Paint(double cx, double cy, double a, double b, double angle, double[] colour, double strength, uint seed, uint id)
    {
        int reach = (int)Math.Ceiling(a) + 1;
        int fromX = Math.Max(0, (int)cx - reach), toX = Math.Min(_size - 1, (int)cx + reach);
        int fromY = Math.Max(0, (int)cy - reach), toY = Math.Min(_size - 1, (int)cy + reach);
        double cos = Math.Cos(angle), sin = Math.Sin(angle);
        for (int y = fromY; y <= toY; y++)
        {
            for (int x = fromX; x <= toX; x++)
            {
                double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
                double u = ((dx * cos) + (dy * sin)) / a, v = ((-dx * sin) + (dy * cos)) / b;
                double d = (u * u) + (v * v);
                if (d >= 1)
                {
                    continue;
                }

                // Soft rim, chromatin speckle inside.
                double alpha = strength * Smooth((1 - d) / 0.35);
                double speckle = (PhantomFields.Unit(seed, id, (uint)x, (uint)y) - 0.5) * 24;
                int o = ((y * _size) + x) * 3;
                for (int k = 0; k < 3; k++)
                {
                    double value = Rgb[o + k] + ((colour[k] + speckle - Rgb[o + k]) * alpha);
                    Rgb[o + k] = (byte)Math.Clamp(value, 0, 255);
                }
            }
        }
    }

    private double Bilinear(double[] grid, int g, double tx, double ty)
    {
        double a = grid[g], b = grid[g + 1], c = grid[g + _gridPoints], d = grid[g + _gridPoints + 1];
        double top = a + ((b - a) * tx), bottom = c + ((d - c) * tx);
        return top + ((bottom - top) * ty);
    }

    private static double Smooth(double t)
    {
        t = Math.Clamp(t, 0, 1);
        return t * t * (3 - (2 * t));
    }
}
