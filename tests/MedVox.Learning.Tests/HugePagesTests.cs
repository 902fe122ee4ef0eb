using MedVox.Learning.Runtime;

namespace MedVox.Learning.Tests;

public class HugePagesTests
{
    private static readonly Version Bookworm = new(2, 36);

    [Fact]
    public void RestartsOnlyWhereTheTunableWouldChangeSomething()
    {
        Assert.True(HugePages.ShouldRestart(null, null, "madvise", Bookworm));
        Assert.True(HugePages.ShouldRestart("glibc.malloc.arena_max=2", null, "madvise", Bookworm));
        // Already set (also after the restart itself: no loop), opted out, or a kernel/libc where it does nothing.
        Assert.False(HugePages.ShouldRestart("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1", null, "madvise", Bookworm));
        Assert.False(HugePages.ShouldRestart(null, "0", "madvise", Bookworm));
        Assert.False(HugePages.ShouldRestart(null, null, "always", Bookworm));
        Assert.False(HugePages.ShouldRestart(null, null, "never", Bookworm));
        Assert.False(HugePages.ShouldRestart(null, null, null, Bookworm));
        Assert.False(HugePages.ShouldRestart(null, null, "madvise", new Version(2, 31)));
        Assert.False(HugePages.ShouldRestart(null, null, "madvise", null));
    }

    [Theory]
    [InlineData("always [madvise] never\n", "madvise")]
    [InlineData("[always] madvise never\n", "always")]
    [InlineData("always madvise [never]\n", "never")]
    [InlineData("garbage\n", null)]
    public void ReadsTheKernelsModeFromItsBrackets(string text, string? mode) => Assert.Equal(mode, HugePages.ParseThpMode(text));
}
