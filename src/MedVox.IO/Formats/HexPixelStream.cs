namespace MedVox.IO.Formats;

/// <summary>Decodes NRRD's hex encoding: two hexadecimal digits per byte, whitespace anywhere.</summary>
internal sealed class HexPixelStream(Stream inner, string path, string field) : Stream
{
    private readonly byte[] _input = new byte[1 << 16];
    private int _inputPosition;
    private int _inputLength;
    private bool _endOfInput;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int written = 0;
        while (written < buffer.Length)
        {
            int high = NextDigit();
            if (high < 0)
            {
                break;
            }

            int low = NextDigit();
            if (low < 0)
            {
                throw new InvalidImageFileException("the hex data ends after half a byte", path, field, "the file is truncated");
            }

            buffer[written++] = (byte)((high << 4) | low);
        }

        return written;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int NextDigit()
    {
        while (true)
        {
            if (_inputPosition >= _inputLength)
            {
                if (_endOfInput)
                {
                    return -1;
                }

                _inputLength = inner.Read(_input);
                _inputPosition = 0;
                if (_inputLength == 0)
                {
                    _endOfInput = true;
                    return -1;
                }
            }

            byte b = _input[_inputPosition++];
            switch (b)
            {
                case >= (byte)'0' and <= (byte)'9': return b - '0';
                case >= (byte)'a' and <= (byte)'f': return b - 'a' + 10;
                case >= (byte)'A' and <= (byte)'F': return b - 'A' + 10;
                case (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r': continue;
                default:
                    throw new InvalidImageFileException($"byte 0x{b:x2} in the hex data is not a hexadecimal digit", path, field, "the data is not hex text");
            }
        }
    }
}
