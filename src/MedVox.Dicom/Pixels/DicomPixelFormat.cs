using MedVox.Imaging;

namespace MedVox.Dicom.Pixels;

/// <summary>
/// The Image Pixel module of a file (PS3.3 C.7.6.3), validated: what one frame looks like stored and what the decoders
/// produce (stored samples in native byte order, channels interleaved, YBR 4:2:2 expanded to one triple per pixel).
/// </summary>
public sealed record DicomPixelFormat
{
    public required int Rows { get; init; }

    public required int Columns { get; init; }

    public required int SamplesPerPixel { get; init; }

    /// <summary>1, 8, 16, 32 (or 64 for double float pixel data).</summary>
    public required int BitsAllocated { get; init; }

    public required int BitsStored { get; init; }

    public required int HighBit { get; init; }

    /// <summary>PixelRepresentation 1: two's complement samples.</summary>
    public required bool IsSigned { get; init; }

    /// <summary>PlanarConfiguration 1: colour planes one after another (native data only).</summary>
    public required bool IsPlanar { get; init; }

    /// <summary>MONOCHROME1, MONOCHROME2, RGB, YBR_FULL, YBR_FULL_422, PALETTE COLOR...</summary>
    public required string Photometric { get; init; }

    public required int Frames { get; init; }

    /// <summary>True for float/double float pixel data (7FE0,0008/0009).</summary>
    public bool IsFloat { get; init; }

    /// <summary>The element type the decoders produce.</summary>
    public ElementType StoredType => IsFloat
        ? (BitsAllocated == 64 ? ElementType.Float64 : ElementType.Float32)
        : BitsAllocated switch
        {
            1 or 8 => IsSigned && BitsAllocated == 8 ? ElementType.Int8 : ElementType.UInt8,
            16 => IsSigned ? ElementType.Int16 : ElementType.UInt16,
            _ => IsSigned ? ElementType.Int32 : ElementType.UInt32,
        };

    public long PixelsPerFrame => (long)Rows * Columns;

    /// <summary>Bytes of one decoded frame.</summary>
    public long FrameBytes => PixelsPerFrame * SamplesPerPixel * StoredType.Size();

    /// <summary>Bits of one frame as stored natively (YBR_FULL_422 stores 2 samples per pixel).</summary>
    public long StoredFrameBits => PixelsPerFrame * (IsYbr422 ? 2 : SamplesPerPixel) * BitsAllocated;

    public bool IsYbr422 => Photometric is "YBR_FULL_422" && SamplesPerPixel == 3;

    public bool IsMonochrome1 => Photometric == "MONOCHROME1";

    /// <summary>Reads and checks the module; <see cref="InvalidImageFileException"/> names the missing or bad element.</summary>
    public static DicomPixelFormat FromFile(DicomFile file)
    {
        var ds = file.Dataset;
        var location = file.PixelData ?? throw new InvalidImageFileException("the file has no pixel data", file.Path, "PixelData");
        int Required(DicomTag tag, string name)
        {
            int? value = ds.GetInt(tag);
            return value ?? throw new InvalidImageFileException($"{name} is missing, so the pixel data cannot be interpreted", file.Path, name, "the file is not a complete image");
        }

        bool isFloat = location.Tag != DicomTag.PixelData;
        int rows = Required(DicomTag.Rows, "Rows");
        int columns = Required(DicomTag.Columns, "Columns");
        int samples = ds.GetInt(DicomTag.SamplesPerPixel) ?? 1;
        int bitsAllocated = isFloat ? (location.Tag == DicomTag.DoubleFloatPixelData ? 64 : 32) : Required(DicomTag.BitsAllocated, "BitsAllocated");
        int bitsStored = ds.GetInt(DicomTag.BitsStored) ?? bitsAllocated;
        int highBit = ds.GetInt(DicomTag.HighBit) ?? (bitsStored - 1);
        int representation = ds.GetInt(DicomTag.PixelRepresentation) ?? 0;
        int planar = ds.GetInt(DicomTag.PlanarConfiguration) ?? 0;
        int frames = ds.GetInt(DicomTag.NumberOfFrames) ?? 1;
        string photometric = ds.GetString(DicomTag.PhotometricInterpretation) ?? (samples == 3 ? "RGB" : "MONOCHROME2");

        if (rows < 1 || columns < 1)
        {
            throw new InvalidImageFileException($"the image is {columns}x{rows} pixels", file.Path, rows < 1 ? "Rows" : "Columns", "the header is corrupt");
        }

        if (samples is not (1 or 3))
        {
            throw new UnsupportedFormatException($"{samples} samples per pixel are not supported (1 or 3 are)", file.Path, "SamplesPerPixel");
        }

        if (!isFloat && bitsAllocated is not (1 or 8 or 16 or 32))
        {
            throw new UnsupportedFormatException($"{bitsAllocated} bits allocated per sample are not supported (1, 8, 16, 32 are)", file.Path, "BitsAllocated");
        }

        if (bitsStored < 1 || bitsStored > bitsAllocated || highBit < bitsStored - 1 || highBit >= bitsAllocated)
        {
            throw new InvalidImageFileException($"BitsStored {bitsStored} and HighBit {highBit} do not fit {bitsAllocated} bits allocated", file.Path, "BitsStored", "the header is corrupt");
        }

        if (representation is not (0 or 1))
        {
            throw new InvalidImageFileException($"PixelRepresentation is {representation} (0 or 1 expected)", file.Path, "PixelRepresentation");
        }

        if (frames < 1)
        {
            throw new InvalidImageFileException($"NumberOfFrames is {frames}", file.Path, "NumberOfFrames", "the header is corrupt");
        }

        if (photometric is "PALETTE COLOR")
        {
            throw new UnsupportedFormatException("PALETTE COLOR images are not supported", file.Path, "PhotometricInterpretation", "convert to RGB first (e.g. gdcmconv --raw --photometric-interpretation RGB ... or dcmj2pnm)");
        }

        if (samples == 3 && photometric is not ("RGB" or "YBR_FULL" or "YBR_FULL_422" or "YBR_RCT" or "YBR_ICT"))
        {
            throw new UnsupportedFormatException($"{photometric} colour images are not supported", file.Path, "PhotometricInterpretation");
        }

        return new DicomPixelFormat
        {
            Rows = rows,
            Columns = columns,
            SamplesPerPixel = samples,
            BitsAllocated = bitsAllocated,
            BitsStored = bitsStored,
            HighBit = highBit,
            IsSigned = representation == 1 && !isFloat,
            IsPlanar = planar == 1 && samples > 1,
            Photometric = photometric,
            Frames = frames,
            IsFloat = isFloat,
        };
    }
}
