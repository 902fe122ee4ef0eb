using System.Runtime.CompilerServices;
using MedVox.Learning.Runtime;

namespace MedVox.Learning.Tests;

internal static class TestSetup
{
    /// <summary>Loads LibTorch through MedVox (which prepares its threading environment) before any test touches torch directly.</summary>
    [ModuleInitializer]
    internal static void LoadEngine() => TorchRuntime.EnsureLoaded();
}
