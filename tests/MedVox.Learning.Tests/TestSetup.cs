using MedVox.Learning.Runtime;

[assembly: AssemblyFixture(typeof(MedVox.Learning.Tests.TorchEngineFixture))]

namespace MedVox.Learning.Tests;

/// <summary>
/// Loads LibTorch through MedVox (which prepares its threading environment) before any test touches torch directly.
/// An assembly fixture rather than a module initializer: the runner also starts the test program just to ask for its
/// assembly information, and loading LibTorch there delayed the exit enough for xunit 3.2's "waiting for foreground
/// threads" line to corrupt that answer (xunit/xunit#3576) on a loaded machine.
/// </summary>
public sealed class TorchEngineFixture
{
    public TorchEngineFixture() => TorchRuntime.EnsureLoaded();
}
