namespace MedVox.Dicom.Pixels;

/// <summary>
/// JPEG lossless, non-hierarchical, Huffman coded (ITU T.81 process 14, SOF3): all seven predictors, point transform,
/// restart intervals, 2 to 16 bits, one or more components in interleaved or separate scans. This covers transfer
/// syntaxes 1.2.840.10008.1.2.4.70 (predictor 1) and .57 (any predictor), the usual compressed CT in archives.
/// </summary>
internal sealed class JpegLosslessDecoder
{
    private readonly byte[] _data;
    private readonly string _path;
    private readonly HuffmanTable?[] _tables = new HuffmanTable?[4];
    private int _position;
    private int _precision;
    private int _width;
    private int _height;
    private int _restartInterval;
    private Component[] _components = [];

    // Bit reader state.
    private ulong _bitBuffer;
    private int _bitCount;
    private bool _markerHit;

    private JpegLosslessDecoder(byte[] data, string path)
    {
        _data = data;
        _path = path;
    }

    /// <summary>Sample precision of the stream (from its SOF3), read without decoding.</summary>
    public static int ReadPrecision(ReadOnlySpan<byte> data)
    {
        for (int i = 0; i + 4 < data.Length; i++)
        {
            if (data[i] == 0xFF && data[i + 1] is 0xC3 or 0xC7 or 0xCB or 0xCF)
            {
                return data[i + 4];
            }
        }

        return 0;
    }

    /// <summary>
    /// Decodes a frame into <paramref name="destination"/>: samples interleaved, one byte each when
    /// <paramref name="bytesPerSample"/> is 1, else 16-bit native little endian, unsigned values of the stream's precision.
    /// </summary>
    public static void Decode(byte[] data, DicomPixelFormat format, int bytesPerSample, Span<byte> destination, string path)
    {
        var decoder = new JpegLosslessDecoder(data, path);
        try
        {
            decoder.Run(format, bytesPerSample, destination);
        }
        catch (IndexOutOfRangeException ex)
        {
            throw new InvalidImageFileException("the JPEG lossless stream is corrupt (it ends early or holds impossible codes)", path, "PixelData", "the file is damaged", ex);
        }
        finally
        {
            foreach (var component in decoder._components)
            {
                System.Buffers.ArrayPool<int>.Shared.Return(component.Samples);
            }
        }
    }

    private void Run(DicomPixelFormat format, int bytesPerSample, Span<byte> destination)
    {
        if (_data.Length < 4 || _data[0] != 0xFF || _data[1] != 0xD8)
        {
            throw Corrupt("the frame does not start with a JPEG SOI marker");
        }

        _position = 2;
        bool frameSeen = false;
        while (true)
        {
            int marker = NextMarker();
            switch (marker)
            {
                case 0xC3:
                    ReadFrameHeader(format);
                    frameSeen = true;
                    break;
                case 0xC0 or 0xC1 or 0xC2 or 0xC5 or 0xC6 or 0xC7 or 0xC9 or 0xCA or 0xCB or 0xCD or 0xCE or 0xCF:
                    throw new UnsupportedFormatException($"the JPEG stream uses process SOF{marker - 0xC0}, not lossless process 14 as its transfer syntax says", _path, "PixelData", "convert it with gdcmconv --raw");
                case 0xC4:
                    ReadHuffmanTables();
                    break;
                case 0xDD:
                    SkipLengthAndRead(out var dri);
                    _restartInterval = dri.Length >= 2 ? (dri[0] << 8) | dri[1] : 0;
                    break;
                case 0xDA:
                    if (!frameSeen)
                    {
                        throw Corrupt("a scan starts before the frame header");
                    }

                    DecodeScan();
                    break;
                case 0xD9:
                    if (!frameSeen)
                    {
                        throw Corrupt("the JPEG stream holds no frame");
                    }

                    Output(bytesPerSample, destination);
                    return;
                case -1:
                    if (frameSeen)
                    {
                        // Missing EOI at the end of the data: tolerated, as libjpeg does.
                        Output(bytesPerSample, destination);
                        return;
                    }

                    throw Corrupt("the JPEG stream ends before its image");
                default:
                    SkipLengthAndRead(out _);
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

    private void SkipLengthAndRead(out ReadOnlySpan<byte> payload)
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

        payload = _data.AsSpan(_position + 2, length - 2);
        _position += length;
    }

    private void ReadFrameHeader(DicomPixelFormat format)
    {
        SkipLengthAndRead(out var p);
        if (p.Length < 6)
        {
            throw Corrupt("the frame header is cut short");
        }

        _precision = p[0];
        _height = (p[1] << 8) | p[2];
        _width = (p[3] << 8) | p[4];
        int count = p[5];
        if (_precision is < 2 or > 16 || count < 1 || p.Length < 6 + (3 * count))
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

        _components = new Component[count];
        for (int i = 0; i < count; i++)
        {
            // Scratch planes come from the shared pool (a 512x512 plane is 1 MB: fresh ones would churn the large object heap).
            var plane = System.Buffers.ArrayPool<int>.Shared.Rent(_width * _height);
            Array.Clear(plane, 0, _width * _height);
            _components[i] = new Component(p[6 + (3 * i)], plane);
        }
    }

    private void ReadHuffmanTables()
    {
        SkipLengthAndRead(out var p);
        int i = 0;
        Span<int> counts = stackalloc int[17];
        while (i < p.Length)
        {
            int tc = p[i] >> 4, th = p[i] & 15;
            if (th > 3 || i + 17 > p.Length)
            {
                throw Corrupt("a Huffman table is invalid");
            }

            int total = 0;
            for (int l = 1; l <= 16; l++)
            {
                counts[l] = p[i + l];
                total += counts[l];
            }

            if (i + 17 + total > p.Length || total > 256)
            {
                throw Corrupt("a Huffman table is cut short");
            }

            var table = new HuffmanTable(counts, p.Slice(i + 17, total));
            if (tc == 0)
            {
                _tables[th] = table;
            }

            i += 17 + total;
        }
    }

    private void DecodeScan()
    {
        SkipLengthAndRead(out var p);
        int count = p.Length > 0 ? p[0] : 0;
        if (count < 1 || p.Length < 1 + (2 * count) + 3)
        {
            throw Corrupt("the scan header is invalid");
        }

        var scan = new Component[count];
        var tables = new HuffmanTable[count];
        for (int i = 0; i < count; i++)
        {
            int id = p[1 + (2 * i)];
            int td = p[2 + (2 * i)] >> 4;
            scan[i] = Array.Find(_components, c => c.Id == id) ?? throw Corrupt($"the scan names component {id}, which the frame lacks");
            tables[i] = (td < 4 ? _tables[td] : null) ?? throw Corrupt($"the scan uses Huffman table {td}, which is not defined");
        }

        int predictor = p[1 + (2 * count)];
        int pointTransform = p[3 + (2 * count)] & 15;
        if (predictor is < 1 or > 7)
        {
            throw Corrupt($"predictor {predictor} is not a lossless predictor (1-7)");
        }

        ResetBits();
        int width = _width, height = _height;
        int mask = (1 << _precision) - 1;
        int initial = 1 << (_precision - pointTransform - 1);
        int restart = _restartInterval;
        int untilRestart = restart;

        // H.1.2.1: the first sample of the scan and of each restart interval is predicted by 2^(P-Pt-1), the rest of
        // that line by Ra, the first sample of every other line by Rb, everything else by the chosen predictor.
        bool reset = true, firstLine = true;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                if (restart > 0)
                {
                    if (untilRestart == 0)
                    {
                        ProcessRestart();
                        untilRestart = restart;
                        reset = true;
                        firstLine = true;
                    }

                    untilRestart--;
                }

                int index = (y * width) + x;
                for (int c = 0; c < scan.Length; c++)
                {
                    var samples = scan[c].Samples;
                    int prediction;
                    if (reset)
                    {
                        prediction = initial;
                    }
                    else if (firstLine)
                    {
                        prediction = samples[index - 1];
                    }
                    else if (x == 0)
                    {
                        prediction = samples[index - width];
                    }
                    else
                    {
                        int ra = samples[index - 1], rb = samples[index - width], rc = samples[index - width - 1];
                        prediction = predictor switch
                        {
                            1 => ra,
                            2 => rb,
                            3 => rc,
                            4 => ra + rb - rc,
                            5 => ra + ((rb - rc) >> 1),
                            6 => rb + ((ra - rc) >> 1),
                            _ => (ra + rb) >> 1,
                        };
                    }

                    samples[index] = (prediction + DecodeDifference(tables[c])) & 0xFFFF;
                }

                reset = false;
            }

            firstLine = false;
        }

        foreach (var component in scan)
        {
            var samples = component.Samples;
            for (int i = 0; i < width * height; i++)
            {
                samples[i] = (samples[i] & (mask >> pointTransform)) << pointTransform;
            }
        }

        // The bit reader stops at the marker that ends the scan; the outer loop reads it next.
        _markerHit = false;
    }

    private void ProcessRestart()
    {
        // Discard the remaining bits, then expect RSTn.
        ResetBits();
        int marker = NextMarker();
        if (marker is < 0xD0 or > 0xD7)
        {
            throw Corrupt("a restart marker is missing");
        }
    }

    private void ResetBits()
    {
        _bitBuffer = 0;
        _bitCount = 0;
        _markerHit = false;
    }

    private int DecodeDifference(HuffmanTable table)
    {
        int size = table.Decode(this);
        if (size == 0)
        {
            return 0;
        }

        if (size == 16)
        {
            return 32768;
        }

        if (size > 16)
        {
            throw Corrupt($"difference category {size} is impossible");
        }

        int bits = ReadBits(size);
        return bits < (1 << (size - 1)) ? bits - (1 << size) + 1 : bits;
    }

    private void Fill()
    {
        // Up to 7 bytes at a time into a 64-bit buffer; stuffed zero bytes are dropped, a marker stops the refill.
        while (_bitCount <= 56)
        {
            int b = 0;
            if (!_markerHit && _position < _data.Length)
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
                        // A marker: feed zeros from here on (the scan's last bits), leave the marker to be read.
                        _markerHit = true;
                        b = 0;
                    }
                }
                else
                {
                    _position++;
                }
            }

            _bitBuffer |= (ulong)b << (56 - _bitCount);
            _bitCount += 8;
        }
    }

    private int ReadBits(int count)
    {
        if (_bitCount < count)
        {
            Fill();
        }

        int value = (int)(_bitBuffer >> (64 - count));
        _bitBuffer <<= count;
        _bitCount -= count;
        return value;
    }

    private int PeekBits(int count)
    {
        if (_bitCount < count)
        {
            Fill();
        }

        return (int)(_bitBuffer >> (64 - count));
    }

    private void SkipBits(int count)
    {
        _bitBuffer <<= count;
        _bitCount -= count;
    }

    private void Output(int bytesPerSample, Span<byte> destination)
    {
        if (_precision > 8 * bytesPerSample)
        {
            throw Corrupt($"the JPEG precision is {_precision} bits but only {8 * bytesPerSample} are allocated");
        }

        int count = _components.Length;
        int pixels = _width * _height;
        for (int c = 0; c < count; c++)
        {
            var samples = _components[c].Samples;
            if (bytesPerSample == 1)
            {
                for (int i = 0; i < pixels; i++)
                {
                    destination[(i * count) + c] = (byte)samples[i];
                }
            }
            else
            {
                for (int i = 0; i < pixels; i++)
                {
                    int at = ((i * count) + c) * 2;
                    destination[at] = (byte)samples[i];
                    destination[at + 1] = (byte)(samples[i] >> 8);
                }
            }
        }
    }

    private InvalidImageFileException Corrupt(string what) =>
        new($"JPEG lossless data is invalid: {what}", _path, "PixelData", "the file is damaged");

    private sealed record Component(int Id, int[] Samples);

    /// <summary>A DC Huffman table with a 9-bit lookahead table and the canonical slow path.</summary>
    private sealed class HuffmanTable
    {
        private const int LookupBits = 9;
        private readonly int[] _lookup = new int[1 << LookupBits]; // (length << 8) | symbol, 0 when longer
        private readonly int[] _maxCode = new int[18];
        private readonly int[] _valueOffset = new int[17];
        private readonly byte[] _values;

        public HuffmanTable(ReadOnlySpan<int> counts, ReadOnlySpan<byte> values)
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

            _maxCode[17] = int.MaxValue;
        }

        public int Decode(JpegLosslessDecoder reader)
        {
            int peek = reader.PeekBits(LookupBits);
            int entry = _lookup[peek];
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
                    reader.SkipBits(length);
                    int index = prefix + _valueOffset[length];
                    if ((uint)index >= (uint)_values.Length)
                    {
                        break;
                    }

                    return _values[index];
                }
            }

            throw reader.Corrupt("a Huffman code is not in its table");
        }
    }
}
