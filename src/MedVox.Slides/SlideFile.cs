namespace MedVox.Slides;

/// <summary>Opens a whole-slide image with the reader that handles it.</summary>
public static class SlideFile
{
    /// <summary>
    /// Tiled TIFF, BigTIFF and SVS go through LibTiff.NET (<see cref="TiffSlideReader"/>); other files, and TIFF-based
    /// vendor files that are not plain tiled pyramids (NDPI, Philips, Ventana), through OpenSlide when it is installed
    /// and recognises them. Anything else is refused with the reason.
    /// </summary>
    public static SlideReader Open(string path, long cacheBytes = TiffSlideReader.DefaultCacheBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            throw new UnsupportedFormatException("a folder is not a slide", path, hint: "give the slide file (for MRXS, the .mrxs file beside its folder)");
        }

        if (!File.Exists(path))
        {
            throw new MedVoxException("file not found", path);
        }

        string? vendor = OpenSlideReader.DetectVendor(path);
        bool tiff = TiffSlideReader.IsTiff(path);
        if (tiff && vendor is null or "generic-tiff" or "aperio")
        {
            try
            {
                return TiffSlideReader.Open(path, cacheBytes);
            }
            catch (UnsupportedFormatException) when (vendor is not null)
            {
                // A TIFF that libtiff.net cannot take but OpenSlide recognises: let OpenSlide read it.
            }
        }

        if (vendor is not null)
        {
            return OpenSlideReader.Open(path);
        }

        if (tiff)
        {
            return TiffSlideReader.Open(path, cacheBytes);
        }

        throw new UnsupportedFormatException(
            OpenSlideReader.IsAvailable ? "no slide reader supports this file (not a TIFF, and OpenSlide does not recognise it)" : "not a TIFF file, and OpenSlide (for vendor formats) is not installed",
            path,
            hint: OpenSlideReader.IsAvailable ? "give a tiled TIFF/BigTIFF, SVS, or a vendor format OpenSlide reads (NDPI, MRXS, SCN, ...)" : "apt-get install libopenslide0 to read NDPI, MRXS, SCN and other vendor formats");
    }
}
