using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.IO.Datasets;
using MedVox.Learning.Data;
using MedVox.Learning.Planning;
using MedVox.Learning.Tests.Data;
using MedVox.Learning.Training;
using MedVox.Testing;

namespace MedVox.Learning.Tests.Planning;

public class SegmentationPlannerTests
{
    private const long MiB = 1L << 20;

    /// <summary>
    /// Three 1 mm cases whose nonzero boxes are 80 x 48 x 20 voxels (x, y, z): the median shape in tensor order is
    /// [20, 48, 80], strongly elongated, so an isotropic patch would not follow it.
    /// </summary>
    private static (DatasetFingerprint Fingerprint, DatasetDescription Description) ElongatedDataset(TempFolder folder)
    {
        var dataset = DataFixtures.Empty(folder);
        for (int i = 0; i < 3; i++)
        {
            var (image, label) = DataFixtures.BoxCase(DataFixtures.Geometry(88, 56, 24), new Index3(4, 4, 2), ImageSize.Of3D(80, 48, 20), seed: i);
            using (image)
            using (label)
            {
                dataset.WriteTrainingCase($"case_{i:D3}", [image], label);
            }
        }

        var read = DecathlonDataset.Read(dataset.Directory);
        return (DatasetFingerprint.Compute(read, cancellation: TestContext.Current.CancellationToken), read.Description);
    }

    private static long Voxels(int[] patch) => patch.Aggregate(1L, (a, b) => a * b);

    [Fact]
    public void LargeBudgetTakesTheMedianShapeAsPatch()
    {
        using var folder = TestData.CreateTempFolder();
        var (fingerprint, description) = ElongatedDataset(folder);

        var plan = new SegmentationPlanner().Plan(fingerprint, description, new PlannerOptions { MemoryBudgetBytes = 16L << 30 });

        // Median box 20 x 48 x 80 (z, y, x); each axis is already a multiple of 2^k for the strides it allows.
        Assert.Equal([20, 48, 80], plan.PatchSize);
        Assert.True(plan.BatchSize >= 2);
        Assert.Equal([1.0, 1.0, 1.0], plan.Preprocessing.TargetSpacing);
        Assert.True(plan.Memory!.EstimatedBytes <= plan.Memory.BudgetBytes);
        foreach (string choice in new[] { "target spacing:", "median shape:", "initial patch:", "network:", "patch:", "batch size:", "training:", "memory:" })
        {
            Assert.Contains(plan.Reasons, r => r.StartsWith(choice, StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(600)]
    [InlineData(420)]
    public void SmallerBudgetsShrinkThePatchKeepingTheMedianShapesAspect(int budgetMiB)
    {
        using var folder = TestData.CreateTempFolder();
        var (fingerprint, description) = ElongatedDataset(folder);
        var planner = new SegmentationPlanner();
        var large = planner.Plan(fingerprint, description, new PlannerOptions { MemoryBudgetBytes = 16L << 30 });

        var plan = planner.Plan(fingerprint, description, new PlannerOptions { MemoryBudgetBytes = budgetMiB * MiB });

        Assert.True(plan.Memory!.EstimatedBytes <= budgetMiB * MiB, $"estimate {plan.Memory.EstimatedBytes >> 20} MiB over the budget {budgetMiB} MiB");
        Assert.True(plan.BatchSize >= 2, $"batch {plan.BatchSize}");
        Assert.True(Voxels(plan.PatchSize) <= Voxels(large.PatchSize));

        // Aspect follows the median shape [20, 48, 80]: the axes keep their order, and no axis is reduced much more
        // (relative to the median) than another (the reduction takes the axis largest relative to the median).
        Assert.True(plan.PatchSize[0] <= plan.PatchSize[1] && plan.PatchSize[1] <= plan.PatchSize[2], string.Join("x", plan.PatchSize));
        double[] ratios = [plan.PatchSize[0] / 20.0, plan.PatchSize[1] / 48.0, plan.PatchSize[2] / 80.0];
        Assert.True(ratios.Max() / ratios.Min() < 2.5, $"patch {string.Join("x", plan.PatchSize)} does not follow 20x48x80");
    }

    [Fact]
    public void CheckpointingAndBFloat16BuyALargerPatchUnderTheSameBudget()
    {
        using var folder = TestData.CreateTempFolder();
        var (fingerprint, description) = ElongatedDataset(folder);
        var planner = new SegmentationPlanner();
        long budget = 420 * MiB;

        var plain = planner.Plan(fingerprint, description, new PlannerOptions { MemoryBudgetBytes = budget });
        var checkpointed = planner.Plan(fingerprint, description, new PlannerOptions { MemoryBudgetBytes = budget, Training = new TrainingOptions { ActivationCheckpointing = true } });
        var bf16 = planner.Plan(fingerprint, description, new PlannerOptions { MemoryBudgetBytes = budget, Training = new TrainingOptions { Precision = PrecisionMode.BFloat16 } });

        long plainVoxels = Voxels(plain.PatchSize) * plain.Network.Features[0];
        Assert.True(Voxels(checkpointed.PatchSize) * checkpointed.Network.Features[0] > plainVoxels, $"checkpointing {string.Join("x", checkpointed.PatchSize)} vs {string.Join("x", plain.PatchSize)}");
        Assert.True(Voxels(bf16.PatchSize) * bf16.Network.Features[0] > plainVoxels, $"bf16 {string.Join("x", bf16.PatchSize)} vs {string.Join("x", plain.PatchSize)}");
    }

    [Fact]
    public void TooSmallABudgetIsOneClearLine()
    {
        using var folder = TestData.CreateTempFolder();
        var (fingerprint, description) = ElongatedDataset(folder);

        var error = Assert.Throws<MedVoxException>(() => new SegmentationPlanner().Plan(fingerprint, description, new PlannerOptions { MemoryBudgetBytes = 64 * MiB }));

        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains("too small", error.Message, StringComparison.Ordinal);
        Assert.Contains("--memory", error.Message, StringComparison.Ordinal);
        Assert.Contains("give at least", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LabelsThatDoNotRunFromZeroAreRefused()
    {
        using var folder = TestData.CreateTempFolder();
        var (fingerprint, description) = ElongatedDataset(folder);
        var gap = description with { Labels = [new DatasetLabel("background", 0), new DatasetLabel("a", 1), new DatasetLabel("b", 3)] };

        var error = Assert.Throws<MedVoxException>(() => new SegmentationPlanner().Plan(fingerprint, gap, new PlannerOptions { MemoryBudgetBytes = 1L << 30 }));

        Assert.Contains("0, 1, 3", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}
