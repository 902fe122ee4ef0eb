using MedVox.Testing;

namespace MedVox.Experiments.Tests;

/// <summary>
/// One work folder for the pancreas and organs-2d-vs-3d tests, which run one after the other (one collection): the
/// second reuses the networks the first trained, as two CLI runs with the same --work, scale and seed do.
/// </summary>
public sealed class AbdomenUNetsFixture : IDisposable
{
    private readonly TempFolder _folder = TestData.CreateTempFolder();

    public string WorkDirectory(string experiment) => Path.Combine(_folder.Path, experiment);

    public void Dispose() => _folder.Dispose();
}

[CollectionDefinition(Name)]
public sealed class AbdomenUNetsCollection : ICollectionFixture<AbdomenUNetsFixture>
{
    public const string Name = "abdomen U-Nets";
}
