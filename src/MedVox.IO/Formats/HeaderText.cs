using System.Text;

namespace MedVox.IO.Formats;

/// <summary>
/// The text header at the start of a MetaImage or NRRD file, read with a hard cap (<see cref="MaxBytes"/>) so that a
/// header that never ends, or a binary file under a text format's name, is rejected instead of read whole. Lines end
/// in LF or CRLF; positions are byte offsets into the file.
/// </summary>
internal sealed class HeaderText
{
    /// <summary>Headers longer than this are rejected (real ones are a few kilobytes).</summary>
    public const int MaxBytes = 1 << 20;

    private readonly byte[] _bytes;

    private HeaderText(string path, byte[] bytes, long fileLength)
    {
        Path = path;
        _bytes = bytes;
        FileLength = fileLength;
    }

    public string Path { get; }

    public long FileLength { get; }

    /// <summary>Bytes held: the whole file when it is under <see cref="MaxBytes"/>.</summary>
    public int Length => _bytes.Length;

    public bool HoldsWholeFile => _bytes.Length == FileLength;

    public static HeaderText Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        long fileLength = stream.Length;
        var bytes = new byte[(int)Math.Min(fileLength, MaxBytes)];
        stream.ReadExactly(bytes);
        return new HeaderText(path, bytes, fileLength);
    }

    /// <summary>
    /// Reads the line that starts at <paramref name="position"/> and advances past its end. Returns false at the end of the
    /// file. A line that runs past <see cref="MaxBytes"/> ends the header search with an error naming <paramref name="field"/>.
    /// </summary>
    public bool TryReadLine(ref int position, out string line, string field)
    {
        if (position >= _bytes.Length)
        {
            if (!HoldsWholeFile)
            {
                throw NoEnd(field);
            }

            line = string.Empty;
            return false;
        }

        int end = Array.IndexOf(_bytes, (byte)'\n', position);
        int next;
        if (end < 0)
        {
            if (!HoldsWholeFile)
            {
                throw NoEnd(field);
            }

            end = _bytes.Length;
            next = end;
        }
        else
        {
            next = end + 1;
        }

        int length = end - position;
        if (length > 0 && _bytes[end - 1] == (byte)'\r')
        {
            length--;
        }

        line = Encoding.UTF8.GetString(_bytes, position, length);
        position = next;
        return true;
    }

    private InvalidImageFileException NoEnd(string field) => new(
        $"the header does not end within the first {MaxBytes / (1 << 20)} MB",
        Path,
        field,
        "the file is not a valid header or is damaged");
}
