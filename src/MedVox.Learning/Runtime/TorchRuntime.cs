using TorchSharp;

namespace MedVox.Learning.Runtime;

/// <summary>
/// Loads the tensor engine (TorchSharp over LibTorch) once and resolves <c>--device</c> choices, turning load
/// failures into one clear message instead of a type-initializer stack.
/// </summary>
public static class TorchRuntime
{
    private const string CudaHint =
        "install the CUDA build of PyTorch and put its torch/lib folder on LD_LIBRARY_PATH, build with -p:MedVoxTorchBackend=external (see README, GPU), or use --device cpu";

    private static readonly Lock SeedLock = new();

    private static readonly Lazy<string> Version = new(LoadEngine, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>LibTorch's version; loads the native libraries on first use.</summary>
    public static string LibTorchVersion => Version.Value;

    /// <summary>Whether CUDA initializes in this process.</summary>
    public static bool IsCudaAvailable
    {
        get
        {
            _ = Version.Value;
            return torch.cuda.is_available();
        }
    }

    /// <summary>Loads the engine, or throws a <see cref="MedVoxException"/> saying what failed and what to do.</summary>
    public static void EnsureLoaded() => _ = Version.Value;

    /// <summary>The device for a choice: Auto picks CUDA when available; Cuda fails clearly when it is not.</summary>
    public static torch.Device Resolve(ComputeDevice choice)
    {
        EnsureLoaded();
        return choice switch
        {
            ComputeDevice.Cpu => torch.CPU,
            ComputeDevice.Cuda when torch.cuda.is_available() => torch.CUDA,
            ComputeDevice.Cuda => throw new MedVoxException("--device cuda was requested but CUDA is not available", hint: CudaHint),
            _ => torch.cuda.is_available() ? torch.CUDA : torch.CPU,
        };
    }

    /// <summary>
    /// Creates a network (or anything that draws its initial values from LibTorch's global generator) right after
    /// seeding that generator, under a process-wide lock, so that the initial weights follow from
    /// <paramref name="seed"/> even while other threads seed or draw: two trainings started side by side (parallel
    /// tests, a service training several models) would otherwise interleave their draws and start from other weights.
    /// Code that draws from the global generator without this lock can still interleave.
    /// </summary>
    public static T CreateSeeded<T>(long seed, Func<T> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        EnsureLoaded();
        lock (SeedLock)
        {
            torch.manual_seed(seed);
            return create();
        }
    }

    /// <summary>Parses "auto", "cpu" or "cuda" (case-insensitive).</summary>
    public static ComputeDevice Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "auto" => ComputeDevice.Auto,
        "cpu" => ComputeDevice.Cpu,
        "cuda" or "gpu" => ComputeDevice.Cuda,
        _ => throw new MedVoxException($"unknown device '{text}'", field: "--device", hint: "use auto, cpu or cuda"),
    };

    /// <summary>One line describing the engine and devices, for <c>--verbose</c> output and bug reports.</summary>
    public static string Describe()
    {
        EnsureLoaded();
        string cuda = torch.cuda.is_available()
            ? $"CUDA available ({torch.cuda.device_count()} device(s), allocator {NativeEnvironment.NativeVariable(NativeEnvironment.AllocatorVariable) ?? NativeEnvironment.NativeVariable(NativeEnvironment.CudaAllocatorVariable) ?? "default"})"
            : "CUDA not available";
        string pages = HugePages.Active ? "huge pages for CPU tensors" : "4 KB pages for CPU tensors";
        return $"LibTorch {LibTorchVersion}, {torch.get_num_threads()} CPU threads, {pages}, {cuda}";
    }

    private static string LoadEngine()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            return torch.__version__;
        }
        catch (Exception ex) when (ex is TypeInitializationException or DllNotFoundException or NotSupportedException or BadImageFormatException or EntryPointNotFoundException)
        {
            var root = ex;
            while (root.InnerException is not null)
            {
                root = root.InnerException;
            }

            throw new MedVoxException(
                $"the tensor engine (LibTorch) could not be loaded: {root.Message}",
                hint: "rebuild so the TorchSharp native libraries are copied (dotnet build); on Linux they need glibc 2.31+ and libstdc++ from GCC 12+",
                inner: ex);
        }
    }
}
