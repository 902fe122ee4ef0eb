using MedVox.Learning.Runtime;

namespace MedVox.Learning.Tests;

public class NativeEnvironmentTests
{
    [Fact]
    public void TheCudaAllocatorGrowsByExpandableSegmentsUnlessTheUserChoseSettings()
    {
        Assert.Equal("expandable_segments:True", NativeEnvironment.CudaAllocatorSetting(null, null));
        Assert.Null(NativeEnvironment.CudaAllocatorSetting(string.Empty, null));
        Assert.Null(NativeEnvironment.CudaAllocatorSetting("max_split_size_mb:128", null));
        Assert.Null(NativeEnvironment.CudaAllocatorSetting(null, "expandable_segments:False"));
    }

    [Fact]
    public void LibTorchSeesTheSettingsBeforeItLoads()
    {
        TorchRuntime.EnsureLoaded();
        Assert.Equal(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "PASSIVE", NativeEnvironment.NativeVariable("OMP_WAIT_POLICY"));
        string? user = Environment.GetEnvironmentVariable(NativeEnvironment.CudaAllocatorVariable);
        string? native = NativeEnvironment.NativeVariable(NativeEnvironment.CudaAllocatorVariable);
        Assert.Equal(user ?? NativeEnvironment.CudaAllocatorSetting(null, Environment.GetEnvironmentVariable(NativeEnvironment.AllocatorVariable)), native);
    }
}
