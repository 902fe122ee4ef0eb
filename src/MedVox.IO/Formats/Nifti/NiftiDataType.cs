using MedVox.Imaging;

namespace MedVox.IO.Formats.Nifti;

/// <summary>
/// The NIfTI <c>datatype</c> codes (nifti1.h, the same in NIfTI-2) and how MedVox stores them: scalars map to an
/// <see cref="ElementType"/>; RGB24 and RGBA32 become 3 or 4 interleaved uint8 colour channels, as on disk.
/// </summary>
internal readonly record struct NiftiDataType(short Code, string Name, ElementType ElementType, int Channels)
{
    public const short Binary = 1;
    public const short UInt8 = 2;
    public const short Int16 = 4;
    public const short Int32 = 8;
    public const short Float32 = 16;
    public const short Complex64 = 32;
    public const short Float64 = 64;
    public const short Rgb24 = 128;
    public const short Int8 = 256;
    public const short UInt16 = 512;
    public const short UInt32 = 768;
    public const short Int64 = 1024;
    public const short UInt64 = 1280;
    public const short Float128 = 1536;
    public const short Complex128 = 1792;
    public const short Complex256 = 2048;
    public const short Rgba32 = 2304;

    private static readonly NiftiDataType[] Supported =
    [
        new(UInt8, "uint8", ElementType.UInt8, 1),
        new(Int8, "int8", ElementType.Int8, 1),
        new(Int16, "int16", ElementType.Int16, 1),
        new(UInt16, "uint16", ElementType.UInt16, 1),
        new(Int32, "int32", ElementType.Int32, 1),
        new(UInt32, "uint32", ElementType.UInt32, 1),
        new(Int64, "int64", ElementType.Int64, 1),
        new(UInt64, "uint64", ElementType.UInt64, 1),
        new(Float32, "float32", ElementType.Float32, 1),
        new(Float64, "float64", ElementType.Float64, 1),
        new(Rgb24, "RGB24", ElementType.UInt8, 3),
        new(Rgba32, "RGBA32", ElementType.UInt8, 4),
    ];

    /// <summary>Bits per voxel as <c>bitpix</c> must state them.</summary>
    public int BitsPerVoxel => ElementType.Size() * Channels * 8;

    public bool IsColor => Code is Rgb24 or Rgba32;

    /// <summary>The type for <paramref name="code"/>; throws for codes that are valid NIfTI but unsupported, or unknown.</summary>
    public static NiftiDataType FromCode(int code, string path)
    {
        foreach (var type in Supported)
        {
            if (type.Code == code)
            {
                return type;
            }
        }

        string? unsupported = code switch
        {
            Binary => "1-bit binary",
            Complex64 => "complex64",
            Complex128 => "complex128",
            Complex256 => "complex256",
            Float128 => "float128",
            _ => null,
        };
        if (unsupported is not null)
        {
            string hint = code == Float128
                ? "convert it to float64 first, e.g. with nibabel: nib.save(nib.Nifti1Image(np.asarray(img.dataobj, np.float64), img.affine, img.header), out)"
                : code == Binary
                    ? "convert it to uint8 first"
                    : "convert it to real float images first (real and imaginary, or magnitude and phase), e.g. with nibabel and numpy's .real/.imag or abs/angle";
            throw new UnsupportedFormatException($"{unsupported} pixels (datatype {code}) are not supported", path, "datatype", hint);
        }

        throw new InvalidImageFileException($"unknown datatype code {code}", path, "datatype", "the header is corrupt or not NIfTI");
    }

    /// <summary>The code that stores <paramref name="type"/> with <paramref name="channels"/> (RGB24/RGBA32 for colour uint8).</summary>
    public static NiftiDataType ForImage(ElementType type, int channels, bool isColor)
    {
        if (isColor && type == ElementType.UInt8 && channels is 3 or 4)
        {
            return channels == 3 ? Supported[10] : Supported[11];
        }

        foreach (var candidate in Supported)
        {
            if (candidate.Channels == 1 && candidate.ElementType == type)
            {
                return candidate;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(type), $"No NIfTI datatype for {type}.");
    }
}
