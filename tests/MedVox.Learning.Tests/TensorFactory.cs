using static TorchSharp.torch;

namespace MedVox.Learning.Tests;

/// <summary>Short tensor constructors for tests.</summary>
internal static class TensorFactory
{
    public static Tensor Randn(params long[] shape) => randn(shape);
}
