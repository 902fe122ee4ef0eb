namespace MedVox.Slides.Models;

/// <summary>
/// Accumulates window predictions into output tiles with weights that sum to one across overlaps, and writes each row
/// of tiles when no later window can reach it. Windows arrive in row order; a window of tile (c, r) covers that tile
/// and <c>overlap</c> pixels of each neighbour.
/// </summary>
internal sealed class TileBlender
{
    private readonly PyramidTiffWriter _writer;
    private readonly TissueMask? _tissue;
    private readonly double _downsample;
    private readonly int _tile;
    private readonly int _overlap;
    private readonly int _columns;
    private readonly int _rows;
    private readonly Dictionary<(int Column, int Row), float[]> _accumulators = [];

    // Accumulators of written tiles, reused: at level 0 a row of tiles is ~100 MB of large-object-heap arrays that
    // would otherwise pile up as garbage between full collections.
    private readonly Stack<float[]> _free = new();
    private readonly float[] _ramp;
    private readonly byte[] _output;
    private int _nextRow;

    /// <summary>With <paramref name="tissue"/>, pixels outside tissue are written as 0; <paramref name="downsample"/> (level-0 pixels per output pixel) maps output pixels onto the mask.</summary>
    public TileBlender(PyramidTiffWriter writer, int tile, int overlap, int columns, int rows, int firstRow, TissueMask? tissue = null, double downsample = 1)
    {
        _writer = writer;
        _tissue = tissue;
        _downsample = downsample;
        _tile = tile;
        _overlap = overlap;
        _columns = columns;
        _rows = rows;
        _nextRow = firstRow;
        _output = new byte[tile * tile];

        // Weight across the shared strip of 2 x overlap pixels: rising for the window on the right/below.
        _ramp = new float[2 * overlap];
        for (int i = 0; i < _ramp.Length; i++)
        {
            _ramp[i] = (i + 0.5f) / _ramp.Length;
        }
    }

    /// <summary>Adds the prediction of the window of tile (<paramref name="column"/>, <paramref name="row"/>): window² probabilities, row-major.</summary>
    public void Add(int column, int row, ReadOnlySpan<float> probability)
    {
        int window = _tile + (2 * _overlap);
        for (int dr = -1; dr <= 1; dr++)
        {
            int targetRow = row + dr;
            if (targetRow < _nextRow || targetRow >= _rows)
            {
                continue;
            }

            for (int dc = -1; dc <= 1; dc++)
            {
                int targetColumn = column + dc;
                if ((uint)targetColumn >= (uint)_columns || (_overlap == 0 && (dc != 0 || dr != 0)))
                {
                    continue;
                }

                // The part of the target tile the window covers, in target-tile coordinates.
                int fromX = dc < 0 ? _tile - _overlap : 0, toX = dc > 0 ? _overlap : _tile;
                int fromY = dr < 0 ? _tile - _overlap : 0, toY = dr > 0 ? _overlap : _tile;
                if (_writer.HasTile(targetColumn, targetRow))
                {
                    continue;
                }

                if (!_accumulators.TryGetValue((targetColumn, targetRow), out var sum))
                {
                    if (_free.TryPop(out var reused))
                    {
                        Array.Clear(reused);
                        sum = reused;
                    }
                    else
                    {
                        sum = new float[_tile * _tile];
                    }

                    _accumulators[(targetColumn, targetRow)] = sum;
                }

                for (int y = fromY; y < toY; y++)
                {
                    // Window coordinates of this target pixel.
                    int wy = y + ((targetRow - row) * _tile) + _overlap;
                    float weightY = Weight(wy, row, _rows);
                    int windowRow = wy * window, targetStart = y * _tile;
                    for (int x = fromX; x < toX; x++)
                    {
                        int wx = x + ((targetColumn - column) * _tile) + _overlap;
                        sum[targetStart + x] += probability[windowRow + wx] * weightY * Weight(wx, column, _columns);
                    }
                }
            }
        }
    }

    /// <summary>Writes every unwritten tile row before <paramref name="row"/> (later windows cannot reach them).</summary>
    public void FlushRowsBefore(int row)
    {
        for (; _nextRow < Math.Min(row, _rows); _nextRow++)
        {
            for (int c = 0; c < _columns; c++)
            {
                if (_writer.HasTile(c, _nextRow))
                {
                    continue;
                }

                if (_accumulators.Remove((c, _nextRow), out var sum))
                {
                    for (int i = 0; i < sum.Length; i++)
                    {
                        _output[i] = (byte)Math.Clamp((int)MathF.Round(sum[i] * 255), 0, 255);
                    }

                    _free.Push(sum);
                    if (_tissue is not null)
                    {
                        ClearGlass(c, _nextRow);
                    }
                }
                else
                {
                    Array.Clear(_output);
                }

                _writer.WriteTile(c, _nextRow, _output);
            }
        }
    }

    /// <summary>Zeroes the output pixels of tile (<paramref name="column"/>, <paramref name="row"/>) that the tissue mask calls glass.</summary>
    private void ClearGlass(int column, int row)
    {
        var mask = _tissue!;
        var pixels = mask.Pixels;
        var maskColumn = new int[_tile];
        for (int x = 0; x < _tile; x++)
        {
            maskColumn[x] = Math.Min(mask.Width - 1, (int)((((long)column * _tile) + x + 0.5) * _downsample / mask.Scale));
        }

        for (int y = 0; y < _tile; y++)
        {
            int maskRow = Math.Min(mask.Height - 1, (int)((((long)row * _tile) + y + 0.5) * _downsample / mask.Scale));
            var line = pixels.Slice(maskRow * mask.Width, mask.Width);
            var output = _output.AsSpan(y * _tile, _tile);
            for (int x = 0; x < _tile; x++)
            {
                if (line[maskColumn[x]] == 0)
                {
                    output[x] = 0;
                }
            }
        }
    }

    /// <summary>The weight of window coordinate <paramref name="w"/> (0 .. window-1) of the window at index <paramref name="index"/> of <paramref name="count"/> along one axis.</summary>
    private float Weight(int w, int index, int count)
    {
        int strip = 2 * _overlap;
        if (w < strip)
        {
            return index > 0 ? _ramp[w] : 1;
        }

        if (w >= _tile)
        {
            return index < count - 1 ? 1 - _ramp[w - _tile] : 1;
        }

        return 1;
    }
}
