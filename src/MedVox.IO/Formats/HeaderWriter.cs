using System.Text;

namespace MedVox.IO.Formats;

/// <summary>Writes header lines as UTF-8 with LF endings, tracking the byte position (for fields patched after the data).</summary>
internal static class HeaderWriter
{
    public static void WriteLine(Stream stream, string line)
    {
        int count = Encoding.UTF8.GetByteCount(line);
        Span<byte> bytes = count < 1024 ? stackalloc byte[count + 1] : new byte[count + 1];
        Encoding.UTF8.GetBytes(line, bytes);
        bytes[count] = (byte)'\n';
        stream.Write(bytes);
    }

    /// <summary>True when a metadata entry can be written as one header line with this key.</summary>
    public static bool IsWritable(string key, string value)
    {
        if (key.Length == 0)
        {
            return false;
        }

        foreach (char c in key)
        {
            if (char.IsControl(c))
            {
                return false;
            }
        }

        foreach (char c in value)
        {
            if (c is '\n' or '\r' || c == '\0')
            {
                return false;
            }
        }

        return true;
    }
}
