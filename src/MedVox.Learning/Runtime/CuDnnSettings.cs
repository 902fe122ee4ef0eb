using System.Runtime.InteropServices;

namespace MedVox.Learning.Runtime;

/// <summary>
/// cuDNN's autotuner (PyTorch's <c>torch.backends.cudnn.benchmark</c>), which TorchSharp 0.107 does not expose: with it
/// on, the first convolution of each shape times cuDNN's algorithms and keeps the fastest, which pays off when the
/// shapes repeat (fixed patches in training, fixed windows in prediction; nnU-Net turns it on for both). Reached
/// through LibTorch's own exported <c>at::globalContext()</c> and <c>at::Context::setBenchmarkCuDNN(bool)</c>.
/// </summary>
public static partial class CuDnnSettings
{
    private const string Library = "libtorch_cpu.so";

    /// <summary>Turns the autotuner on or off; false when this LibTorch does not export the setting (nothing changes then).</summary>
    public static bool TrySetBenchmark(bool enabled)
    {
        TorchRuntime.EnsureLoaded();
        try
        {
            SetBenchmark(GlobalContext(), enabled);
            return GetBenchmark(GlobalContext()) == enabled;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport(Library, EntryPoint = "_ZN2at13globalContextEv")]
    private static partial nint GlobalContext();

    [LibraryImport(Library, EntryPoint = "_ZN2at7Context17setBenchmarkCuDNNEb")]
    private static partial void SetBenchmark(nint context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [LibraryImport(Library, EntryPoint = "_ZNK2at7Context14benchmarkCuDNNEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static partial bool GetBenchmark(nint context);
}
