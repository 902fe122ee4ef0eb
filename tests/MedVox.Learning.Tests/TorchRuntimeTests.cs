using MedVox.Learning.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace MedVox.Learning.Tests;

public class TorchRuntimeTests
{
    [Fact]
    public void EngineLoadsAndReportsItsVersion()
    {
        Assert.StartsWith("2.", TorchRuntime.LibTorchVersion, StringComparison.Ordinal);
        Assert.Contains("LibTorch", TorchRuntime.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Conv3dForwardAndBackwardMatchHandComputation()
    {
        using var scope = NewDisposeScope();
        // Input 1x1x3x3x3 holding 0..26; kernel 2x2x2 of ones, bias 0.5: each output is the sum of a 2x2x2 window + 0.5.
        var input = arange(27, ScalarType.Float32).reshape(1, 1, 3, 3, 3).requires_grad_(true);
        using var conv = nn.Conv3d(1, 1, 2);
        using (no_grad())
        {
            conv.weight!.fill_(1f);
            conv.bias!.fill_(0.5f);
        }

        var output = conv.forward(input);
        output.sum().backward();

        Assert.Equal(new long[] { 1, 1, 2, 2, 2 }, output.shape);
        // Window at (0,0,0): indices z*9+y*3+x for z,y,x in {0,1} sum to 0+1+3+4+9+10+12+13 = 52.
        Assert.Equal(52.5f, output[0, 0, 0, 0, 0].item<float>());
        // Each step in x adds 8, in y 24, in z 72.
        Assert.Equal(52.5f + 8 + 24 + 72, output[0, 0, 1, 1, 1].item<float>());
        // d(sum)/d(weight) = sum of the 8 windows = 8 * mean window; for weight[0,0,0,0,0] it is the sum of inputs at (z,y,x) in {0,1}^3 origins.
        Assert.Equal(0 + 1 + 3 + 4 + 9 + 10 + 12 + 13, conv.weight!.grad![0, 0, 0, 0, 0].item<float>());
        Assert.Equal(8f, conv.bias!.grad![0].item<float>());
        // d(sum)/d(input): the centre voxel is in all 8 windows, a corner in 1.
        Assert.Equal(8f, input.grad![0, 0, 1, 1, 1].item<float>());
        Assert.Equal(1f, input.grad![0, 0, 0, 0, 0].item<float>());
    }

    [Fact]
    public void CpuIsAlwaysResolvable()
    {
        Assert.Equal(DeviceType.CPU, TorchRuntime.Resolve(ComputeDevice.Cpu).type);
        var auto = TorchRuntime.Resolve(ComputeDevice.Auto);
        Assert.Equal(TorchRuntime.IsCudaAvailable ? DeviceType.CUDA : DeviceType.CPU, auto.type);
    }

    [Fact]
    public void CudaRequestedWithoutCudaIsAClearError()
    {
        if (TorchRuntime.IsCudaAvailable)
        {
            Assert.Equal(DeviceType.CUDA, TorchRuntime.Resolve(ComputeDevice.Cuda).type);
            return;
        }

        var error = Assert.Throws<MedVoxException>(() => TorchRuntime.Resolve(ComputeDevice.Cuda));
        Assert.Contains("CUDA is not available", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("auto", ComputeDevice.Auto)]
    [InlineData("CPU", ComputeDevice.Cpu)]
    [InlineData("cuda", ComputeDevice.Cuda)]
    public void DeviceNamesParse(string text, ComputeDevice expected) => Assert.Equal(expected, TorchRuntime.Parse(text));

    [Fact]
    public void UnknownDeviceNameIsAClearError() =>
        Assert.Contains("auto, cpu or cuda", Assert.Throws<MedVoxException>(() => TorchRuntime.Parse("tpu")).Message, StringComparison.Ordinal);

    /// <summary>The cuDNN autotuner switch is reached through LibTorch's exported context (no CUDA needed to set it).</summary>
    [Fact]
    public void CuDnnAutotunerSwitchesOnAndOff()
    {
        Assert.True(CuDnnSettings.TrySetBenchmark(true));
        Assert.True(CuDnnSettings.TrySetBenchmark(false));
    }
}
