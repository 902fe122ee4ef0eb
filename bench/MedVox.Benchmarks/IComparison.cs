namespace MedVox.Benchmarks;

/// <summary>
/// The MedVox half of a side-by-side comparison with a reference tool. Implementations time their work and print one
/// line per measurement as "name seconds" so that the driving script can put both halves in one table.
/// </summary>
public interface IComparison
{
    string Name { get; }

    int Run(string[] args);
}
