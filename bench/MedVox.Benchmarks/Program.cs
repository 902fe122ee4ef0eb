using BenchmarkDotNet.Running;
using MedVox.Benchmarks;
using MedVox.Learning.Runtime;

// Two kinds of benchmarks live here:
// - BenchmarkDotNet classes for micro-benchmarks: `dotnet run -c Release -- bdn [--filter *Name*]`;
// - side-by-side comparisons with a reference tool (nibabel, pydicom, PyTorch) that must run in one process and one
//   script on the same files: `dotnet run -c Release -- compare NAME [args]` (see bench/*.sh).
// As medvox does (MEDVOX_HUGE_PAGES=0 measures without).
HugePages.RestartWithHugePages();

var comparisons = typeof(Program).Assembly.GetTypes()
    .Where(t => typeof(IComparison).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IComparison)Activator.CreateInstance(t)!)
    .ToDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);

if (args.Length >= 1 && args[0] == "bdn")
{
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
    return 0;
}

if (args.Length >= 2 && args[0] == "compare" && comparisons.TryGetValue(args[1], out var comparison))
{
    return comparison.Run(args[2..]);
}

Console.Error.WriteLine("usage: MedVox.Benchmarks bdn [BenchmarkDotNet args] | compare NAME [args]");
Console.Error.WriteLine("comparisons: " + string.Join(", ", comparisons.Keys.Order()));
return 2;

public partial class Program;
