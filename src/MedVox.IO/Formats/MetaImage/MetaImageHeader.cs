using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.IO.Formats.MetaImage;

/// <summary>
/// A parsed MetaImage header (.mha/.mhd): "Key = Value" lines up to ElementDataFile, interpreted as ITK's MetaImageIO
/// (Modules/IO/Meta/src/itkMetaImageIO.cxx) and MetaIO's MetaImage (metaImage.cxx) do.
/// </summary>
internal sealed class MetaImageHeader
{
    /// <summary>Fields whose meaning lives in the image model, so they are not copied into <see cref="Image.Metadata"/>.</summary>
    internal static readonly HashSet<string> ModelFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "ObjectType", "NDims", "DimSize", "ElementSpacing", "ElementSize", "Offset", "Position", "Origin", "ImagePosition",
        "TransformMatrix", "Rotation", "Orientation", "CenterOfRotation", "AnatomicalOrientation", "ElementType",
        "ElementNumberOfChannels", "BinaryData", "BinaryDataByteOrderMSB", "ElementByteOrderMSB", "CompressedData",
        "CompressedDataSize", "HeaderSize", "ElementDataFile", "ElementMin", "ElementMax", "ElementNBits", "SequenceID",
        TimeOriginKey,
    };

    /// <summary>Metadata key for the fourth Offset value of a 4D image (the model has no time origin).</summary>
    internal const string TimeOriginKey = "TimeOrigin";

    private const string Format = "MetaImage";

    /// <summary>Most data files a pattern may name (one per slice of a very large volume is far fewer).</summary>
    private const int MaxFiles = 1 << 20;

    private MetaImageHeader(string path)
    {
        Path = path;
    }

    public string Path { get; }

    /// <summary>Every field as written, in file order.</summary>
    public Dictionary<string, string> Fields { get; } = new(StringComparer.OrdinalIgnoreCase);

    public ImageGeometry Geometry { get; private set; } = null!;

    public ElementType Type { get; private set; }

    public int Channels { get; private set; } = 1;

    public bool IsColor => Type == ElementType.UInt8 && Channels is 3 or 4;

    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    public PixelDataSource Data { get; private set; } = null!;

    public ImageHeader ToImageHeader() => new(Path, Format, Geometry, Type, Type, Channels, IsColor, Fields);

    public static MetaImageHeader Parse(string path)
    {
        var header = new MetaImageHeader(path);
        var text = HeaderText.Read(path);
        int position = 0;
        int dataStart = -1;
        int lineNumber = 0;
        while (text.TryReadLine(ref position, out string line, "ElementDataFile"))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            int equals = line.IndexOf('=', StringComparison.Ordinal);
            string key = equals > 0 ? line[..equals].Trim() : string.Empty;
            if (key.Length == 0 || !IsKey(key) || line.Any(c => c < ' ' && c != '\t'))
            {
                throw new InvalidImageFileException(
                    header.Fields.Count == 0 ? "not a MetaImage header (the first line is not 'Key = Value')" : $"line {lineNumber} of the header is not 'Key = Value'",
                    path,
                    hint: header.Fields.Count == 0 ? "the file is not MetaImage or is damaged" : "the header is damaged");
            }

            string value = line[(equals + 1)..].Trim();
            header.Fields[key] = value;
            if (key.Equals("ElementDataFile", StringComparison.OrdinalIgnoreCase))
            {
                dataStart = position;
                break;
            }
        }

        if (dataStart < 0)
        {
            throw new InvalidImageFileException(
                "the header has no ElementDataFile field", path, "ElementDataFile", "the header is incomplete or the file is not MetaImage");
        }

        header.Interpret(text, dataStart);
        return header;
    }

    private static bool IsKey(string key)
    {
        foreach (char c in key)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }

    private static ElementType ParseType(string value, string path) => value.ToUpperInvariant() switch
    {
        "MET_UCHAR" or "MET_UCHAR_ARRAY" => ElementType.UInt8,
        "MET_CHAR" or "MET_CHAR_ARRAY" or "MET_ASCII_CHAR" or "MET_STRING" => ElementType.Int8,
        "MET_USHORT" or "MET_USHORT_ARRAY" => ElementType.UInt16,
        "MET_SHORT" or "MET_SHORT_ARRAY" => ElementType.Int16,
        // MetaIO's MET_ValueTypeSize (metaTypes.h) gives MET_LONG and MET_ULONG 4 bytes on every platform; 8-byte
        // integers are MET_LONG_LONG and MET_ULONG_LONG.
        "MET_UINT" or "MET_UINT_ARRAY" or "MET_ULONG" or "MET_ULONG_ARRAY" => ElementType.UInt32,
        "MET_INT" or "MET_INT_ARRAY" or "MET_LONG" or "MET_LONG_ARRAY" => ElementType.Int32,
        "MET_ULONG_LONG" or "MET_ULONG_LONG_ARRAY" => ElementType.UInt64,
        "MET_LONG_LONG" or "MET_LONG_LONG_ARRAY" => ElementType.Int64,
        "MET_FLOAT" or "MET_FLOAT_ARRAY" => ElementType.Float32,
        "MET_DOUBLE" or "MET_DOUBLE_ARRAY" => ElementType.Float64,
        "MET_FLOAT_MATRIX" or "MET_OTHER" or "MET_NONE" => throw new UnsupportedFormatException(
            $"ElementType {value} is not a pixel type MedVox reads", path, "ElementType"),
        _ => throw new InvalidImageFileException($"unknown ElementType '{HeaderValues.Shorten(value)}'", path, "ElementType", "use MET_UCHAR, MET_SHORT, MET_FLOAT, ..."),
    };

    /// <summary>The MET_* name ITK writes for <paramref name="type"/> (8-byte integers as MET_LONG_LONG, see <see cref="ParseType"/>).</summary>
    internal static string TypeName(ElementType type) => type switch
    {
        ElementType.UInt8 => "MET_UCHAR",
        ElementType.Int8 => "MET_CHAR",
        ElementType.UInt16 => "MET_USHORT",
        ElementType.Int16 => "MET_SHORT",
        ElementType.UInt32 => "MET_UINT",
        ElementType.Int32 => "MET_INT",
        ElementType.UInt64 => "MET_ULONG_LONG",
        ElementType.Int64 => "MET_LONG_LONG",
        ElementType.Float32 => "MET_FLOAT",
        _ => "MET_DOUBLE",
    };

    private string? Get(string key) => Fields.TryGetValue(key, out string? value) ? value : null;

    private string Require(string key) => Get(key) ?? throw new InvalidImageFileException(
        $"the required field {key} is missing", Path, key, "the header is incomplete");

    private bool GetBool(string key, bool fallback)
    {
        string? value = Get(key);
        if (value is null)
        {
            return fallback;
        }

        return value.ToUpperInvariant() switch
        {
            "TRUE" or "T" or "1" or "YES" => true,
            "FALSE" or "F" or "0" or "NO" => false,
            _ => throw new InvalidImageFileException($"'{HeaderValues.Shorten(value)}' is not True or False", Path, key),
        };
    }

    /// <summary>The last of several synonymous fields in file order (MetaIO reads them into one member).</summary>
    private (string Key, string Value)? GetAny(params string[] keys)
    {
        (string, string)? found = null;
        foreach (var (key, value) in Fields)
        {
            foreach (string candidate in keys)
            {
                if (key.Equals(candidate, StringComparison.OrdinalIgnoreCase))
                {
                    found = (key, value);
                }
            }
        }

        return found;
    }

    private void Interpret(HeaderText text, int dataStart)
    {
        string? objectType = Get("ObjectType");
        if (objectType is not null && !objectType.Equals("Image", StringComparison.OrdinalIgnoreCase))
        {
            throw new UnsupportedFormatException($"ObjectType {HeaderValues.Shorten(objectType)} is not an image", Path, "ObjectType");
        }

        long nDims = HeaderValues.ParseInteger(Require("NDims"), Path, "NDims");
        if (nDims is < 2 or > 4)
        {
            throw new UnsupportedFormatException($"NDims {nDims}: MedVox images have 2 to 4 axes", Path, "NDims");
        }

        int n = (int)nDims;
        long[] dims = HeaderValues.ParseIntegers(Require("DimSize"), n, Path, "DimSize");
        foreach (long d in dims)
        {
            if (d < 1 || d > int.MaxValue)
            {
                throw new InvalidImageFileException($"DimSize {d} is not between 1 and {int.MaxValue}", Path, "DimSize");
            }
        }

        Type = ParseType(Require("ElementType"), Path);
        string? channelText = Get("ElementNumberOfChannels");
        if (channelText is not null)
        {
            long channels = HeaderValues.ParseInteger(channelText, Path, "ElementNumberOfChannels");
            if (channels is < 1 or > ushort.MaxValue)
            {
                throw new InvalidImageFileException($"ElementNumberOfChannels {channels} is not between 1 and {ushort.MaxValue}", Path, "ElementNumberOfChannels");
            }

            Channels = (int)channels;
        }

        Geometry = BuildGeometry(n, dims);
        foreach (var (key, value) in Fields)
        {
            if (!ModelFields.Contains(key))
            {
                Metadata[key] = value;
            }
        }

        Data = BuildData(text, dataStart, n, dims);
    }

    private double[] Spacing(int n)
    {
        var field = GetAny("ElementSpacing") ?? GetAny("ElementSize");
        if (field is null)
        {
            var ones = new double[n];
            Array.Fill(ones, 1.0);
            return ones;
        }

        double[] spacing = HeaderValues.ParseDoubles(field.Value.Value, n, Path, field.Value.Key);
        foreach (double s in spacing)
        {
            if (!(s > 0) || !double.IsFinite(s))
            {
                throw new InvalidImageFileException(
                    $"spacing {HeaderValues.Format(s)} is not positive and finite", Path, field.Value.Key, "the header is damaged");
            }
        }

        return spacing;
    }

    private ImageGeometry BuildGeometry(int n, long[] dims)
    {
        double[] spacing = Spacing(n);
        double[] offset = new double[n];
        var offsetField = GetAny("Offset", "Position", "Origin", "ImagePosition");
        if (offsetField is not null)
        {
            offset = HeaderValues.ParseDoubles(offsetField.Value.Value, n, Path, offsetField.Value.Key);
            HeaderValues.RequireFinite(offset, Path, offsetField.Value.Key);
        }

        // TransformMatrix holds the direction cosines of index axis i as values i*n .. i*n+n-1: ITK's MetaImageIO reads
        // them with "directionAxis[jj] = transformMatrix[ii * N + jj]; SetDirection(ii, directionAxis)", where
        // SetDirection(ii, v) sets column ii of the direction matrix. So direction[row, column] = matrix[column * n + row].
        double[] matrix = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            matrix[(i * n) + i] = 1;
        }

        var matrixField = GetAny("TransformMatrix", "Rotation", "Orientation");
        string matrixKey = matrixField?.Key ?? "TransformMatrix";
        if (matrixField is not null)
        {
            matrix = HeaderValues.ParseDoubles(matrixField.Value.Value, n * n, Path, matrixKey);
            HeaderValues.RequireFinite(matrix, Path, matrixKey);
        }

        double At(int row, int column) => row < n && column < n ? matrix[(column * n) + row] : (row == column ? 1 : 0);
        if (n == 4)
        {
            for (int i = 0; i < 3; i++)
            {
                if (Math.Abs(At(3, i)) > 1e-9 || Math.Abs(At(i, 3)) > 1e-9)
                {
                    throw new UnsupportedFormatException("the TransformMatrix mixes the time axis with space", Path, matrixKey, "MedVox keeps time separate from the 3D direction");
                }
            }
        }

        var direction = new Matrix3D(At(0, 0), At(0, 1), At(0, 2), At(1, 0), At(1, 1), At(1, 2), At(2, 0), At(2, 1), At(2, 2));
        double det = direction.Determinant;
        if (!(Math.Abs(det) >= 1e-6))
        {
            throw new InvalidImageFileException("the direction matrix is singular", Path, matrixKey, "the header is damaged");
        }

        var size = new ImageSize((int)dims[0], (int)dims[1], n >= 3 ? (int)dims[2] : 1, n == 4 ? (int)dims[3] : 1, n);
        var spacing3 = new Vector3D(spacing[0], spacing[1], n >= 3 ? spacing[2] : 1);
        var origin = new Vector3D(offset[0], offset[1], n >= 3 ? offset[2] : 0);
        if (n == 4 && offset[3] != 0)
        {
            Metadata[TimeOriginKey] = HeaderValues.Format(offset[3]);
        }

        try
        {
            return new ImageGeometry(size, spacing3, origin, direction, n == 4 ? spacing[3] : 1.0);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidImageFileException(ex.Message, Path, matrixKey);
        }
    }

    private PixelDataSource BuildData(HeaderText text, int dataStart, int n, long[] dims)
    {
        long total = CompressionGuard.CheckedByteCount(dims, (long)Type.Size() * Channels, Path, "DimSize");
        bool binary = GetBool("BinaryData", fallback: false);
        bool compressed = binary && GetBool("CompressedData", fallback: false);
        bool bigEndian = GetBool("BinaryDataByteOrderMSB", fallback: false) || GetBool("ElementByteOrderMSB", fallback: false);
        long headerSize = 0;
        if (Get("HeaderSize") is string headerSizeText)
        {
            headerSize = HeaderValues.ParseInteger(headerSizeText, Path, "HeaderSize");
            if (headerSize < -1)
            {
                throw new InvalidImageFileException($"HeaderSize {headerSize} is negative", Path, "HeaderSize", "use -1 for data at the end of the file");
            }

            if (headerSize == -1 && (compressed || !binary))
            {
                throw new InvalidImageFileException("HeaderSize -1 (data at the end of the file) needs raw binary data", Path, "HeaderSize");
            }
        }

        long? compressedSize = null;
        if (compressed && Get("CompressedDataSize") is string compressedText)
        {
            long value = HeaderValues.ParseInteger(compressedText, Path, "CompressedDataSize");
            if (value < 0)
            {
                throw new InvalidImageFileException($"CompressedDataSize {value} is negative", Path, "CompressedDataSize");
            }

            compressedSize = value > 0 ? value : null;
        }

        var encoding = !binary ? PixelEncoding.Ascii : compressed ? PixelEncoding.Compressed : PixelEncoding.Raw;
        string dataFile = Require("ElementDataFile");
        string directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path)) ?? ".";
        var parts = new List<PixelDataPart>();
        string[] words = HeaderValues.Words(dataFile);
        if (dataFile.Equals("LOCAL", StringComparison.OrdinalIgnoreCase))
        {
            long start = headerSize > 0 ? headerSize : headerSize == -1 ? text.FileLength - total : dataStart;
            if (compressedSize > text.FileLength - start)
            {
                throw new InvalidImageFileException(
                    $"CompressedDataSize {compressedSize} exceeds the {text.FileLength - start} bytes after the header", Path, "CompressedDataSize", "the file is truncated");
            }

            parts.Add(new PixelDataPart(Path, start, total) { StoredLength = compressedSize });
        }
        else if (words.Length > 0 && words[0].Equals("LIST", StringComparison.OrdinalIgnoreCase))
        {
            int fileDims = words.Length > 1 ? (int)Math.Clamp(HeaderValues.ParseInteger(words[1], Path, "ElementDataFile"), 0, n) : n - 1;
            long files = FileCount(n, dims, fileDims);
            long partBytes = total / files;
            int position = dataStart;
            while (parts.Count < files)
            {
                if (!text.TryReadLine(ref position, out string line, "ElementDataFile"))
                {
                    throw new InvalidImageFileException(
                        $"ElementDataFile LIST names {parts.Count} file(s), DimSize needs {files}", Path, "ElementDataFile", "list one data file per line after the header");
                }

                if (!string.IsNullOrWhiteSpace(line))
                {
                    parts.Add(FilePart(directory, line.Trim(), partBytes, headerSize));
                }
            }
        }
        else if (dataFile.Contains('%', StringComparison.Ordinal))
        {
            foreach (string name in PatternNames(words, n, dims))
            {
                parts.Add(FilePart(directory, name, total / FileCount(n, dims, PatternFileDims(words, n)), headerSize));
            }
        }
        else
        {
            var part = FilePart(directory, dataFile, total, headerSize);
            parts.Add(part with { StoredLength = compressedSize });
        }

        return new PixelDataSource(Path, parts, encoding, bigEndian, Type, "DimSize", "ElementDataFile");
    }

    private static long FileCount(int n, long[] dims, int fileDims)
    {
        if (fileDims < 1 || fileDims >= n)
        {
            fileDims = n - 1;
        }

        long files = 1;
        for (int i = fileDims; i < n; i++)
        {
            files *= dims[i];
        }

        return files;
    }

    private int PatternFileDims(string[] words, int n) =>
        words.Length > 4 ? (int)Math.Clamp(HeaderValues.ParseInteger(words[4], Path, "ElementDataFile"), 0, n) : n - 1;

    /// <summary>File names of "pattern [first [last [step [fileDims]]]]", as MetaIO's slice-file form.</summary>
    private List<string> PatternNames(string[] words, int n, long[] dims)
    {
        long files = FileCount(n, dims, PatternFileDims(words, n));
        if (files > MaxFiles)
        {
            throw new UnsupportedFormatException($"the file pattern names {files} files, more than {MaxFiles}", Path, "ElementDataFile");
        }

        long first = words.Length > 1 ? HeaderValues.ParseInteger(words[1], Path, "ElementDataFile") : 1;
        long step = words.Length > 3 ? HeaderValues.ParseInteger(words[3], Path, "ElementDataFile") : 1;
        if (words.Length > 2)
        {
            long last = HeaderValues.ParseInteger(words[2], Path, "ElementDataFile");
            if (words.Length == 3 && files > 1 && (last - first) % (files - 1) == 0)
            {
                step = (last - first) / (files - 1);
            }

            if (step == 0 || (last - first) / step + 1 != files)
            {
                throw new InvalidImageFileException(
                    $"the file pattern numbers {first}..{last} step {step} do not give the {files} files DimSize needs", Path, "ElementDataFile");
            }
        }

        if (step == 0)
        {
            throw new InvalidImageFileException("the file pattern step is 0", Path, "ElementDataFile");
        }

        var names = new List<string>((int)files);
        for (long i = 0; i < files; i++)
        {
            names.Add(FileNamePattern.Format(words[0], first + (i * step), Path, "ElementDataFile"));
        }

        return names;
    }

    private PixelDataPart FilePart(string directory, string name, long bytes, long headerSize)
    {
        string path = DataFilePath.Resolve(directory, name, Path, "ElementDataFile");
        long start = headerSize;
        if (headerSize == -1)
        {
            var info = new FileInfo(path);
            start = info.Exists ? info.Length - bytes : 0;
        }

        return new PixelDataPart(path, start, bytes);
    }
}
