using System.Text;
using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.IO.Formats.Nrrd;

/// <summary>
/// A parsed NRRD header (teem's format, NRRD0001..NRRD0005; http://teem.sourceforge.net/nrrd/format.html) and its
/// meaning for a MedVox image: spatial axes (with space directions, or without space by kinds and spacings) become x,
/// y, z; a first non-spatial axis (space direction "none", or a vector/colour/list kind) becomes the interleaved
/// channels; a last non-spatial axis, or the time axis of a time space, becomes t. Coordinates are converted to LPS.
/// </summary>
internal sealed class NrrdHeader
{
    /// <summary>Metadata keys for NRRD fields the model has no place for, named as ITK's NrrdImageIO names them.</summary>
    internal const string ContentKey = "NRRD_content";

    internal const string MeasurementFrameKey = "NRRD_measurement frame";

    internal const string SpaceKey = "NRRD_space";

    internal const string TimeOriginKey = "TimeOrigin";

    private const string Format = "NRRD";

    private readonly List<string> _listedFiles = [];
    private int _dataStart = -1;
    private HeaderText _text = null!;

    private NrrdHeader(string path)
    {
        Path = path;
    }

    public string Path { get; }

    /// <summary>Fields under their canonical names, then key/value pairs under their keys.</summary>
    public Dictionary<string, string> Fields { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, string> KeyValues { get; } = new(StringComparer.Ordinal);

    public ImageGeometry Geometry { get; private set; } = null!;

    public ElementType Type { get; private set; }

    public int Channels { get; private set; } = 1;

    public bool IsColor { get; private set; }

    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    public PixelDataSource Data { get; private set; } = null!;

    public ImageHeader ToImageHeader()
    {
        var fields = new Dictionary<string, string>(Fields, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in KeyValues)
        {
            fields.TryAdd(key, value);
        }

        return new ImageHeader(Path, Format, Geometry, Type, Type, Channels, IsColor, fields);
    }

    public static NrrdHeader Parse(string path)
    {
        var header = new NrrdHeader(path);
        header._text = HeaderText.Read(path);
        header.ReadLines();
        header.Interpret();
        return header;
    }

    internal static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Unescape(string text)
    {
        if (!text.Contains('\\', StringComparison.Ordinal))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] is 'n' or '\\')
            {
                result.Append(text[++i] == 'n' ? '\n' : '\\');
            }
            else
            {
                result.Append(text[i]);
            }
        }

        return result.ToString();
    }

    private void ReadLines()
    {
        int position = 0;
        if (!_text.TryReadLine(ref position, out string magic, "dimension") || !magic.StartsWith("NRRD", StringComparison.Ordinal))
        {
            throw new InvalidImageFileException("not a NRRD file (it does not start with NRRD000x)", Path, hint: "the file is not NRRD or is damaged");
        }

        if (magic.Length != 8 || !magic.StartsWith("NRRD000", StringComparison.Ordinal) || magic[7] is < '1' or > '5')
        {
            throw new UnsupportedFormatException($"NRRD version '{HeaderValues.Shorten(magic)}' is not one of NRRD0001..NRRD0005", Path);
        }

        int lineNumber = 1;
        while (_text.TryReadLine(ref position, out string line, "dimension"))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                _dataStart = position;
                return;
            }

            if (line.StartsWith('#'))
            {
                continue;
            }

            int keyValue = line.IndexOf(":=", StringComparison.Ordinal);
            if (keyValue > 0 && !line.Any(c => c < ' ' && c != '\t'))
            {
                KeyValues[Unescape(line[..keyValue])] = Unescape(line[(keyValue + 2)..]);
                continue;
            }

            int colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon < 0 && line.EndsWith(':'))
            {
                colon = line.Length - 1;
            }

            if (colon <= 0 || line.Any(c => c < ' ' && c != '\t'))
            {
                throw new InvalidImageFileException($"line {lineNumber} is neither 'field: value' nor 'key:=value'", Path, hint: "the header is damaged");
            }

            string name = line[..colon];
            string value = colon + 2 <= line.Length ? line[(colon + 2)..].Trim() : string.Empty;
            string field = NrrdTypes.CanonicalField(name) ?? name.Trim();
            if (!Fields.TryAdd(field, value))
            {
                throw new InvalidImageFileException($"field {field} appears twice", Path, field, "the header is damaged");
            }

            if (field == "data file" && StartsWithWord(value, "LIST"))
            {
                // LIST: the data files follow, one per line, to the end of the header file.
                while (_text.TryReadLine(ref position, out string file, "data file"))
                {
                    if (!string.IsNullOrWhiteSpace(file))
                    {
                        _listedFiles.Add(file.Trim());
                    }
                }

                return;
            }
        }
    }

    private static bool StartsWithWord(string value, string word) =>
        value.StartsWith(word, StringComparison.Ordinal) && (value.Length == word.Length || char.IsWhiteSpace(value[word.Length]));

    private string? Get(string field) => Fields.TryGetValue(field, out string? value) ? value : null;

    private string Require(string field) => Get(field) ?? throw new InvalidImageFileException(
        $"the required field {field} is missing", Path, field, "the header is incomplete");

    private string[] PerAxisWords(string field, int dimension)
    {
        var words = HeaderValues.Words(Require(field));
        if (words.Length != dimension)
        {
            throw new InvalidImageFileException($"expected {dimension} value(s), found {words.Length}", Path, field);
        }

        return words;
    }

    /// <summary>Parses "(x,y,z) none (x,y,z) ..." into one vector (or null for none) per entry.</summary>
    private double[]?[] ParseVectors(string field, int count, int length, bool allowNone)
    {
        string text = Require(field);
        var vectors = new List<double[]?>();
        int i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }

            if (allowNone && string.Compare(text, i, "none", 0, 4, StringComparison.OrdinalIgnoreCase) == 0)
            {
                vectors.Add(null);
                i += 4;
                continue;
            }

            int close = text.IndexOf(')', i);
            if (text[i] != '(' || close < 0)
            {
                throw new InvalidImageFileException($"'{HeaderValues.Shorten(text)}' is not a list of (x,y,z) vectors", Path, field);
            }

            var parts = text[(i + 1)..close].Split(',');
            if (parts.Length != length)
            {
                throw new InvalidImageFileException($"a vector has {parts.Length} component(s), the space has {length}", Path, field);
            }

            var vector = new double[length];
            for (int c = 0; c < length; c++)
            {
                vector[c] = HeaderValues.ParseDouble(parts[c], Path, field);
            }

            HeaderValues.RequireFinite(vector, Path, field);
            vectors.Add(vector);
            i = close + 1;
        }

        if (vectors.Count != count)
        {
            throw new InvalidImageFileException($"expected {count} vector(s), found {vectors.Count}", Path, field);
        }

        return [.. vectors];
    }

    private void Interpret()
    {
        long dimensionValue = HeaderValues.ParseInteger(Require("dimension"), Path, "dimension");
        if (dimensionValue is < 1 or > 16)
        {
            throw new InvalidImageFileException($"dimension {dimensionValue} is not between 1 and 16", Path, "dimension");
        }

        int dim = (int)dimensionValue;
        string typeText = Require("type");
        if (typeText.Trim().Equals("block", StringComparison.OrdinalIgnoreCase))
        {
            throw new UnsupportedFormatException("type block (opaque records) is not an image", Path, "type");
        }

        Type = NrrdTypes.ParseType(typeText) ?? throw new InvalidImageFileException(
            $"unknown type '{HeaderValues.Shorten(typeText)}'", Path, "type", "use a teem type name such as short, uint8 or float");
        var sizes = HeaderValues.ParseIntegers(Require("sizes"), dim, Path, "sizes");
        foreach (long size in sizes)
        {
            if (size < 1 || size > int.MaxValue)
            {
                throw new InvalidImageFileException($"size {size} is not between 1 and {int.MaxValue}", Path, "sizes");
            }
        }

        var encoding = NrrdTypes.ParseEncoding(Require("encoding"), Path);
        bool bigEndian = false;
        if (Get("endian") is string endian)
        {
            bigEndian = endian.Trim().ToLowerInvariant() switch
            {
                "big" => true,
                "little" => false,
                _ => throw new InvalidImageFileException($"endian '{HeaderValues.Shorten(endian)}' is neither little nor big", Path, "endian"),
            };
        }
        else if (Type.Size() > 1 && encoding != PixelEncoding.Ascii)
        {
            throw new InvalidImageFileException("the required field endian is missing", Path, "endian", "multi-byte data needs 'endian: little' or 'endian: big'");
        }

        var space = ReadSpace();
        var kinds = Get("kinds") is null ? null : PerAxisWords("kinds", dim);
        var directions = space is not null && Get("space directions") is not null
            ? ParseVectors("space directions", dim, space.Dimension, allowNone: true)
            : null;
        if (space is not null && directions is null)
        {
            throw new InvalidImageFileException("a space is given but space directions is missing", Path, "space directions");
        }

        if (space is null && Get("space directions") is not null)
        {
            throw new InvalidImageFileException("space directions is given without a space or space dimension", Path, "space directions");
        }

        double[]? spacings = null;
        if (Get("spacings") is string spacingText)
        {
            spacings = HeaderValues.ParseDoubles(spacingText, dim, Path, "spacings");
        }

        BuildGeometry(dim, sizes, space, directions, kinds, spacings);
        foreach (var (key, value) in KeyValues)
        {
            Metadata[key] = value;
        }

        if (Get("content") is string content && content.Length > 0)
        {
            Metadata[ContentKey] = content;
        }

        if (space is { Anatomical: false, Name.Length: > 0 })
        {
            Metadata[SpaceKey] = space.Name;
        }

        if (space is not null && Get("measurement frame") is not null)
        {
            var frame = ParseVectors("measurement frame", space.Dimension, space.Dimension, allowNone: false);
            Metadata[MeasurementFrameKey] = string.Join(' ', frame.Select(v => "(" + HeaderValues.Join(ToLps(v!, space), ",") + ")"));
        }

        Data = BuildData(dim, sizes, encoding, bigEndian);
    }

    private NrrdSpace? ReadSpace()
    {
        string? name = Get("space");
        string? dimension = Get("space dimension");
        if (name is not null && dimension is not null)
        {
            throw new InvalidImageFileException("space and space dimension are both given", Path, "space dimension", "give one of them");
        }

        if (name is not null)
        {
            var space = NrrdSpace.Parse(name) ?? throw new InvalidImageFileException($"unknown space '{HeaderValues.Shorten(name)}'", Path, "space");
            return space;
        }

        if (dimension is not null)
        {
            long value = HeaderValues.ParseInteger(dimension, Path, "space dimension");
            if (value is < 2 or > 4)
            {
                throw new UnsupportedFormatException($"space dimension {value}: MedVox images live in 2D, 3D or 3D+time space", Path, "space dimension");
            }

            return NrrdSpace.OfDimension((int)value);
        }

        return null;
    }

    private static double[] ToLps(double[] vector, NrrdSpace space)
    {
        // Adding 0.0 turns the -0 of a flipped zero into 0, so that it is not written back as "-0".
        var result = (double[])vector.Clone();
        result[0] = (result[0] * space.FlipX) + 0.0;
        if (result.Length > 1)
        {
            result[1] = (result[1] * space.FlipY) + 0.0;
        }

        return result;
    }

    private void BuildGeometry(int dim, long[] sizes, NrrdSpace? space, double[]?[]? directions, string[]? kinds, double[]? spacings)
    {
        // Which axes are domain (spatial or time) axes: with a space, those with a direction; without, by kind.
        var domain = new bool[dim];
        for (int a = 0; a < dim; a++)
        {
            domain[a] = directions is not null ? directions[a] is not null : kinds is null || NrrdTypes.IsDomainKind(kinds[a]) || NrrdTypes.IsUnknownKind(kinds[a]);
        }

        int channelAxis = !domain[0] && dim > 1 ? 0 : -1;
        int lastAxis = -1;
        for (int a = channelAxis + 1; a < dim; a++)
        {
            if (domain[a])
            {
                continue;
            }

            string kind = kinds?[a] ?? "none";
            if (a == dim - 1 && !NrrdTypes.IsColorKind(kind))
            {
                lastAxis = a;
            }
            else if (a == dim - 1 && channelAxis < 0)
            {
                throw new UnsupportedFormatException(
                    $"the {kind} axis is the last axis; MedVox reads channels interleaved on the first axis", Path, "kinds", "reorder the axes with 'unu permute'");
            }
            else
            {
                throw new UnsupportedFormatException(
                    $"axis {a} (kind {kind}) is neither spatial, nor the first (channel) axis, nor the last (time) axis", Path, directions is not null ? "space directions" : "kinds");
            }
        }

        var domainAxes = Enumerable.Range(0, dim).Where(a => domain[a]).ToArray();
        if (channelAxis == 0)
        {
            Channels = (int)Math.Min(sizes[0], int.MaxValue);
            IsColor = kinds is not null && NrrdTypes.IsColorKind(kinds[0]);
            if (Channels > ushort.MaxValue)
            {
                throw new UnsupportedFormatException($"{Channels} components per pixel are more than MedVox handles", Path, "sizes");
            }
        }

        // A time space (or "space dimension: 4") has its time axis among the domain axes: the one along the 4th coordinate.
        int timeAxis = lastAxis;
        if (space is { Dimension: 4 } && directions is not null)
        {
            foreach (int a in domainAxes)
            {
                var v = directions[a]!;
                if (v[3] != 0)
                {
                    if (v[0] != 0 || v[1] != 0 || v[2] != 0 || a != domainAxes[^1] || lastAxis >= 0)
                    {
                        throw new UnsupportedFormatException($"axis {a} mixes time with space", Path, "space directions", "MedVox keeps time as the last axis, apart from the 3D directions");
                    }

                    timeAxis = a;
                }
            }
        }
        else if (directions is null && domainAxes.Length == 4 && lastAxis < 0)
        {
            timeAxis = domainAxes[3];
        }

        var spatial = domainAxes.Where(a => a != timeAxis).ToArray();
        int maxSpatial = space is { Dimension: 2 } ? 2 : 3;
        if (spatial.Length < 2 || spatial.Length > maxSpatial)
        {
            throw new UnsupportedFormatException(
                $"{spatial.Length} spatial axes (of {dim}): MedVox images have 2 or 3", Path, directions is not null ? "space directions" : "dimension");
        }

        var columns = new Vector3D[3];
        var spacing = new double[3];
        for (int i = 0; i < spatial.Length; i++)
        {
            int a = spatial[i];
            Vector3D column;
            if (directions is not null)
            {
                var v = ToLps(directions[a]!, space!);
                column = new Vector3D(v[0], v[1], v.Length > 2 ? v[2] : 0);
                spacing[i] = column.Length;
                if (spacing[i] == 0)
                {
                    throw new InvalidImageFileException($"the direction of axis {a} is a zero vector", Path, "space directions", "the header is damaged");
                }

                column /= spacing[i];
            }
            else
            {
                double s = spacings?[a] ?? double.NaN;
                column = Orientation.UnitAxis(i);
                if (double.IsNaN(s))
                {
                    // teem: "nan" spacing means not known; ITK then keeps its default of 1.
                    s = 1;
                }
                else if (!double.IsFinite(s) || s == 0)
                {
                    throw new InvalidImageFileException($"spacing {HeaderValues.Format(s)} of axis {a} is not a non-zero finite number", Path, "spacings");
                }
                else if (s < 0)
                {
                    column = -column;
                    s = -s;
                }

                spacing[i] = s;
            }

            columns[i] = column;
        }

        if (spatial.Length == 2)
        {
            columns[2] = space is { Dimension: 2 } || directions is null ? new Vector3D(0, 0, 1) : Vector3D.Cross(columns[0], columns[1]).Normalized();
            spacing[2] = 1;
        }

        double timeSpacing = 1;
        if (timeAxis >= 0)
        {
            timeSpacing = directions?[timeAxis] is double[] tv ? Math.Abs(tv[3]) : spacings?[timeAxis] ?? double.NaN;
            if (double.IsNaN(timeSpacing))
            {
                timeSpacing = 1;
            }
            else if (!double.IsFinite(timeSpacing) || timeSpacing == 0)
            {
                throw new InvalidImageFileException($"time spacing {HeaderValues.Format(timeSpacing)} is not a non-zero finite number", Path, "spacings");
            }

            timeSpacing = Math.Abs(timeSpacing);
        }

        var origin = Vector3D.Zero;
        if (space is not null && Get("space origin") is not null)
        {
            var o = ToLps(ParseVectors("space origin", 1, space.Dimension, allowNone: false)[0]!, space);
            origin = new Vector3D(o[0], o[1], o.Length > 2 ? o[2] : 0);
            if (o.Length == 4 && o[3] != 0)
            {
                Metadata[TimeOriginKey] = HeaderValues.Format(o[3]);
            }
        }

        var direction = Matrix3D.FromColumns(columns[0], columns[1], columns[2]);
        if (!(Math.Abs(direction.Determinant) >= 1e-6))
        {
            throw new InvalidImageFileException("the space directions are linearly dependent", Path, "space directions", "the header is damaged");
        }

        var size = new ImageSize(
            (int)sizes[spatial[0]],
            (int)sizes[spatial[1]],
            spatial.Length == 3 ? (int)sizes[spatial[2]] : 1,
            timeAxis >= 0 ? (int)sizes[timeAxis] : 1,
            timeAxis >= 0 ? 4 : spatial.Length);
        try
        {
            Geometry = new ImageGeometry(size, new Vector3D(spacing[0], spacing[1], spacing[2]), origin, direction, timeSpacing);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidImageFileException(ex.Message, Path, "space directions");
        }
    }

    private PixelDataSource BuildData(int dim, long[] sizes, PixelEncoding encoding, bool bigEndian)
    {
        long total = CompressionGuard.CheckedByteCount(sizes, Type.Size(), Path, "sizes");
        long lineSkip = Get("line skip") is string ls ? HeaderValues.ParseInteger(ls, Path, "line skip") : 0;
        long byteSkip = Get("byte skip") is string bs ? HeaderValues.ParseInteger(bs, Path, "byte skip") : 0;
        if (lineSkip < 0)
        {
            throw new InvalidImageFileException($"line skip {lineSkip} is negative", Path, "line skip");
        }

        if (byteSkip < -1)
        {
            throw new InvalidImageFileException($"byte skip {byteSkip} is below -1", Path, "byte skip");
        }

        if (byteSkip == -1 && encoding != PixelEncoding.Raw)
        {
            throw new InvalidImageFileException("byte skip -1 (data at the end of the file) needs raw encoding", Path, "byte skip");
        }

        string directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path)) ?? ".";
        var files = new List<string>();
        int fileDims = dim - 1;
        string? dataFile = Get("data file");
        if (dataFile is null)
        {
            if (Path.EndsWith(".nhdr", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidImageFileException("the detached header names no data file", Path, "data file", "add 'data file: NAME' or use .nrrd");
            }

            if (_dataStart < 0)
            {
                throw new InvalidImageFileException(
                    _text.HoldsWholeFile ? "the header has no blank line ending it, so the file holds no data" : $"the header does not end within the first {HeaderText.MaxBytes >> 20} MB",
                    Path,
                    "data file",
                    "the file is truncated or not NRRD");
            }
        }
        else
        {
            var words = HeaderValues.Words(dataFile);
            if (StartsWithWord(dataFile, "LIST"))
            {
                if (words.Length > 1)
                {
                    fileDims = (int)HeaderValues.ParseInteger(words[1], Path, "data file");
                }

                files.AddRange(_listedFiles);
            }
            else if (words.Length >= 4 && words[0].Contains('%', StringComparison.Ordinal))
            {
                long first = HeaderValues.ParseInteger(words[1], Path, "data file");
                long last = HeaderValues.ParseInteger(words[2], Path, "data file");
                long step = HeaderValues.ParseInteger(words[3], Path, "data file");
                if (words.Length > 4)
                {
                    fileDims = (int)HeaderValues.ParseInteger(words[4], Path, "data file");
                }

                if (step == 0 || (last - first) / step < 0 || (last - first) / step >= 1 << 20)
                {
                    throw new InvalidImageFileException($"the file numbers {first}..{last} step {step} are not a range", Path, "data file");
                }

                for (long n = first; step > 0 ? n <= last : n >= last; n += step)
                {
                    files.Add(FileNamePattern.Format(words[0], n, Path, "data file"));
                }
            }
            else
            {
                files.Add(dataFile);
                fileDims = dim;
            }
        }

        if (fileDims < 1 || fileDims > dim)
        {
            throw new InvalidImageFileException($"{fileDims} is not a dimension of the data files", Path, "data file");
        }

        var parts = new List<PixelDataPart>();
        if (files.Count == 0 && dataFile is null)
        {
            parts.Add(Part(Path, _dataStart, total, lineSkip, byteSkip, encoding));
        }
        else
        {
            long expected = 1;
            for (int a = fileDims; a < dim; a++)
            {
                expected *= sizes[a];
            }

            if (files.Count != expected)
            {
                throw new InvalidImageFileException(
                    $"the header names {files.Count} data file(s), its sizes need {expected}", Path, "data file", "list one file per slice");
            }

            foreach (string file in files)
            {
                string path = DataFilePath.Resolve(directory, file, Path, "data file");
                parts.Add(Part(path, 0, total / expected, lineSkip, byteSkip, encoding));
            }
        }

        return new PixelDataSource(Path, parts, encoding, bigEndian, Type, "sizes", "data file");
    }

    /// <summary>Where the pixels of one data file start after its line and byte skips (teem applies byte skip after decompression).</summary>
    private PixelDataPart Part(string path, long start, long bytes, long lineSkip, long byteSkip, PixelEncoding encoding)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return new PixelDataPart(path, start, bytes);
        }

        if (lineSkip > 0)
        {
            start = SkipLines(path, start, lineSkip);
        }

        if (byteSkip == -1)
        {
            return new PixelDataPart(path, info.Length - bytes, bytes);
        }

        return encoding == PixelEncoding.Compressed
            ? new PixelDataPart(path, start, bytes) { DecodedSkip = byteSkip }
            : new PixelDataPart(path, start + byteSkip, bytes);
    }

    private long SkipLines(string path, long start, long lines)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        stream.Seek(start, SeekOrigin.Begin);
        var buffer = new byte[1 << 16];
        long position = start;
        long left = lines;
        while (left > 0)
        {
            int read = stream.Read(buffer);
            if (read == 0)
            {
                throw new InvalidImageFileException($"line skip {lines} passes the end of {System.IO.Path.GetFileName(path)}", Path, "line skip", "the file is truncated or its header is wrong");
            }

            for (int i = 0; i < read; i++)
            {
                if (buffer[i] == (byte)'\n' && --left == 0)
                {
                    return position + i + 1;
                }
            }

            position += read;
        }

        return position;
    }

}
