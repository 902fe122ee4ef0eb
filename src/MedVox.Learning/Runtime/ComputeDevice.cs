namespace MedVox.Learning.Runtime;

/// <summary>The device a command asks for: <c>--device auto|cpu|cuda</c>.</summary>
public enum ComputeDevice
{
    /// <summary>CUDA when it initializes, else the CPU.</summary>
    Auto,
    Cpu,
    Cuda,
}
