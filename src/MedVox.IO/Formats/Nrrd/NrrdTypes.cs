using MedVox.Imaging;

namespace MedVox.IO.Formats.Nrrd;

/// <summary>NRRD's names for element types, encodings and axis kinds (teem's nrrdType, nrrdEncoding, nrrdKind).</summary>
internal static class NrrdTypes
{
    /// <summary>The element type of a "type:" value, with every spelling teem's _nrrdTypeStrEqv accepts; null if unknown.</summary>
    public static ElementType? ParseType(string value) => value.Trim().ToLowerInvariant() switch
    {
        "signed char" or "int8" or "int8_t" => ElementType.Int8,
        "uchar" or "unsigned char" or "uint8" or "uint8_t" => ElementType.UInt8,
        "short" or "short int" or "signed short" or "signed short int" or "int16" or "int16_t" => ElementType.Int16,
        "ushort" or "unsigned short" or "unsigned short int" or "uint16" or "uint16_t" => ElementType.UInt16,
        "int" or "signed int" or "int32" or "int32_t" => ElementType.Int32,
        "uint" or "unsigned int" or "uint32" or "uint32_t" => ElementType.UInt32,
        "longlong" or "long long" or "long long int" or "signed long long" or "signed long long int" or "int64" or "int64_t" => ElementType.Int64,
        "ulonglong" or "unsigned long long" or "unsigned long long int" or "uint64" or "uint64_t" => ElementType.UInt64,
        "float" => ElementType.Float32,
        "double" => ElementType.Float64,
        _ => null,
    };

    /// <summary>teem's canonical name (what unu, ITK and 3D Slicer write).</summary>
    public static string TypeName(ElementType type) => type switch
    {
        ElementType.Int8 => "signed char",
        ElementType.UInt8 => "unsigned char",
        ElementType.Int16 => "short",
        ElementType.UInt16 => "unsigned short",
        ElementType.Int32 => "int",
        ElementType.UInt32 => "unsigned int",
        ElementType.Int64 => "long long int",
        ElementType.UInt64 => "unsigned long long int",
        ElementType.Float32 => "float",
        _ => "double",
    };

    /// <summary>The encoding of an "encoding:" value; throws for ones MedVox does not decode.</summary>
    public static PixelEncoding ParseEncoding(string value, string path) => value.Trim().ToLowerInvariant() switch
    {
        "raw" => PixelEncoding.Raw,
        "gz" or "gzip" => PixelEncoding.Compressed,
        "txt" or "text" or "ascii" => PixelEncoding.Ascii,
        "hex" => PixelEncoding.Hex,
        "bz2" or "bzip2" or "zrl" => throw new UnsupportedFormatException(
            $"encoding {value} is not supported", path, "encoding", "convert it with 'unu save -f nrrd -e gzip'"),
        _ => throw new InvalidImageFileException($"unknown encoding '{HeaderValues.Shorten(value)}'", path, "encoding", "use raw, gzip, ascii or hex"),
    };

    /// <summary>Kinds of independent (domain) axes.</summary>
    public static bool IsDomainKind(string kind) =>
        kind.Equals("domain", StringComparison.OrdinalIgnoreCase) || kind.Equals("space", StringComparison.OrdinalIgnoreCase) || kind.Equals("time", StringComparison.OrdinalIgnoreCase);

    /// <summary>"none" or "???": no kind given.</summary>
    public static bool IsUnknownKind(string kind) => kind is "none" or "???" or "";

    /// <summary>Kinds whose components are colours (ITK reads them as RGB or RGBA pixels).</summary>
    public static bool IsColorKind(string kind) =>
        kind.Equals("RGB-color", StringComparison.OrdinalIgnoreCase) || kind.Equals("RGBA-color", StringComparison.OrdinalIgnoreCase)
        || kind.Equals("3-color", StringComparison.OrdinalIgnoreCase) || kind.Equals("4-color", StringComparison.OrdinalIgnoreCase);

    /// <summary>The canonical name of a header field (with teem's older one-word spellings), or null for one teem does not define.</summary>
    public static string? CanonicalField(string name) => name.Trim().ToLowerInvariant() switch
    {
        "blocksize" => "block size",
        "axismins" => "axis mins",
        "axismaxs" => "axis maxs",
        "centerings" => "centers",
        "oldmin" => "old min",
        "oldmax" => "old max",
        "datafile" => "data file",
        "lineskip" => "line skip",
        "byteskip" => "byte skip",
        "sampleunits" => "sample units",
        "dimension" or "type" or "block size" or "encoding" or "endian" or "content" or "sizes" or "spacings" or "thicknesses"
            or "axis mins" or "axis maxs" or "centers" or "labels" or "units" or "kinds" or "min" or "max" or "old min"
            or "old max" or "data file" or "line skip" or "byte skip" or "number" or "sample units" or "space"
            or "space dimension" or "space units" or "space origin" or "space directions" or "measurement frame" => name.Trim().ToLowerInvariant(),
        _ => null,
    };
}
