using MedVox.Learning.Data;
using MedVox.Learning.Networks;
using MedVox.Learning.Planning;
using MedVox.Testing;
using static MedVox.Learning.Tests.TensorFactory;
using static TorchSharp.torch;

namespace MedVox.Learning.Tests.Planning;

public class ModelFolderTests
{
    private static SegmentationPlan Plan() => new()
    {
        DatasetName = "test",
        Labels = new Dictionary<string, int> { ["background"] = 0, ["liver"] = 1, ["spleen"] = 2 },
        Channels = ["CT"],
        Preprocessing = new PreprocessingPlan
        {
            TargetSpacing = [1.5, 1.5, 3],
            Normalization = [new ChannelNormalization { Scheme = NormalizationScheme.CT, ClipLow = -100, ClipHigh = 250, Mean = 80, StandardDeviation = 40 }],
            LabelValues = [0, 1, 2],
        },
        PatchSize = [16, 32, 32],
        BatchSize = 2,
        Network = UNetConfig.ForPatch([16, 32, 32], [3, 1.5, 1.5], 1, 3, baseFeatures: 4, maxFeatures: 16),
        Reasons = ["patch: test"],
    };

    [Fact]
    public void SavedModelLoadsWithThePlanAndComputesTheSameLogits()
    {
        using var folder = TestData.CreateTempFolder();
        var plan = Plan();
        using var net = new UNet(plan.Network);
        net.eval();
        ModelFolder.Save(folder.Path, plan, net.state_dict());

        var (loadedPlan, loaded) = ModelFolder.Load(folder.Path);
        using (loaded)
        {
            Assert.Equal(plan.PatchSize, loadedPlan.PatchSize);
            Assert.Equal(2, loadedPlan.Labels["spleen"]);
            Assert.Equal(NormalizationScheme.CT, loadedPlan.Preprocessing.Normalization[0].Scheme);
            Assert.Equal(plan.Network.Strides.Select(s => string.Join(",", s)), loadedPlan.Network.Strides.Select(s => string.Join(",", s)));

            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var input = Randn(1, 1, 16, 32, 32);
            Assert.True(net.forward(input).allclose(loaded.forward(input)));
        }
    }

    [Fact]
    public void MissingWeightsAndForeignPlansAreClearErrors()
    {
        using var folder = TestData.CreateTempFolder();
        ModelFolder.SavePlan(Plan(), folder.File(ModelFolder.PlanFile));

        Assert.Contains("no weights", Assert.Throws<MedVoxException>(() => ModelFolder.Load(folder.Path)).Message, StringComparison.Ordinal);

        File.WriteAllText(folder.File(ModelFolder.PlanFile), File.ReadAllText(folder.File(ModelFolder.PlanFile)).Replace(SegmentationPlan.CurrentFormat, "medvox-segmentation-plan/0", StringComparison.Ordinal));
        Assert.Contains("another MedVox version", Assert.Throws<MedVoxException>(() => ModelFolder.Load(folder.Path)).Message, StringComparison.Ordinal);

        Assert.Contains("no such model folder", Assert.Throws<MedVoxException>(() => ModelFolder.Load(folder.File("nope"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WeightsOfAnotherNetworkAreRejected()
    {
        using var folder = TestData.CreateTempFolder();
        var plan = Plan();
        using (var other = new UNet(plan.Network with { Features = [.. plan.Network.Features.Select(f => 2 * f)] }))
        {
            ModelFolder.Save(folder.Path, plan, other.state_dict());
        }

        var error = Assert.Throws<MedVoxException>(() => ModelFolder.Load(folder.Path));
        Assert.Contains("shape", error.Message, StringComparison.Ordinal);
    }
}
