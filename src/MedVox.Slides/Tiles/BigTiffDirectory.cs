using System.Buffers.Binary;
using System.Text;

namespace MedVox.Slides.Tiles;

/// <summary>One BigTIFF image file directory being assembled: entries sorted by tag, values that do not fit the 8-byte field stored after the entries.</summary>
internal sealed class BigTiffDirectory
{
    private const ushort Ascii = 2;
    private const ushort Short = 3;
    private const ushort Long = 4;
    private const ushort Rational = 5;
    private const ushort Long8 = 16;

    private readonly SortedDictionary<ushort, (ushort Type, long Count, byte[] Value)> _entries = [];

    public void Add(ushort tag, ushort value) => _entries[tag] = (Short, 1, BitConverter.GetBytes(value));

    public void AddShorts(ushort tag, params ushort[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), values[i]);
        }

        _entries[tag] = (Short, values.Length, bytes);
    }

    public void AddLong(ushort tag, uint value) => _entries[tag] = (Long, 1, BitConverter.GetBytes(value));

    public void AddLong8s(ushort tag, long[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        }

        _entries[tag] = (Long8, values.Length, bytes);
    }

    /// <summary>A positive rational with a denominator chosen to keep about 7 significant digits.</summary>
    public void AddRational(ushort tag, double value)
    {
        uint denominator = 1;
        while (denominator < 1_000_000 && value * denominator * 10 < uint.MaxValue && Math.Abs((value * denominator) - Math.Round(value * denominator)) > 1e-9)
        {
            denominator *= 10;
        }

        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)Math.Round(value * denominator));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), denominator);
        _entries[tag] = (Rational, 1, bytes);
    }

    public void AddAscii(ushort tag, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text + "\0");
        _entries[tag] = (Ascii, bytes.Length, bytes);
    }

    /// <summary>The directory's bytes when placed at file offset <paramref name="at"/>, pointing to the next directory at <paramref name="next"/> (0: last).</summary>
    public byte[] Serialize(long at, long next)
    {
        int head = 8 + (_entries.Count * 20) + 8;
        long extra = 0;
        foreach (var (_, entry) in _entries)
        {
            if (entry.Value.Length > 8)
            {
                extra += (entry.Value.Length + 1) & ~1;
            }
        }

        var bytes = new byte[head + extra];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt64LittleEndian(span, (ulong)_entries.Count);
        int position = 8;
        long outside = head;
        foreach (var (tag, entry) in _entries)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(span[position..], tag);
            BinaryPrimitives.WriteUInt16LittleEndian(span[(position + 2)..], entry.Type);
            BinaryPrimitives.WriteUInt64LittleEndian(span[(position + 4)..], (ulong)entry.Count);
            if (entry.Value.Length <= 8)
            {
                entry.Value.CopyTo(span[(position + 12)..]);
            }
            else
            {
                BinaryPrimitives.WriteUInt64LittleEndian(span[(position + 12)..], (ulong)(at + outside));
                entry.Value.CopyTo(span[(int)outside..]);
                outside += (entry.Value.Length + 1) & ~1;
            }

            position += 20;
        }

        BinaryPrimitives.WriteUInt64LittleEndian(span[position..], (ulong)next);
        return bytes;
    }
}
