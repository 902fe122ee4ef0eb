using System.Buffers.Text;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using MedVox.Imaging;

namespace MedVox.IO.Formats;

/// <summary>
/// Turns pixel values written as text (NRRD's ascii encoding, MetaImage with BinaryData = False) into the element
/// type's bytes in native order. Values are separated by whitespace or commas; integers that are written with a
/// fraction are truncated toward zero as C's conversions do.
/// </summary>
internal sealed class AsciiPixelStream(Stream inner, ElementType type, string path, string field) : Stream
{
    private const int MaxToken = 80;
    private readonly byte[] _input = new byte[1 << 16];
    private readonly byte[] _token = new byte[MaxToken];
    private readonly byte[] _pending = new byte[8];
    private int _inputPosition;
    private int _inputLength;
    private bool _endOfInput;
    private int _pendingPosition;
    private int _pendingLength;

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
            if (_pendingPosition < _pendingLength)
            {
                int n = Math.Min(_pendingLength - _pendingPosition, buffer.Length - written);
                _pending.AsSpan(_pendingPosition, n).CopyTo(buffer[written..]);
                _pendingPosition += n;
                written += n;
                continue;
            }

            int tokenLength = NextToken();
            if (tokenLength == 0)
            {
                break;
            }

            Encode(_token.AsSpan(0, tokenLength));
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

    private static bool IsSeparator(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)',' or (byte)'\f' or (byte)'\v';

    private bool Fill()
    {
        if (_endOfInput)
        {
            return false;
        }

        _inputLength = inner.Read(_input);
        _inputPosition = 0;
        _endOfInput = _inputLength == 0;
        return !_endOfInput;
    }

    /// <summary>Copies the next value's characters into the token buffer; 0 at the end of the text.</summary>
    private int NextToken()
    {
        int length = 0;
        while (true)
        {
            if (_inputPosition >= _inputLength && !Fill())
            {
                return length;
            }

            byte b = _input[_inputPosition];
            if (IsSeparator(b))
            {
                _inputPosition++;
                if (length > 0)
                {
                    return length;
                }

                continue;
            }

            if (length == MaxToken)
            {
                throw new InvalidImageFileException($"a text value is longer than {MaxToken} characters", path, field, "the data is not numbers as text");
            }

            _token[length++] = b;
            _inputPosition++;
        }
    }

    private void Encode(ReadOnlySpan<byte> token)
    {
        var bytes = _pending.AsSpan();
        _pendingPosition = 0;
        _pendingLength = type.Size();
        switch (type)
        {
            case ElementType.Float32:
                MemoryMarshal.Write(bytes, (float)ParseDouble(token));
                break;
            case ElementType.Float64:
                MemoryMarshal.Write(bytes, ParseDouble(token));
                break;
            case ElementType.UInt64:
                MemoryMarshal.Write(bytes, ParseUnsigned(token));
                break;
            default:
                long value = ParseSigned(token);
                switch (type)
                {
                    case ElementType.UInt8: bytes[0] = (byte)value; break;
                    case ElementType.Int8: bytes[0] = (byte)(sbyte)value; break;
                    case ElementType.UInt16: MemoryMarshal.Write(bytes, (ushort)value); break;
                    case ElementType.Int16: MemoryMarshal.Write(bytes, (short)value); break;
                    case ElementType.UInt32: MemoryMarshal.Write(bytes, (uint)value); break;
                    case ElementType.Int32: MemoryMarshal.Write(bytes, (int)value); break;
                    default: MemoryMarshal.Write(bytes, value); break;
                }

                break;
        }
    }

    private double ParseDouble(ReadOnlySpan<byte> token)
    {
        if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            || HeaderValues.TryParseDouble(Encoding.ASCII.GetString(token), out value))
        {
            return value;
        }

        throw NotANumber(token);
    }

    private long ParseSigned(ReadOnlySpan<byte> token)
    {
        if (!Utf8Parser.TryParse(token, out long value, out int consumed) || consumed != token.Length)
        {
            double d = ParseDouble(token);
            if (!double.IsFinite(d) || d < long.MinValue || d >= 9.2233720368547758e18)
            {
                throw OutOfRange(token);
            }

            value = (long)d;
        }

        (long min, long max) = type switch
        {
            ElementType.UInt8 => (byte.MinValue, byte.MaxValue),
            ElementType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
            ElementType.UInt16 => (ushort.MinValue, ushort.MaxValue),
            ElementType.Int16 => (short.MinValue, short.MaxValue),
            ElementType.UInt32 => (uint.MinValue, uint.MaxValue),
            ElementType.Int32 => (int.MinValue, int.MaxValue),
            _ => (long.MinValue, long.MaxValue),
        };
        if (value < min || value > max)
        {
            throw OutOfRange(token);
        }

        return value;
    }

    private ulong ParseUnsigned(ReadOnlySpan<byte> token)
    {
        if (Utf8Parser.TryParse(token, out ulong value, out int consumed) && consumed == token.Length)
        {
            return value;
        }

        double d = ParseDouble(token);
        if (!double.IsFinite(d) || d < 0 || d >= 1.8446744073709552e19)
        {
            throw OutOfRange(token);
        }

        return (ulong)d;
    }

    private InvalidImageFileException NotANumber(ReadOnlySpan<byte> token) =>
        new($"'{HeaderValues.Shorten(Encoding.ASCII.GetString(token))}' in the text data is not a number", path, field, "the data is not numbers as text");

    private InvalidImageFileException OutOfRange(ReadOnlySpan<byte> token) =>
        new($"the text value {HeaderValues.Shorten(Encoding.ASCII.GetString(token))} does not fit {type.Name()}", path, field);
}
