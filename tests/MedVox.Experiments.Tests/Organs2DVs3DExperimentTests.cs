
namespace MedVox.Experiments.Tests;

[Collection(AbdomenUNetsCollection.Name)]
public sealed class Organs2DVs3DExperimentTests(AbdomenUNetsFixture fixture)
{
    [Fact]
    public void TinyRunProducesASaneTable()
    {
        var experiment = ExperimentCatalog.Find("organs-2d-vs-3d");
        var result = experiment.Run(new ExperimentSettings(ExperimentScale.Tiny, 1, fixture.WorkDirectory("organs-2d-vs-3d")), cancellation: TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(result.ToMarkdown("test"));
        var columns = result.Table.Columns;
        Assert.Equal(10, columns.Count);
        var rows = result.Table.Rows;
        Assert.Equal(3, rows.Count);
    }
}
