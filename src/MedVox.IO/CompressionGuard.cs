namespace MedVox.IO;

/// <summary>
/// Plausibility checks for compressed pixel data, made before anything is allocated: deflate cannot expand data by more
/// than about 1032:1, so a header that claims more than that from the bytes on disk is lying (or the file is cut short).
/// </summary>
public static class CompressionGuard
{
    /// <summary>Upper bound of deflate's expansion ratio (a 258-byte match costs at least 2 bits), rounded up.</summary>
    public const long MaxDeflateRatio = 1032;

    /// <summary>Throws when <paramref name="claimedBytes"/> cannot come from <paramref name="compressedBytes"/> of deflate data.</summary>
    public static void CheckDeflateClaim(long claimedBytes, long compressedBytes, string path, string field)
    {
        if (claimedBytes / MaxDeflateRatio > compressedBytes + 64)
        {
            throw new InvalidImageFileException(
                $"the header claims {claimedBytes} bytes of pixels, which {compressedBytes} compressed bytes cannot hold",
                path,
                field,
                "the dimensions are wrong or the file is truncated");
        }
    }

    /// <summary>Throws when the voxel count implied by the dimensions overflows or exceeds what any file could hold.</summary>
    public static long CheckedByteCount(ReadOnlySpan<long> dimensions, long bytesPerVoxel, string path, string field)
    {
        long total = bytesPerVoxel;
        foreach (long d in dimensions)
        {
            if (d < 1)
            {
                throw new InvalidImageFileException($"dimension {d} is not positive", path, field);
            }

            if (total > long.MaxValue / d)
            {
                throw new InvalidImageFileException("the dimensions multiply to more bytes than any file holds", path, field, "the header is corrupt");
            }

            total *= d;
        }

        return total;
    }
}
