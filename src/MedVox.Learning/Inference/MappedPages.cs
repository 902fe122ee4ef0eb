using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MedVox.Imaging;

namespace MedVox.Learning.Inference;

/// <summary>
/// Drops the resident pages of slices of a memory-mapped image that a streaming pass has finished with. Touched pages
/// of a mapped file stay in the process's resident set until memory runs short, so a pass over a 4 GB mapped volume
/// would otherwise show 4 GB of RSS; after madvise(DONTNEED) a later read faults the page in again from the file (the
/// data is not lost: read-only and copy-on-write mappings that were never written reread the file, shared mappings
/// keep their changes in the page cache).
/// </summary>
internal static unsafe partial class MappedPages
{
    private const int DontNeed = 4;

    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>Releases slices [<paramref name="z0"/>, <paramref name="z1"/>) of frame <paramref name="t"/> when the image is mapped and contiguous; otherwise does nothing.</summary>
    public static void Release(Image image, int z0, int z1, int t = 0)
    {
        if (!IsSupported || !image.IsMapped || !image.IsContiguous || z1 <= z0)
        {
            return;
        }

        var size = image.Size;
        byte* first = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(image.GetRowBytes(0, z0, t)));
        byte* last = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(image.GetRowBytes(size.Y - 1, z1 - 1, t)));
        long end = (long)last + image.RowStride;
        long page = Environment.SystemPageSize;
        long start = ((long)first + page - 1) / page * page;
        long stop = end / page * page;
        if (stop > start)
        {
            _ = Advise((nint)start, (nuint)(stop - start), DontNeed);
        }
    }

    /// <summary>Releases every slice of every frame.</summary>
    public static void ReleaseAll(Image image)
    {
        for (int t = 0; t < image.Size.T; t++)
        {
            Release(image, 0, image.Size.Z, t);
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Advise(nint address, nuint length, int advice);
}
