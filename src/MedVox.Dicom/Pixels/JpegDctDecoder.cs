namespace MedVox.Dicom.Pixels;

/// <summary>
/// Sequential DCT JPEG with Huffman coding (ITU T.81 baseline process 1 and extended process 2/4, 8 and 12 bits),
/// written to give exactly what the IJG libjpeg 6b inside GDCM and DCMTK gives: its integer IDCT (jidctint.c "islow"),
/// its output range limiting and its "fancy" h2v1/h2v2 chroma upsampling (jdsample.c). No colour transform is applied:
/// the DICOM photometric interpretation is trusted, as GDCM does (YBR stays YCbCr, RGB stays RGB).
/// </summary>
internal sealed class JpegDctDecoder
{
    private const int ConstBits = 13;

    // jpeg_natural_order with libjpeg's 16 extra entries, so that a corrupt run past 63 lands on 63.
    private static readonly int[] NaturalOrder =
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
        63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
    ];

    private readonly byte[] _data;
    private readonly string _path;
    private readonly int[][] _quant = new int[4][];
    private readonly Huffman?[] _dc = new Huffman?[4];
    private readonly Huffman?[] _ac = new Huffman?[4];
    private int _position;
    private int _precision;
    private int _width;
    private int _height;
    private int _restartInterval;
    private int _maxH = 1;
    private int _maxV = 1;
    private int _mcusPerLine;
    private int _mcuRows;
    private Component[] _components = [];
    private uint _bits;
    private int _bitCount;
    private bool _marker;

    private JpegDctDecoder(byte[] data, string path)
    {
        _data = data;
        _path = path;
    }

    /// <summary>Decodes a frame: samples interleaved, one byte each for 8-bit, else 16-bit little endian.</summary>
    public static void Decode(byte[] data, DicomPixelFormat format, Span<byte> destination, string path)
    {
        var decoder = new JpegDctDecoder(data, path);
        try
        {
            decoder.Run(format, destination);
        }
        catch (IndexOutOfRangeException ex)
        {
            throw new InvalidImageFileException("the JPEG stream is corrupt (it ends early or holds impossible codes)", path, "PixelData", "the file is damaged", ex);
        }
    }

    private void Run(DicomPixelFormat format, Span<byte> destination)
    {
        if (_data.Length < 4 || _data[0] != 0xFF || _data[1] != 0xD8)
        {
            throw Corrupt("the frame does not start with a JPEG SOI marker");
        }

        _position = 2;
        bool frame = false;
        while (true)
        {
            int marker = NextMarker();
            switch (marker)
            {
                case 0xC0 or 0xC1:
                    ReadFrame(format);
                    frame = true;
                    break;
                case 0xC2 or 0xC3 or 0xC5 or 0xC6 or 0xC7 or 0xC9 or 0xCA or 0xCB or 0xCD or 0xCE or 0xCF:
                    throw new UnsupportedFormatException($"the JPEG stream uses process SOF{marker - 0xC0} (progressive, lossless, hierarchical or arithmetic), not sequential DCT with Huffman coding", _path, "PixelData", "convert it with gdcmconv --raw");
                case 0xC4:
                    ReadHuffman();
                    break;
                case 0xDB:
                    ReadQuantization();
                    break;
                case 0xDD:
                    var dri = Segment();
                    _restartInterval = dri.Length >= 2 ? (dri[0] << 8) | dri[1] : 0;
                    break;
                case 0xDA:
                    if (!frame)
                    {
                        throw Corrupt("a scan starts before the frame header");
                    }

                    DecodeScan();
                    break;
                case 0xD9 or -1:
                    if (!frame)
                    {
                        throw Corrupt("the JPEG stream holds no frame");
                    }

                    Output(destination);
                    return;
                default:
                    Segment();
                    break;
            }
        }
    }

    private int NextMarker()
    {
        while (_position + 1 < _data.Length)
        {
            if (_data[_position] == 0xFF && _data[_position + 1] is not (0x00 or 0xFF))
            {
                int marker = _data[_position + 1];
                _position += 2;
                return marker;
            }

            _position++;
        }

        return -1;
    }

    private ReadOnlySpan<byte> Segment()
    {
        if (_position + 2 > _data.Length)
        {
            throw Corrupt("a marker segment is cut short");
        }

        int length = (_data[_position] << 8) | _data[_position + 1];
        if (length < 2 || _position + length > _data.Length)
        {
            throw Corrupt("a marker segment is longer than the data");
        }

        var payload = _data.AsSpan(_position + 2, length - 2);
        _position += length;
        return payload;
    }

    private void ReadFrame(DicomPixelFormat format)
    {
        var p = Segment();
        if (p.Length < 6)
        {
            throw Corrupt("the frame header is cut short");
        }

        _precision = p[0];
        _height = (p[1] << 8) | p[2];
        _width = (p[3] << 8) | p[4];
        int count = p[5];
        if (_precision is not (8 or 12) || count < 1 || count > 4 || p.Length < 6 + (3 * count) || _width == 0)
        {
            throw Corrupt($"the frame header is invalid (precision {_precision}, {count} components)");
        }

        if (_height == 0)
        {
            _height = format.Rows;
        }

        if (_width != format.Columns || _height != format.Rows || count != format.SamplesPerPixel)
        {
            throw Corrupt($"the JPEG frame is {_width}x{_height}x{count}, the DICOM header says {format.Columns}x{format.Rows}x{format.SamplesPerPixel}");
        }

        if (_precision > format.BitsAllocated)
        {
            throw Corrupt($"the JPEG precision is {_precision} bits but only {format.BitsAllocated} are allocated");
        }

        _components = new Component[count];
        for (int i = 0; i < count; i++)
        {
            int h = p[7 + (3 * i)] >> 4, v = p[7 + (3 * i)] & 15, tq = p[8 + (3 * i)];
            if (h is < 1 or > 4 || v is < 1 or > 4 || tq > 3)
            {
                throw Corrupt("a component has invalid sampling factors or quantization table");
            }

            _components[i] = new Component { Id = p[6 + (3 * i)], H = h, V = v, Quant = tq };
            _maxH = Math.Max(_maxH, h);
            _maxV = Math.Max(_maxV, v);
        }

        _mcusPerLine = (_width + (8 * _maxH) - 1) / (8 * _maxH);
        _mcuRows = (_height + (8 * _maxV) - 1) / (8 * _maxV);
        foreach (var c in _components)
        {
            c.Stride = _mcusPerLine * c.H * 8;
            c.Samples = new int[c.Stride * _mcuRows * c.V * 8];
            c.Width = ((_width * c.H) + _maxH - 1) / _maxH;
            c.Height = ((_height * c.V) + _maxV - 1) / _maxV;
        }
    }

    private void ReadQuantization()
    {
        var p = Segment();
        int i = 0;
        while (i < p.Length)
        {
            int pq = p[i] >> 4, tq = p[i] & 15;
            int size = pq == 0 ? 64 : 128;
            if (tq > 3 || i + 1 + size > p.Length)
            {
                throw Corrupt("a quantization table is invalid");
            }

            var table = new int[64];
            for (int k = 0; k < 64; k++)
            {
                // Tables are sent in zigzag order; store them in natural order, as libjpeg does.
                table[NaturalOrder[k]] = pq == 0 ? p[i + 1 + k] : (p[i + 1 + (2 * k)] << 8) | p[i + 2 + (2 * k)];
            }

            _quant[tq] = table;
            i += 1 + size;
        }
    }

    private void ReadHuffman()
    {
        var p = Segment();
        int i = 0;
        Span<int> counts = stackalloc int[17];
        while (i < p.Length)
        {
            int tc = p[i] >> 4, th = p[i] & 15;
            if (th > 3 || tc > 1 || i + 17 > p.Length)
            {
                throw Corrupt("a Huffman table is invalid");
            }

            int total = 0;
            for (int l = 1; l <= 16; l++)
            {
                counts[l] = p[i + l];
                total += counts[l];
            }

            if (total > 256 || i + 17 + total > p.Length)
            {
                throw Corrupt("a Huffman table is cut short");
            }

            var table = new Huffman(counts, p.Slice(i + 17, total));
            (tc == 0 ? _dc : _ac)[th] = table;
            i += 17 + total;
        }
    }

    private void DecodeScan()
    {
        var p = Segment();
        int count = p.Length > 0 ? p[0] : 0;
        if (count is < 1 or > 4 || p.Length < 1 + (2 * count) + 3)
        {
            throw Corrupt("the scan header is invalid");
        }

        var scan = new Component[count];
        for (int i = 0; i < count; i++)
        {
            int id = p[1 + (2 * i)];
            var c = Array.Find(_components, x => x.Id == id) ?? throw Corrupt($"the scan names component {id}, which the frame lacks");
            c.Dc = _dc[p[2 + (2 * i)] >> 4] ?? throw Corrupt("the scan uses an undefined DC Huffman table");
            c.Ac = _ac[p[2 + (2 * i)] & 15] ?? throw Corrupt("the scan uses an undefined AC Huffman table");
            c.Table = _quant[c.Quant] ?? throw Corrupt("a component uses an undefined quantization table");
            c.Predictor = 0;
            scan[i] = c;
        }

        ResetBits();
        Span<int> block = stackalloc int[64];
        Span<int> workspace = stackalloc int[64];
        int restart = _restartInterval, untilRestart = restart;
        if (count == 1)
        {
            // Non-interleaved: one block per MCU over the component's own extent.
            var c = scan[0];
            int blocksPerLine = (c.Width + 7) / 8, blockRows = (c.Height + 7) / 8;
            for (int by = 0; by < blockRows; by++)
            {
                for (int bx = 0; bx < blocksPerLine; bx++)
                {
                    Restart(scan, restart, ref untilRestart);
                    DecodeBlock(c, block, workspace, bx * 8, by * 8);
                }
            }
        }
        else
        {
            for (int my = 0; my < _mcuRows; my++)
            {
                for (int mx = 0; mx < _mcusPerLine; mx++)
                {
                    Restart(scan, restart, ref untilRestart);
                    foreach (var c in scan)
                    {
                        for (int v = 0; v < c.V; v++)
                        {
                            for (int h = 0; h < c.H; h++)
                            {
                                DecodeBlock(c, block, workspace, ((mx * c.H) + h) * 8, ((my * c.V) + v) * 8);
                            }
                        }
                    }
                }
            }
        }

        _marker = false;
    }

    private void Restart(Component[] scan, int restart, ref int untilRestart)
    {
        if (restart == 0)
        {
            return;
        }

        if (untilRestart == 0)
        {
            ResetBits();
            int marker = NextMarker();
            if (marker is < 0xD0 or > 0xD7)
            {
                throw Corrupt("a restart marker is missing");
            }

            foreach (var c in scan)
            {
                c.Predictor = 0;
            }

            untilRestart = restart;
        }

        untilRestart--;
    }

    private void DecodeBlock(Component c, Span<int> block, Span<int> workspace, int x, int y)
    {
        block.Clear();
        int s = c.Dc!.Decode(this);
        int diff = s == 0 ? 0 : Extend(ReadBits(s), s);
        c.Predictor += diff;
        block[0] = c.Predictor;
        for (int k = 1; k < 64; k++)
        {
            int rs = c.Ac!.Decode(this);
            int r = rs >> 4;
            s = rs & 15;
            if (s != 0)
            {
                k += r;
                block[NaturalOrder[k]] = Extend(ReadBits(s), s);
            }
            else
            {
                if (r != 15)
                {
                    break;
                }

                k += 15;
            }
        }

        Idct(block, c.Table!, workspace, c.Samples, (y * c.Stride) + x, c.Stride);
    }

    private static int Extend(int value, int size) => value < (1 << (size - 1)) ? value - (1 << size) + 1 : value;

    /// <summary>jidctint.c (libjpeg 6b) "islow": the accurate integer IDCT, with its descaling and range limiting.</summary>
    private void Idct(ReadOnlySpan<int> input, int[] quant, Span<int> ws, int[] output, int offset, int stride)
    {
        int pass1 = _precision == 8 ? 2 : 1;
        for (int col = 0; col < 8; col++)
        {
            if (input[8 + col] == 0 && input[16 + col] == 0 && input[24 + col] == 0 && input[32 + col] == 0
                && input[40 + col] == 0 && input[48 + col] == 0 && input[56 + col] == 0)
            {
                int dc = (input[col] * quant[col]) << pass1;
                for (int r = 0; r < 8; r++)
                {
                    ws[(r * 8) + col] = dc;
                }

                continue;
            }

            long z2 = input[16 + col] * quant[16 + col], z3 = input[48 + col] * quant[48 + col];
            long z1 = (z2 + z3) * 4433;
            long tmp2 = z1 + (z3 * -15137), tmp3 = z1 + (z2 * 6270);
            z2 = input[col] * quant[col];
            z3 = input[32 + col] * quant[32 + col];
            long tmp0 = (z2 + z3) << ConstBits, tmp1 = (z2 - z3) << ConstBits;
            long tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
            Odd(input[56 + col] * (long)quant[56 + col], input[40 + col] * (long)quant[40 + col], input[24 + col] * (long)quant[24 + col], input[8 + col] * (long)quant[8 + col],
                out tmp0, out tmp1, out tmp2, out tmp3);
            int shift = ConstBits - pass1;
            ws[col] = Descale(tmp10 + tmp3, shift);
            ws[56 + col] = Descale(tmp10 - tmp3, shift);
            ws[8 + col] = Descale(tmp11 + tmp2, shift);
            ws[48 + col] = Descale(tmp11 - tmp2, shift);
            ws[16 + col] = Descale(tmp12 + tmp1, shift);
            ws[40 + col] = Descale(tmp12 - tmp1, shift);
            ws[24 + col] = Descale(tmp13 + tmp0, shift);
            ws[32 + col] = Descale(tmp13 - tmp0, shift);
        }

        int max = (1 << _precision) - 1;
        int finalShift = ConstBits + pass1 + 3;
        for (int row = 0; row < 8; row++)
        {
            var w = ws.Slice(row * 8, 8);
            int o = offset + (row * stride);
            if (w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0 && w[6] == 0 && w[7] == 0)
            {
                int value = RangeLimit(Descale(w[0], pass1 + 3), max);
                for (int i = 0; i < 8; i++)
                {
                    output[o + i] = value;
                }

                continue;
            }

            long z2 = w[2], z3 = w[6];
            long z1 = (z2 + z3) * 4433;
            long tmp2 = z1 + (z3 * -15137), tmp3 = z1 + (z2 * 6270);
            long tmp0 = ((long)w[0] + w[4]) << ConstBits, tmp1 = ((long)w[0] - w[4]) << ConstBits;
            long tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
            Odd(w[7], w[5], w[3], w[1], out tmp0, out tmp1, out tmp2, out tmp3);
            output[o] = RangeLimit(Descale(tmp10 + tmp3, finalShift), max);
            output[o + 7] = RangeLimit(Descale(tmp10 - tmp3, finalShift), max);
            output[o + 1] = RangeLimit(Descale(tmp11 + tmp2, finalShift), max);
            output[o + 6] = RangeLimit(Descale(tmp11 - tmp2, finalShift), max);
            output[o + 2] = RangeLimit(Descale(tmp12 + tmp1, finalShift), max);
            output[o + 5] = RangeLimit(Descale(tmp12 - tmp1, finalShift), max);
            output[o + 3] = RangeLimit(Descale(tmp13 + tmp0, finalShift), max);
            output[o + 4] = RangeLimit(Descale(tmp13 - tmp0, finalShift), max);
        }
    }

    private static void Odd(long t0, long t1, long t2, long t3, out long o0, out long o1, out long o2, out long o3)
    {
        long z1 = t0 + t3, z2 = t1 + t2, z3 = t0 + t2, z4 = t1 + t3;
        long z5 = (z3 + z4) * 9633;
        t0 *= 2446;
        t1 *= 16819;
        t2 *= 25172;
        t3 *= 12299;
        z1 *= -7373;
        z2 *= -20995;
        z3 *= -16069;
        z4 *= -3196;
        z3 += z5;
        z4 += z5;
        o0 = t0 + z1 + z3;
        o1 = t1 + z2 + z4;
        o2 = t2 + z2 + z3;
        o3 = t3 + z1 + z4;
    }

    private static int Descale(long x, int n) => (int)((x + (1L << (n - 1))) >> n);

    /// <summary>libjpeg's post-IDCT range_limit table: centre, clamp, and wrap far outliers exactly as the table does.</summary>
    private static int RangeLimit(int value, int max)
    {
        int m = max + 1, x = value & ((4 * m) - 1);
        return x < m / 2 ? x + (m / 2) : x < 2 * m ? max : x < (4 * m) - (m / 2) ? 0 : x - ((4 * m) - (m / 2));
    }

    private void Output(Span<byte> destination)
    {
        int count = _components.Length;
        bool wide = _precision > 8;
        var row = new int[(_width * 2) + 16];
        for (int ci = 0; ci < count; ci++)
        {
            var c = _components[ci];
            int hf = _maxH / c.H, vf = _maxV / c.V;
            if (_maxH % c.H != 0 || _maxV % c.V != 0)
            {
                throw new UnsupportedFormatException("JPEG with non-integral sampling ratios is not supported", _path, "PixelData", "convert it with gdcmconv --raw");
            }

            bool fancy = c.Width > 2;
            for (int y = 0; y < _height; y++)
            {
                ReadOnlySpan<int> line;
                if (hf == 1 && vf == 1)
                {
                    line = c.Samples.AsSpan(y * c.Stride, _width);
                }
                else if (hf == 2 && vf == 1 && fancy)
                {
                    H2V1(c.Samples.AsSpan(y * c.Stride, c.Width), row);
                    line = row;
                }
                else if (hf == 2 && vf == 2 && fancy)
                {
                    int source = y / 2;
                    int other = (y & 1) == 0 ? Math.Max(source - 1, 0) : Math.Min(source + 1, c.Height - 1);
                    H2V2(c.Samples.AsSpan(source * c.Stride, c.Width), c.Samples.AsSpan(other * c.Stride, c.Width), row);
                    line = row;
                }
                else
                {
                    // Plain replication (libjpeg's int_upsample, h2v1_upsample, h2v2_upsample).
                    int source = y / vf;
                    for (int x = 0; x < _width; x++)
                    {
                        row[x] = c.Samples[(source * c.Stride) + (x / hf)];
                    }

                    line = row;
                }

                for (int x = 0; x < _width; x++)
                {
                    int index = (((y * _width) + x) * count) + ci;
                    if (wide)
                    {
                        destination[2 * index] = (byte)line[x];
                        destination[(2 * index) + 1] = (byte)(line[x] >> 8);
                    }
                    else
                    {
                        destination[index] = (byte)line[x];
                    }
                }
            }
        }
    }

    /// <summary>jdsample.c h2v1_fancy_upsample: triangle filter, 3/4 nearer + 1/4 further, alternating rounding.</summary>
    private static void H2V1(ReadOnlySpan<int> input, Span<int> output)
    {
        int w = input.Length;
        output[0] = input[0];
        output[1] = ((input[0] * 3) + input[1] + 2) >> 2;
        for (int col = 1; col < w - 1; col++)
        {
            int value = input[col] * 3;
            output[2 * col] = (value + input[col - 1] + 1) >> 2;
            output[(2 * col) + 1] = (value + input[col + 1] + 2) >> 2;
        }

        output[2 * (w - 1)] = ((input[w - 1] * 3) + input[w - 2] + 1) >> 2;
        output[(2 * (w - 1)) + 1] = input[w - 1];
    }

    /// <summary>jdsample.c h2v2_fancy_upsample for one output row: vertical 3:1 with the nearer neighbour row, then horizontal 3:1.</summary>
    private static void H2V2(ReadOnlySpan<int> near, ReadOnlySpan<int> far, Span<int> output)
    {
        int w = near.Length;
        int thisSum = (near[0] * 3) + far[0];
        int nextSum = (near[1] * 3) + far[1];
        output[0] = ((thisSum * 4) + 8) >> 4;
        output[1] = ((thisSum * 3) + nextSum + 7) >> 4;
        int lastSum = thisSum;
        thisSum = nextSum;
        for (int col = 2; col < w; col++)
        {
            nextSum = (near[col] * 3) + far[col];
            output[2 * (col - 1)] = ((thisSum * 3) + lastSum + 8) >> 4;
            output[(2 * (col - 1)) + 1] = ((thisSum * 3) + nextSum + 7) >> 4;
            lastSum = thisSum;
            thisSum = nextSum;
        }

        output[2 * (w - 1)] = ((thisSum * 3) + lastSum + 8) >> 4;
        output[(2 * (w - 1)) + 1] = ((thisSum * 4) + 7) >> 4;
    }

    private void ResetBits()
    {
        _bits = 0;
        _bitCount = 0;
        _marker = false;
    }

    private void Fill()
    {
        while (_bitCount <= 24)
        {
            int b = 0;
            if (!_marker && _position < _data.Length)
            {
                b = _data[_position];
                if (b == 0xFF)
                {
                    int next = _position + 1 < _data.Length ? _data[_position + 1] : 0xD9;
                    if (next == 0x00)
                    {
                        _position += 2;
                    }
                    else
                    {
                        _marker = true;
                        b = 0;
                    }
                }
                else
                {
                    _position++;
                }
            }

            _bits |= (uint)b << (24 - _bitCount);
            _bitCount += 8;
        }
    }

    private int ReadBits(int count)
    {
        if (_bitCount < count)
        {
            Fill();
        }

        int value = (int)(_bits >> (32 - count));
        _bits <<= count;
        _bitCount -= count;
        return value;
    }

    private int PeekBits(int count)
    {
        if (_bitCount < count)
        {
            Fill();
        }

        return (int)(_bits >> (32 - count));
    }

    private void SkipBits(int count)
    {
        _bits <<= count;
        _bitCount -= count;
    }

    private InvalidImageFileException Corrupt(string what) =>
        new($"JPEG data is invalid: {what}", _path, "PixelData", "the file is damaged");

    private sealed class Component
    {
        public int Id { get; init; }

        public int H { get; init; }

        public int V { get; init; }

        public int Quant { get; init; }

        public int Stride { get; set; }

        public int Width { get; set; }

        public int Height { get; set; }

        public int[] Samples { get; set; } = [];

        public int Predictor { get; set; }

        public Huffman? Dc { get; set; }

        public Huffman? Ac { get; set; }

        public int[]? Table { get; set; }
    }

    private sealed class Huffman
    {
        private const int LookupBits = 9;
        private readonly int[] _lookup = new int[1 << LookupBits];
        private readonly int[] _maxCode = new int[18];
        private readonly int[] _valueOffset = new int[17];
        private readonly byte[] _values;

        public Huffman(ReadOnlySpan<int> counts, ReadOnlySpan<byte> values)
        {
            _values = values.ToArray();
            int code = 0, k = 0;
            for (int length = 1; length <= 16; length++)
            {
                _valueOffset[length] = k - code;
                for (int i = 0; i < counts[length]; i++)
                {
                    if (length <= LookupBits)
                    {
                        int shift = LookupBits - length;
                        for (int fill = 0; fill < (1 << shift); fill++)
                        {
                            _lookup[(code << shift) | fill] = (length << 8) | _values[k];
                        }
                    }

                    code++;
                    k++;
                }

                _maxCode[length] = counts[length] > 0 ? code - 1 : -1;
                code <<= 1;
            }
        }

        public int Decode(JpegDctDecoder reader)
        {
            int entry = _lookup[reader.PeekBits(LookupBits)];
            if (entry != 0)
            {
                reader.SkipBits(entry >> 8);
                return entry & 0xFF;
            }

            int code = reader.PeekBits(16);
            for (int length = 1; length <= 16; length++)
            {
                int prefix = code >> (16 - length);
                if (_maxCode[length] >= 0 && prefix <= _maxCode[length])
                {
                    int index = prefix + _valueOffset[length];
                    if ((uint)index >= (uint)_values.Length)
                    {
                        break;
                    }

                    reader.SkipBits(length);
                    return _values[index];
                }
            }

            // libjpeg substitutes 0 for a bad code and warns; a value of 0 keeps the decode going the same way.
            reader.SkipBits(16);
            return 0;
        }
    }
}
